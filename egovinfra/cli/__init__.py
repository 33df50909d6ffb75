"""The `egovinfra` command line: one typer app, a module per group of commands."""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
from typing import NoReturn

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


@app.callback()
def _root() -> None:
    """Infrastructure as code for a government's shared platform."""


# The module that defines each top-level command. A run imports only the module of its
# command, so `egovinfra render` does not pay for Pulumi, Ansible or Aerleon at start-up;
# `--help` and unknown commands import them all.
COMMAND_MODULES = {
    "validate": "topology_cmds",
    "plan": "topology_cmds",
    "render": "topology_cmds",
    "inventory": "topology_cmds",
    "diff": "topology_cmds",
    "diagram": "topology_cmds",
    "schema": "topology_cmds",
    "lint": "policy",
    "vendor": "policy",
    "pki": "pki_cmds",
    "secrets": "secrets_cmds",
    "preview": "cloud",
    "stacks": "cloud",
    "stack-outputs": "cloud",
    "converge": "converge",
    "vagrant": "vagrant_cmd",
    "lab": "lab_cmds",
    "dr": "dr_cmds",
    "backup": "backup_cmds",
}


# Modules whose commands only read a topology and write files they close themselves. When
# one finishes, the process ends without tearing down the graph it built (topology, Plan,
# tens of thousands of rendered files): freeing it object by object took a sixth of a
# 1,000-site render. Other commands (lab, converge, pki) exit normally, finalizers and all.
QUICK_EXIT_MODULES = frozenset({"topology_cmds"})


def command_module(argv: list[str]) -> str | None:
    """The module defining the command `argv` runs (None: help, or an unknown command)."""
    wanted = next((arg for arg in argv if not arg.startswith("-")), None)
    return COMMAND_MODULES.get(wanted) if wanted else None


def load_commands(argv: list[str]) -> None:
    """Import the command module(s) that `argv` needs; they register themselves on `app`."""
    module = command_module(argv)
    modules = [module] if module else sorted(set(COMMAND_MODULES.values()))
    for module in modules:
        importlib.import_module(f"egovinfra.cli.{module}")


# emoji=False: "topology.yaml:100:" is a location, not the emoji code ":100:".
_err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def report(error: EgovinfraError) -> None:
    """Print an error for a person: each located problem on its own line."""
    if isinstance(error, TopologyError):
        for problem in error.problems:
            _err.print(problem.format(), markup=False)
        if error.omitted:
            _err.print(f"... and {error.omitted:,} more, not shown", markup=False)
        found = len(error.problems) + error.omitted
        _err.print(f"{found:,} problem(s) found; nothing was written.", style="bold red")
    else:
        _err.print(f"error: {error}", markup=False)


def main() -> None:
    """Run the command line: known errors exit 2 with a message, never a traceback."""
    # A run builds one large graph (topology, Plan, rendered files) that lives until it
    # exits; the cyclic collector's default thresholds rescan it again and again for
    # nothing (a tenth of a 1,000-site render). Reference counting still frees the rest.
    gc.set_threshold(200_000, 30, 30)
    try:
        load_commands(sys.argv[1:])
        app()
    except EgovinfraError as error:
        report(error)
        sys.exit(2)
    except KeyboardInterrupt:
        _err.print("interrupted")
        sys.exit(130)


def entry() -> None:
    """The console script: `main`, then a quick exit for the commands that allow one."""
    quick = command_module(sys.argv[1:]) in QUICK_EXIT_MODULES
    try:
        main()
    except SystemExit as done:
        if quick and (done.code is None or isinstance(done.code, int)):
            _quick_exit(done.code or 0)
        raise
    if quick:
        _quick_exit(0)


def _quick_exit(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream
            stream.flush()
    os._exit(code)
