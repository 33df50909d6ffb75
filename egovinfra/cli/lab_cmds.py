"""`egovinfra lab ...`: the whole platform on one machine (nspawn hosts in network namespaces)."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from egovinfra.cli import app
from egovinfra.cli.topology_cmds import TopologyArg, load_plan
from egovinfra.compile import compile_loaded
from egovinfra.compile.plan import Plan
from egovinfra.lab import api, drill, failover, outages, stores
from egovinfra.lab.access import LabAccess, lab_access
from egovinfra.lab.errors import LabError
from egovinfra.lab.image import DEFAULT_CACHE_DIR
from egovinfra.model import load_topology
from egovinfra.model.operations import state_path
from egovinfra.pki import resolve_pki_dir
from egovinfra.render import write_tree
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.inventory import render_inventory
from egovinfra.verify import groupware, report, runner
from egovinfra.verify.context import LabContext

lab = typer.Typer(help="Run the platform locally: image, up, status, ssh, down.", no_args_is_help=True)
app.add_typer(lab, name="lab")
console = Console(highlight=False, emoji=False)

LabDir = Annotated[Path | None, typer.Option("--lab-dir", help="state folder (default /var/lib/egovinfra/lab/<name>)")]
ImageDir = Annotated[Path, typer.Option("--image-dir", help="image cache folder")]
Family = Annotated[
    str, typer.Option("--family", help="name prefix family: a second lab of the same topology needs its own")
]


@lab.command()
def image(
    image_dir: ImageDir = DEFAULT_CACHE_DIR,
    force: Annotated[bool, typer.Option(help="rebuild even when cached")] = False,
) -> None:
    """Build (or reuse) the Debian bookworm rootfs with every package the roles need."""
    built = api.image(cache_dir=image_dir, force=force, console=console)
    console.print(f"image ready: {built}")


@lab.command()
def up(
    path: TopologyArg = None, lab_dir: LabDir = None, image_dir: ImageDir = DEFAULT_CACHE_DIR, family: Family = "eg"
) -> None:
    """Build the image if needed, then the network and every host of the topology; wait for sshd."""
    plan = load_plan(path, "lab")
    result = api.up(plan, lab_dir=lab_dir, image_dir=image_dir, family=family, console=console)
    table = Table("stage", "seconds", title=f"lab {plan.name} is up")
    for stage, seconds in result.timings.items():
        table.add_row(stage, f"{seconds:.1f}")
    console.print(table)


@lab.command()
def down(
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    family: Family = "eg",
    inventory: Annotated[Path, typer.Option(help="the lab's rendered inventory")] = Path("inventories/lab"),
) -> None:
    """Remove every host, mount, namespace and process the lab made, and nothing else; the
    lab's operational state (drills fail it over) goes with it and its inventory is rendered
    again in the designed state."""
    plan = load_plan(path, "lab")
    result = api.down(plan.name, lab_dir=lab_dir, family=family)
    console.print(
        f"lab {plan.name} is down: {len(result.stopped)} hosts stopped, {len(result.killed)} "
        f"orphans killed, {len(result.unmounted)} mounts and {len(result.netns)} namespaces removed"
    )
    loaded = load_topology(path)
    state = state_path(loaded.origin, "lab")
    if state is not None and state.exists():
        state.unlink()
        if inventory.is_dir():
            write_tree(render_inventory(RenderContext(compile_loaded(loaded), "lab"), prefix=""), inventory)
        console.print(f"removed the lab's operational state {state}; {inventory} rendered in the designed state")


@lab.command()
def status(path: TopologyArg = None, lab_dir: LabDir = None) -> None:
    """The lab's hosts: running or not, and their management addresses."""
    plan = load_plan(path, "lab")
    table = Table("host", "machine", "management", "pid", "netns")
    for host in api.status(plan.name, lab_dir=lab_dir):
        table.add_row(
            host.name, host.machine, host.mgmt_address, str(host.pid or "stopped"), "yes" if host.netns else "no"
        )
    console.print(table)


