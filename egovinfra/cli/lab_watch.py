"""`egovinfra lab alerts` and `egovinfra lab logs`: the monitoring and the central logs, proved.

`alerts` kills a site gateway's charon, stops the standby's PostgreSQL and one DNS server, reads
the Alertmanagers' API until every expected alert fires, repairs as an operator would and reads
until they clear. `logs` logs in on a ministry gateway and finds the login on every log host.
Both write a JSON report and fail when a limit is missed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from egovinfra.cli.lab_cmds import LabDir, Reports, console, lab
from egovinfra.cli.topology_cmds import TopologyArg, load_plan
from egovinfra.lab import alerts as alert_drill
from egovinfra.lab import logs as log_check
from egovinfra.lab.access import lab_access


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


@lab.command(name="alerts")
def alerts_cmd(
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    reports: Reports = Path("reports"),
    limit: Annotated[float, typer.Option(help="seconds within which every alert must reach Alertmanager")] = 180.0,
) -> None:
    """Real faults (a gateway's charon killed, the standby's PostgreSQL and a DNS server stopped),
    the alerts read from Alertmanager's API, the repair, the alerts cleared: a timed table."""
    plan = load_plan(path, "lab")
    access = lab_access(plan.name, lab_dir)
    result = alert_drill.run(access, plan, limit=limit, say=console.print)
    out = reports / "alerts.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n")
    table = Table("fault", "alert", "fault → firing", "repair → cleared", title="alerts through Alertmanager")
    for column in table.columns[:2]:
        column.overflow = "fold"
    for timing in result.timings:
        table.add_row(timing.fault, timing.alert, _seconds(timing.fired_after), _seconds(timing.cleared_after))
    console.print(table)
    if result.already_firing:
        console.print(f"firing before the faults (not measured): {', '.join(result.already_firing)}")
    if not result.passed:
        console.print(f"an alert did not fire within {limit:.0f} s, or did not clear after the repair")
        raise typer.Exit(1)


@lab.command(name="logs")
def logs_cmd(
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    reports: Reports = Path("reports"),
    limit: Annotated[float, typer.Option(help="seconds within which the login must reach every log host")] = 10.0,
) -> None:
    """An ssh login on a ministry gateway must appear on the log host of every datacenter."""
    plan = load_plan(path, "lab")
    access = lab_access(plan.name, lab_dir)
    result = log_check.run(access, plan, limit=limit, say=console.print)
    out = reports / "logs.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n")
    table = Table("log host", "login → stored", title=f"an ssh login on {result.gateway}")
    for store, seen in result.seen_after.items():
        table.add_row(store, _seconds(seen))
    console.print(table)
    if not result.passed:
        console.print(f"the login did not reach every log host within {limit:.0f} s")
        raise typer.Exit(1)
