"""`egovinfra lab revoke-drill`: the security drills of the lab, through the operator's commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from egovinfra.cli.lab_cmds import LabDir, Reports, _egovinfra, console, lab
from egovinfra.cli.topology_cmds import TopologyArg, load_plan
from egovinfra.lab import revocation
from egovinfra.lab.access import lab_access
from egovinfra.lab.errors import LabError
from egovinfra.verify import groupware

Inventory = Annotated[Path, typer.Option(help="the lab's rendered inventory")]


@lab.command(name="revoke-drill")
def revoke_drill(
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    reports: Reports = Path("reports"),
    inventory: Inventory = Path("inventories/lab"),
    gateway: Annotated[str | None, typer.Option(help="the gateway declared stolen (default: chosen)")] = None,
) -> None:
    """A ministry gateway is declared stolen: `pki revoke` and `pki publish` must close its
    tunnels on both hubs and refuse it, while a neighbour still authenticates; then `pki issue`
    and a converge of that gateway bring it back, so the lab stays usable."""
    plan = load_plan(path, "lab")
    access = lab_access(plan.name, lab_dir)
    try:
        avoid = set(groupware.drill_sites(plan))
    except groupware.GroupwareCheckError:
        avoid = set()
    chosen = revocation.pick_gateways(plan, avoid, gateway)
    target = ("--inventory", str(inventory), "--lab-dir", str(access.lab_dir))

    def revoke(fqdn: str) -> None:
        _egovinfra("pki", "revoke", fqdn, "--reason", "key_compromise")
        _egovinfra("pki", "publish", *target)

    def restore(fqdn: str) -> None:
        _egovinfra("pki", "issue", fqdn)
        runs = str(reports / "revoke-drill" / "converge")
        _egovinfra("converge", *target, "--limit", chosen.revoked.name, "--tags", "pki,ipsec", "--reports", runs)

    result = revocation.run(access, chosen, revocation.RevocationActions(revoke, restore), say=console.print)
    out = reports / "revoke-drill.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n")
    table = Table("measure", "value", title=f"revocation of {result.revoked}")
    rows = [
        (f"{result.revoked}'s IKE SAs closed on {', '.join(result.hubs)}", str(result.closed_on_hubs)),
        (f"{result.revoked} refused when it initiates (hubs log: revoked)", str(result.retry_refused)),
        (f"{result.neighbour} re-authenticated after the new CRL", str(result.neighbour_reestablished)),
        *[(f"step: {name}", f"{seconds:.1f} s") for name, seconds in result.steps.items()],
        (
            "fresh certificate issued → tunnels up again",
            "not reached" if result.restored_after is None else f"{result.restored_after:.1f} s",
        ),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    if not result.ok:
        raise LabError(f"revocation drill failed: see {out}")