@lab.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def ssh(
    host: Annotated[str, typer.Argument(help="inventory name, e.g. yde-db")],
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Option("--topology")] = None,
    lab_dir: LabDir = None,
) -> None:
    """Open a root shell on a lab host (or run the command given after --)."""
    plan = load_plan(path, "lab")
    argv = api.ssh_command(plan.name, host, lab_dir=lab_dir, command=list(ctx.args))
    os.execvp(argv[0], argv)


Reports = Annotated[Path, typer.Option("--reports", help="where the JUnit XML and JSON reports go")]


def _converge_again(inventory: Path, lab_dir: Path, reports: Path) -> Path:
    """Converge the lab once more (the idempotence run); return its summary.json."""
    runs = reports / "converge"
    before = set(runs.glob("*/summary.json")) if runs.exists() else set()
    console.print("converging again: a converged lab must report changed=0")
    try:
        _egovinfra("converge", "--inventory", str(inventory), "--lab-dir", str(lab_dir), "--reports", str(runs))
    except LabError as exc:
        console.print(f"[yellow]{exc}[/yellow]")  # the idempotence suite reports it
    after = set(runs.glob("*/summary.json")) - before
    if not after:
        raise LabError(f"the converge of {inventory} left no summary in {runs}")
    return max(after, key=lambda p: p.stat().st_mtime)


def lab_context(access: LabAccess, path: Path | None, summary: Path | None) -> LabContext:
    """What the infra suites need to reach the lab ``access`` describes."""
    return LabContext(
        topology=str(path.absolute()) if path else None,
        lab_dir=str(access.lab_dir),
        mgmt_ns=access.mgmt_ns,
        wan_ns=access.wan_ns,
        operator_key=str(access.operator_key),
        known_hosts=str(access.known_hosts),
        hosts=access.hosts(),
        converge_summary=str(summary.absolute()) if summary else None,
    )


@lab.command()
def verify(
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    reports: Reports = Path("reports"),
    inventory: Annotated[Path, typer.Option(help="the lab's rendered inventory")] = Path("inventories/lab"),
    converge: Annotated[bool, typer.Option(help="converge again first and require changed=0")] = True,
    suite: Annotated[list[str] | None, typer.Option(help=f"only these suites ({', '.join(runner.SUITES)})")] = None,
    keyword: Annotated[str | None, typer.Option("-k", help="pytest -k expression, e.g. minfi")] = None,
) -> None:
    """Check the lab against the intent: reachability with real packets, IPsec SAs, no cleartext
    on the WAN, PostgreSQL streaming, DNS, idempotence. Table on screen, JUnit XML in reports/."""
    plan = load_plan(path, "lab")
    access = lab_access(plan.name, lab_dir)
    summary = _converge_again(inventory, access.lab_dir, reports / "verify") if converge else None
    ctx = lab_context(access, path, summary)
    start = time.monotonic()
    result = runner.run(ctx, reports, suites=suite or runner.SUITES, keyword=keyword)
    console.print(report.summary_table(result))
    failures = report.failures_table(result)
    if failures is not None:
        console.print(failures)
    console.print(f"verify took {time.monotonic() - start:.1f} s; JUnit XML in {result.junit}")
    if not result.ok:
        raise typer.Exit(1)


def _egovinfra(*args: str) -> None:
    """Run an egovinfra command (a converge) as a child; its tools live next to this interpreter."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "egovinfra", *args], env=env, check=False)
    if done.returncode != 0:
        raise LabError(f"egovinfra {' '.join(args)}: exit {done.returncode}")


def _actions(plan: Plan, access: LabAccess, inventory: Path, reports: Path) -> failover.Actions:
    """The operator's commands against the lab's inventory, and the lab's power switch."""
    common = ("--inventory", str(inventory), "--lab-dir", str(access.lab_dir), "--yes")

    def restore() -> None:
        family = access.prefix.rsplit("-", 1)[0]
        api.up(plan, lab_dir=access.lab_dir, family=family, console=console)

    return failover.Actions(
        fail_over=lambda: _egovinfra("dr", "failover", *common, "--reports", str(reports / "failover" / "dr")),
        fail_back=lambda: _egovinfra("dr", "failback", *common, "--reports", str(reports / "failback" / "dr")),
        restore=restore,
    )


