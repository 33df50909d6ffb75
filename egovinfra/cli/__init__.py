"""The `egovinfra` command line: one typer app, a module per group of commands."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from egovinfra.errors import EgovinfraError
from egovinfra.model.problems import TopologyError

app = typer.Typer(
    name="egovinfra",
    help="Infrastructure as code for a government's shared platform: two datacenters, "
    "an IPsec intranet to every ministry, and the groupware on top.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Command modules register themselves on `app` when imported.
from egovinfra.cli import cloud, converge, lab_cmds, pki_cmds, policy, topology_cmds, vagrant_cmd  # noqa: E402,F401

_err = Console(stderr=True, highlight=False, soft_wrap=True)


def report(error: EgovinfraError) -> None:
    """Print an error for a person: each located problem on its own line."""
    if isinstance(error, TopologyError):
        for problem in error.problems:
            _err.print(problem.format(), markup=False)
        _err.print(f"{len(error.problems)} problem(s) found; nothing was written.", style="bold red")
    else:
        _err.print(f"error: {error}", markup=False)


def main() -> None:
    """Entry point of the console script: known errors exit 2 with a message, never a traceback."""
    try:
        app()
    except EgovinfraError as error:
        report(error)
        sys.exit(2)
    except KeyboardInterrupt:
        _err.print("interrupted")
        sys.exit(130)
