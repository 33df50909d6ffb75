"""`egovinfra lab browser`: the groupware in a real browser and real clients, at one datacenter.

The `browser` and `clients` suites of `lab verify` on their own, against the front end of the
datacenter given (after a failover: the secondary), with the screenshots listed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from egovinfra.cli.lab_cmds import LabDir, Reports, console, lab, lab_context
from egovinfra.cli.topology_cmds import TopologyArg, load_plan
from egovinfra.lab.access import lab_access
from egovinfra.verify import report, runner

SUITES = ("browser", "clients")


@lab.command(name="browser")
def browser_cmd(
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    reports: Reports = Path("reports"),
    datacenter: Annotated[
        str | None,
        typer.Option(help="the datacenter whose front end to use (default: where the intranet DNS points)"),
    ] = None,
    keyword: Annotated[str | None, typer.Option("-k", help="pytest -k expression")] = None,
) -> None:
    """Use the groupware as a civil servant does, from a ministry workstation: a browser (login,
    mail, calendar, address book, logout; a screenshot per step in reports/browser/<datacenter>/),
    CalDAV/CardDAV sync and IMAP IDLE."""
    plan = load_plan(path)
    if datacenter is not None and datacenter not in {dc.name for dc in plan.datacenters}:
        raise typer.BadParameter(f"no datacenter {datacenter!r} in {plan.name}", param_hint="--datacenter")
    access = lab_access(plan.name, lab_dir)
    ctx = lab_context(access, path, None)
    options = [f"--datacenter={datacenter}"] if datacenter else []
    start = time.monotonic()
    result = runner.run(
        ctx,
        reports,
        suites=SUITES,
        keyword=keyword,
        options=options,
        junit_name=f"browser-{datacenter or 'active'}.xml",
    )
    console.print(report.summary_table(result))
    failures = report.failures_table(result)
    if failures is not None:
        console.print(failures)
    console.print(f"took {time.monotonic() - start:.1f} s; JUnit XML in {result.junit}")
    if not result.ok:
        raise typer.Exit(1)