def _runner(access: LabAccess) -> groupware.Runner:
    def run(host: str, argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        return access.ssh(host, shlex.join(argv), timeout=90, input_text=stdin)

    return run


def _probe(plan: Plan, access: LabAccess, site: str) -> groupware.Probe:
    """The groupware probe, run on a workstation of `site` through its tunnel."""
    return groupware.Probe(
        plan, _runner(access), groupware.workstation_of(plan, site), groupware.ca_bundle(resolve_pki_dir(plan.name))
    )


def _groupware_drill(plan: Plan, access: LabAccess, lost: str | None = None) -> tuple[failover.ServiceDrill, ...]:
    """The groupware's part of the drill: mails between two ministries before the loss; after
    it, the sender logs in at the secondary and finds them (RTO), missing mails are the RPO."""
    if not any("groupware_web" in h.roles for h in plan.hosts) or not plan.directory.people:
        return ()
    sender_site, recipient_site = groupware.drill_sites(plan)
    probe = _probe(plan, access, sender_site)
    chosen = drill.drill_plan(plan, lost=lost)
    primary, secondary = chosen.primary_dc, chosen.secondary_dc
    sent: list[groupware.Sent] = []

    def prepare() -> None:
        sent.append(groupware.send_probes(probe, sender_site, recipient_site))

    def take_over(lost_at: float) -> failover.ServiceOutcome:
        measured = groupware.take_over(probe, sent[-1], lost_at, secondary)
        return failover.ServiceOutcome(
            rto_seconds=measured.rto_seconds,
            back_when="login at the secondary, mail found",
            lost=measured.mails_lost,
            written=measured.mails_sent,
            unit="mails",
            rpo_seconds=measured.rpo_seconds,
            detail=f"{measured.detail}; last login answered {measured.login_status}",
        )

    def write_alone() -> None:
        sent.append(groupware.send_probes(probe, sender_site, recipient_site, count=1, datacenter=secondary))

    def give_back() -> None:
        try:
            groupware.give_back(probe, sent[-1], primary, secondary)
        except groupware.GroupwareCheckError as exc:
            raise LabError(f"groupware after failback: {exc}") from None

    return (failover.ServiceDrill("groupware", prepare, take_over, write_alone, give_back),)


def _mail_store(plan: Plan, access: LabAccess) -> tuple[stores.Store, ...]:
    """Mail between two ministries, sent through a datacenter's mail host and read over IMAPS
    at a datacenter's mail host, as their clients do."""
    if not any("mail" in h.roles for h in plan.hosts) or not plan.directory.people:
        return ()
    sender_site, recipient_site = groupware.drill_sites(plan)
    probe = _probe(plan, access, sender_site)
    sender, recipient = groupware.person_of(plan, sender_site), groupware.person_of(plan, recipient_site)

    def write_one(datacenter: str, key: str) -> None:
        probe.send(sender, recipient, groupware.only(plan, "mail", datacenter), key)

    def present(datacenter: str, keys: tuple[str, ...]) -> set[str]:
        mail = groupware.only(plan, "mail", datacenter)
        try:
            return {key for key in keys if probe.find(recipient, mail, "INBOX", key) > 0}
        except groupware.GroupwareCheckError as exc:
            raise LabError(str(exc)) from None  # a mailbox that refuses is read again

    def serving(datacenter: str) -> bool:
        _, session = probe.login(sender, groupware.only(plan, "groupware_web", datacenter))
        return session

    return (stores.Store("mail", "mails", "login to the webmail", write_one, present, serving),)


def _service_drills(plan: Plan, access: LabAccess, lost: str | None = None) -> tuple[failover.ServiceDrill, ...]:
    """Every service the failover and failback drills measure besides the database: the
    groupware (login, mail), the file store and the directory."""
    chosen = drill.drill_plan(plan, lost=lost)
    return _groupware_drill(plan, access, lost) + tuple(
        failover.store_drill(store, chosen.primary_dc, chosen.secondary_dc) for store in stores.stores(plan, access)
    )


@lab.command(name="failover")
def failover_cmd(
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    reports: Reports = Path("reports"),
    inventory: Annotated[Path, typer.Option(help="the lab's rendered inventory")] = Path("inventories/lab"),
    client: Annotated[str | None, typer.Option(help="the writing client (default: chosen from the flows)")] = None,
) -> None:
    """Lose the primary datacenter while a client writes; fail over; report RTO and RPO."""
    plan = load_plan(path, "lab")
    access = lab_access(plan.name, lab_dir)
    chosen = drill.drill_plan(plan, client)
    result = failover.failover(
        access,
        chosen,
        _actions(plan, access, inventory, reports),
        replication_mode=plan.replication_mode,
        services=_service_drills(plan, access),
        say=console.print,
    )
    reports.mkdir(parents=True, exist_ok=True)
    out = reports / "failover.json"
    out.write_text(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n")
    table = Table("measure", "value", title=f"failover of {result.lost_datacenter} ({result.replication_mode})")
    rows = [
        ("client → service", f"{result.client} → {result.service_name}"),
        *[(f"step: {name}", f"{seconds:.1f} s") for name, seconds in result.steps.items()],
        ("writes acknowledged by the old / the new primary", f"{result.acked_before} / {result.acked_after}"),
        ("failed write attempts", str(result.failed_writes)),
        ("RTO (loss → first acknowledged write)", f"{result.rto_seconds:.1f} s"),
        ("RPO (acknowledged records missing)", f"{result.rpo_records} records, {result.rpo_seconds:.1f} s"),
        ("new primary", result.new_primary),
        *_service_rows(result),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    console.print(f"report in {out}; `egovinfra lab failback` returns to {result.lost_datacenter}")


def _service_rows(result: failover.FailoverReport) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name, outcome in result.services.items():
        rto = "not reached" if outcome.rto_seconds is None else f"{outcome.rto_seconds:.1f} s"
        rows.append((f"{name} RTO (loss → {outcome.back_when})", rto))
        lost = f"{outcome.lost} of {outcome.written} {outcome.unit} ({outcome.rpo_seconds:.2f} s before the loss)"
        rows.append((f"{name} RPO (written before the loss, missing after)", lost))
    return rows


@lab.command(name="failback")
def failback_cmd(
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    reports: Reports = Path("reports"),
    inventory: Annotated[Path, typer.Option(help="the lab's rendered inventory")] = Path("inventories/lab"),
) -> None:
    """Power the lost datacenter on again (it must stay fenced), then `egovinfra dr failback`."""
    plan = load_plan(path, "lab")
    if not plan.fenced:
        raise LabError(f"no datacenter is fenced in {plan.name}'s lab: run `egovinfra lab failover` first")
    lost = plan.fenced[0].name
    access = lab_access(plan.name, lab_dir)
    chosen = drill.drill_plan(plan, lost=lost)
    returned_hosts = {
        function: groupware.only(plan, function, lost).name
        for function in ("dns", "groupware_app", "filestore")
        if any(function in h.roles and h.scope == lost for h in plan.hosts)
    }
    steps, returned = failover.failback(
        lambda: lab_access(plan.name, lab_dir),
        chosen,
        _actions(plan, access, inventory, reports),
        returned_hosts=returned_hosts,
        services=_service_drills(plan, access, lost=lost),
        say=console.print,
    )
    table = Table("step", "seconds", title="failback")
    for name, seconds in steps.items():
        table.add_row(name, f"{seconds:.1f}")
    console.print(table)
    serving = returned.serving()
    console.print(f"{lost} before failback served: {', '.join(serving) or 'nothing (fenced)'}")
    out = {"steps": steps, "returned_before_failback": dataclasses.asdict(returned)}
    (reports / "failback.json").write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    if serving:
        raise LabError(f"{lost} served before failback: {', '.join(serving)}")
    stores.cleanup(plan, access, lost)


DRILLS = ("standby-loss", "link-cut", "switchover")


@lab.command(name="drill")
def drill_cmd(
    name: Annotated[str, typer.Argument(help=f"one of {', '.join(DRILLS)}")],
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    reports: Reports = Path("reports"),
    inventory: Annotated[Path, typer.Option(help="the lab's rendered inventory")] = Path("inventories/lab"),
    hold: Annotated[float | None, typer.Option(help="seconds the fault lasts (default: per drill)")] = None,
) -> None:
    """Drills where the active datacenter survives: the standby's datacenter lost (power), only
    the link between the datacenters cut, a planned switchover there and back. Writes go on
    through the service name; nothing acknowledged may be lost, nothing may serve twice."""
    if name not in DRILLS:
        raise LabError(f"unknown drill {name!r}: one of {', '.join(DRILLS)}")
    plan = load_plan(path, "lab")
    passive = next((dc.name for dc in plan.datacenters if dc.name != plan.active.name and dc not in plan.fenced), None)
    if passive is None or plan.fenced:
        raise LabError("the drills need both datacenters serving their part: fail back first")
    access = lab_access(plan.name, lab_dir)
    chosen = drill.drill_plan(plan, lost=passive)
    primary, standby = chosen.standby_db.name, chosen.primary_db.name  # the survivor serves
    family = access.prefix.rsplit("-", 1)[0]
    common = ("--inventory", str(inventory), "--lab-dir", str(access.lab_dir), "--yes")
    runs = str(reports / "outages" / "dr")
    if name == "standby-loss":
        fault = f"power cut in {passive} (the standby's datacenter)"
        inject = outages.power_off(access, chosen)

        def restore() -> None:
            api.up(plan, lab_dir=access.lab_dir, family=family, console=console)

        default_hold = plan.degrade_after + 20.0
    elif name == "link-cut":
        fault = f"{passive}'s WAN link cut (every host keeps running)"
        inject = outages.set_link(access, chosen.lost_wan_link, "down")
        restore = outages.set_link(access, chosen.lost_wan_link, "up")
        default_hold = 60.0
    else:
        fault = f"egovinfra dr switchover --to {passive}, then back to {plan.active.name}"

        def inject() -> None:
            _egovinfra("dr", "switchover", "--to", passive, *common, "--reports", runs)

        def restore() -> None:
            _egovinfra("dr", "switchover", "--to", plan.active.name, *common, "--reports", runs)

        default_hold = 0.0
    # Written while the fault lasts through the datacenter serving then; afterwards in the other.
    written_at, checked_at = (passive, plan.active.name) if name == "switchover" else (plan.active.name, passive)
    result = outages.run(
        access,
        chosen,
        name,
        fault,
        inject,
        restore,
        primary=primary,
        standby=standby,
        hold=default_hold if hold is None else hold,
        stores=_mail_store(plan, access) + stores.stores(plan, access),
        written_at=written_at,
        checked_at=checked_at,
        say=console.print,
    )
    stores.cleanup(plan, access, plan.active.name)
    out = reports / "outages" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n")
    table = Table("measure", "value", title=f"drill {name}: {fault}")
    for label, value in (
        ("writes acknowledged / failed attempts", f"{result.writes_acked} / {result.failed_writes}"),
        ("longest time without an acknowledged write", f"{result.longest_pause:.1f} s"),
        ("writes acknowledged while the fault lasted", str(result.acked_during_fault)),
        (
            f"acknowledged rows missing on {primary} / {standby}",
            f"{result.missing_on_primary} / {result.missing_on_standby}",
        ),
        ("restore → standby streams again", f"{result.standby_streaming_after} s"),
        ("restore → synchronous again", f"{result.synchronous_after} s"),
        *[(f"step: {step}", f"{seconds:.1f} s") for step, seconds in result.steps.items()],
        *[
            (
                f"{service}: written in {o.written_at} during the fault, missing in {o.checked_at}",
                f"{o.missing} of {o.written} {o.unit}; all there {o.caught_up_after} s after the restore",
            )
            for service, o in result.services.items()
        ],
    ):
        table.add_row(label, value)
    console.print(table)
    must_commit_alone = name != "switchover" and plan.on_standby_loss == "degrade"
    if must_commit_alone and result.acked_during_fault == 0:
        raise LabError(f"{primary} acknowledged no write while {standby} was gone (on_standby_loss: degrade)")


# Registered last: they add `lab browser`, `lab revoke-drill`, `lab restore-drill`, `lab alerts`
# and `lab logs` to this group.
from egovinfra.cli import lab_browser, lab_restore, lab_security, lab_watch  # noqa: E402, F401
