"""`egovinfra backup status|run|restore`: the operator's backups, over any inventory.

Every command runs a playbook of playbooks/ through the same machinery as `egovinfra dr`
(the hosts that answer are probed first; a lab inventory goes through the lab's management
namespace). A restore prints what it will do and asks for confirmation (`--yes` for scripts,
`--check` stops after the plan). The runbook is docs/backups.md.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from egovinfra.cli import app
from egovinfra.cli.dr_cmds import (
    Check,
    Context,
    DrError,
    Inventory,
    LabDir,
    Reports,
    TopologyOpt,
    Yes,
    console,
    dr,  # noqa: F401  (registers `egovinfra dr`, whose helpers these commands share)
)
from egovinfra.compile.plan import Plan
from egovinfra.dr.backups import KINDS, Record, age_hours, restore_target, status_rows
from egovinfra.dr.steps import datacenter_hosts

backup = typer.Typer(help="Backups into the other datacenter: status, run, restore.", no_args_is_help=True)
restore = typer.Typer(help="Restore from the backups (operator's runbook: docs/backups.md).", no_args_is_help=True)
app.add_typer(backup, name="backup")
backup.add_typer(restore, name="restore")

BackupReports = Annotated[Path, typer.Option("--reports", help="where each playbook run keeps its events")]


def _records(ctx: Context, answered: frozenset[str]) -> list[Record]:
    progress, _ = ctx.run("backup-status.yml", limit=",".join(sorted(answered)))
    out: list[Record] = []
    for host, result in sorted(progress.results.get("Last backups", {}).items()):
        for line in str(result.get("stdout") or "").splitlines():
            try:
                out.append(Record.from_json(host, json.loads(line)))
            except (ValueError, KeyError, TypeError):
                console.print(f"[yellow]{host}: unreadable backup record: {line[:80]}[/yellow]", markup=True)
    return out


def _size(size: int) -> str:
    """Bytes for a person: 872 B, 31.0 MB."""
    value = float(size)
    for unit in ("B", "kB", "MB"):
        if value < 1000:
            return f"{value:.0f} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


@backup.command()
def status(
    inventory: Inventory = Path("inventories/production"),
    topology: TopologyOpt = None,
    reports: Reports = Path("reports/backup"),
    lab_dir: LabDir = None,
) -> None:
    """For each kind and datacenter: age, size and result of the last good backup."""
    ctx = Context(inventory, topology, reports, lab_dir)
    plan = ctx.plan
    if not plan.backups.jobs:
        raise DrError(f"{plan.name}: the topology asks for no backups (no `backup:` in topology.yaml)")
    reach = ctx.probe()
    if not reach.answered:
        console.print(
            f"[red]no host answers ({len(reach.silent)} probed): the backups' state cannot be read from here[/red]",
            markup=True,
        )
        raise typer.Exit(1)
    records = {(r.kind, r.datacenter): r for r in _records(ctx, reach.answered)}
    table = Table(
        "kind", "data of", "runs on", "kept in", "last good (UTC)", "age", "size", "last result",
        title=f"backups of {plan.name} ({ctx.environment})",
    )  # fmt: skip
    now = time.time()
    rows = status_rows(plan, records, reach.silent, now)
    for row in rows:
        record = row.record
        where = (row.kind, row.datacenter, row.runner, row.repository)
        if row.silent:
            table.add_row(*where, "-", "-", "-", "host does not answer")
        elif record is None or record.last_success is None:
            table.add_row(*where, "never", "-", "-", record.result if record else "no backup yet")
        else:
            when = datetime.fromtimestamp(record.last_success, UTC).strftime("%m-%d %H:%M")
            age = f"{'[red]' if row.late else ''}{age_hours(record, now):.1f} h"
            table.add_row(*where, when, age, _size(record.size), record.result)
    console.print(table)
    late = sum(row.late for row in rows)
    if late:
        max_age = plan.monitoring.backup_max_age_hours
        console.print(f"[yellow]{late} backup(s) missing, failed or older than {max_age} h[/yellow]", markup=True)


Kind = Annotated[list[str] | None, typer.Option("--kind", help=f"one of {', '.join(KINDS)} (repeat; default all)")]


@backup.command()
def run(
    inventory: Inventory = Path("inventories/production"),
    topology: TopologyOpt = None,
    kind: Kind = None,
    full: Annotated[bool, typer.Option("--full", help="a full PostgreSQL backup (default differential)")] = False,
    reports: BackupReports = Path("reports/backup"),
    lab_dir: LabDir = None,
) -> None:
    """Take the backups now, through the units their timers start."""
    kinds = kind or list(KINDS)
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise DrError(f"unknown kind(s) {', '.join(unknown)}: one of {', '.join(KINDS)}")
    ctx = Context(inventory, topology, reports, lab_dir)
    start = time.monotonic()
    ctx.run(
        "backup-run.yml",
        extravars={"backup_run_kinds": ",".join(kinds), "backup_run_variant": "full" if full else "diff"},
    )
    console.print(f"backups taken ({', '.join(kinds)}) in {time.monotonic() - start:.1f} s")


def _active(plan: Plan, function: str) -> str:
    """The host doing `function` in the datacenter that serves: where a restore goes."""
    found = sorted(h.name for h in datacenter_hosts(plan, plan.active) if function in h.roles)
    if not found:
        raise DrError(f"{plan.active.name} has no {function} host")
    return found[0]


def _confirm(ctx: Context, what: str, steps: list[str], check: bool, yes: bool) -> bool:
    reach = ctx.probe()
    console.print(f"[bold]backup restore {what}[/bold]", markup=True)
    for number, step in enumerate(steps, 1):
        console.print(f"  {number}. {step}")
    if not reach.answered:
        raise DrError("no host answers: from here nothing can be restored")
    if check:
        return False
    if not yes and not typer.confirm("Restore?"):
        raise DrError("not confirmed; nothing changed")
    return True


def _restored(ctx: Context, playbook: str, extravars: dict[str, str]) -> dict[str, Any]:
    start = time.monotonic()
    progress, _ = ctx.run(playbook, extravars=extravars)
    seconds = time.monotonic() - start
    console.print(f"restored in {seconds:.1f} s")
    return {"seconds": round(seconds, 1), "hosts": sorted(progress.stats)}


@restore.command()
def postgresql(
    to_time: Annotated[str, typer.Option("--to-time", help="ISO 8601 time to go back to, e.g. 2026-11-30T19:20:00Z")],
    inventory: Inventory = Path("inventories/production"),
    topology: TopologyOpt = None,
    check: Check = False,
    yes: Yes = False,
    reports: BackupReports = Path("reports/backup"),
    lab_dir: LabDir = None,
) -> None:
    """The whole database back to a point in time, then its standbys copied again from it."""
    target = restore_target(to_time)
    ctx = Context(inventory, topology, reports, lab_dir)
    plan = ctx.plan
    primary = plan.replication("database").primary
    standbys = [h for h in plan.replication("database").replicas if plan.serving(plan.host(h))]
    steps = [
        f"stop the standbys ({', '.join(standbys) or 'none'}): they follow a timeline the restore abandons",
        f"on {primary}: archive the last WAL, stop, restore the stanza {plan.backups.stanza} to {target} "
        "(pgBackRest --delta --type=time), start; it replays to the target and is promoted",
        "everything committed after the target time is gone (take it from the old data by hand if needed)",
        f"copy the standbys again from {primary}; replication synchronous again",
    ]
    if _confirm(ctx, "postgresql", steps, check, yes):
        _restored(ctx, "backup-restore-postgresql.yml", {"backup_restore_time": target})


@restore.command()
def mail(
    user: Annotated[str, typer.Option("--user", help="the person's login (uid)")],
    inventory: Inventory = Path("inventories/production"),
    topology: TopologyOpt = None,
    check: Check = False,
    yes: Yes = False,
    reports: BackupReports = Path("reports/backup"),
    lab_dir: LabDir = None,
) -> None:
    """One person's mail from the last backup, imported into their mailbox."""
    ctx = Context(inventory, topology, reports, lab_dir)
    if user not in {p.uid for p in ctx.plan.directory.people}:
        raise DrError(f"{user!r} is nobody's login in {ctx.plan.name}'s directory")
    host = _active(ctx.plan, "mail")
    steps = [f"on {host}: the last mail backup's folders of {user}, imported by Dovecot (replication copies them)"]
    if _confirm(ctx, "mail", steps, check, yes):
        _restored(ctx, "backup-restore-mail.yml", {"backup_restore_user": user})


@restore.command()
def directory(
    dn: Annotated[str, typer.Option("--dn", help="the entry's distinguished name")],
    inventory: Inventory = Path("inventories/production"),
    topology: TopologyOpt = None,
    check: Check = False,
    yes: Yes = False,
    reports: BackupReports = Path("reports/backup"),
    lab_dir: LabDir = None,
) -> None:
    """One directory entry from the last backup, added to the provider."""
    ctx = Context(inventory, topology, reports, lab_dir)
    suffix = ctx.plan.directory.suffix
    if not dn.lower().endswith(suffix.lower()):
        raise DrError(f"{dn!r} is not in the directory ({suffix})")
    host = _active(ctx.plan, "directory")
    steps = [f"on {host} (the provider): the entry from the last directory backup, added (syncrepl copies it)"]
    if _confirm(ctx, "directory", steps, check, yes):
        _restored(ctx, "backup-restore-directory.yml", {"backup_restore_dn": dn})
