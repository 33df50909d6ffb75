"""`egovinfra vagrant`: the topology as a Vagrantfile (libvirt), for CI that has KVM."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from egovinfra.cli import app
from egovinfra.cli.topology_cmds import TopologyArg, load_plan
from egovinfra.render.vagrant import vagrantfile

console = Console(highlight=False, emoji=False)


@app.command()
def vagrant(
    path: TopologyArg = None,
    out: Annotated[Path, typer.Option("--out", help="the Vagrantfile to write")] = Path("Vagrantfile"),
) -> None:
    """Write a Vagrantfile (libvirt provider) of the same topology as the lab; rendered, not run here."""
    plan = load_plan(path)
    text = vagrantfile(plan)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    Path(tmp).replace(out)
    machines = len([h for h in plan.hosts if h.managed]) + 1 + len(plan.datacenters)  # + WAN and zone routers
    console.print(f"wrote {out}: {machines} machines (libvirt provider)")
