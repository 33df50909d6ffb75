"""`egovinfra lab restore-drill`: mistakes that replication copies, undone from the backups
with the operator's `egovinfra backup` commands; figures in reports/restore-drill.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from egovinfra.cli.lab_cmds import LabDir, Reports, _egovinfra, console, lab
from egovinfra.cli.topology_cmds import TopologyArg, load_plan
from egovinfra.lab import restore_drill
from egovinfra.lab.access import lab_access


@lab.command(name="restore-drill")
def restore_drill_cmd(
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    reports: Reports = Path("reports"),
    inventory: Annotated[Path, typer.Option(help="the lab's rendered inventory")] = Path("inventories/lab"),
) -> None:
    """Back up, then drop a table, empty a mailbox and delete a directory entry; restore each
    with `egovinfra backup restore ...`; measure restore time and data lost."""
    plan = load_plan(path, "lab")
    access = lab_access(plan.name, lab_dir)
    common = ("--inventory", str(inventory), "--lab-dir", str(access.lab_dir), "--reports", str(reports / "backup"))
    commands = restore_drill.Commands(
        backup=lambda: _egovinfra("backup", "run", *common),
        restore_postgresql=lambda t: _egovinfra("backup", "restore", "postgresql", "--to-time", t, "--yes", *common),
        restore_mail=lambda u: _egovinfra("backup", "restore", "mail", "--user", u, "--yes", *common),
        restore_directory=lambda dn: _egovinfra("backup", "restore", "directory", "--dn", dn, "--yes", *common),
    )
    result = restore_drill.run(access, plan, commands, say=console.print)
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "restore-drill.json").write_text(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n")
    table = Table("mistake", "copied to the other DC", "restore", "back", "lost", title="restore drill")
    for o in result.outcomes:
        table.add_row(
            o.mistake,
            "yes" if o.replicated_mistake else "no",
            f"{o.restore_seconds:.1f} s",
            f"{o.restored} of {o.before}",
            f"{o.lost} ({o.lost_why})",
        )
    console.print(table)
    console.print(
        f"backup before the mistakes: {result.backup_seconds:.1f} s; PostgreSQL synchronous again "
        f"{result.synchronous_again_seconds:.1f} s after the restores; standby rows {result.standby_rows}"
    )
    failed = [o.mistake for o in result.outcomes if o.restored == 0]
    if failed:
        raise typer.Exit(1)
