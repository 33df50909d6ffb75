"""Policy commands: `egovinfra lint` (policy lint) and `egovinfra vendor` (vendor edge ACLs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from egovinfra.cli import app
from egovinfra.compile import compile_loaded
from egovinfra.compile.policy.lint import LINT_CLASSES
from egovinfra.model import load_topology
from egovinfra.model.problems import Problem
from egovinfra.render import write_tree
from egovinfra.render.vendor import DIALECTS, render_vendor

out = Console(highlight=False, emoji=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)

TopologyArg = Annotated[
    Path | None,
    typer.Argument(help="topology folder or file (default: the embedded topology/cameroon)", show_default=False),
]


@app.command()
def lint(path: TopologyArg = None) -> None:
    """Lint the flows: duplicate or shadowed, any-to-any, management exposed, no provider.

    Findings are errors (exit 2) unless the flow lists their class in `accept_lint`.
    """
    loaded = load_topology(path)
    plan = compile_loaded(loaded)
    open_findings = 0
    for finding in plan.policy.findings:
        hint = "" if finding.accepted else f"fix the flow, or accept with accept_lint: [{finding.kind}]"
        located = loaded.sources.resolve(Problem(finding.path, f"[{finding.kind}] {finding.message}", hint))
        if finding.accepted:
            out.print(f"{located.format()} (accepted)", markup=False)
        else:
            open_findings += 1
            err.print(located.format(), markup=False)
    if open_findings:
        err.print(f"{open_findings} policy finding(s); classes: {', '.join(LINT_CLASSES)}", style="bold red")
        raise typer.Exit(2)
    out.print(f"{plan.name}: {len(plan.flows)} flows, no open policy finding")


@app.command()
def vendor(
    path: TopologyArg = None,
    dialect: Annotated[
        str | None,
        typer.Option(
            "--vendor", help=f"dialect to write ({', '.join(sorted(DIALECTS))}); default: each site's own edge"
        ),
    ] = None,
    site: Annotated[str | None, typer.Option(help="only this site (default: every vendor-edge site)")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder (replaced atomically)")] = Path("out-vendor"),
) -> None:
    """Write the access lists of the ministry edges that are vendor firewalls (Aerleon)."""
    plan = compile_loaded(load_topology(path))
    tree = render_vendor(plan, dialect, site)
    write_tree(tree, out_dir)
    out.print(f"wrote {len(tree)} vendor file(s) for {len({p.split('/')[1] for p in tree})} edge(s) into {out_dir}")
