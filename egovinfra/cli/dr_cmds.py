"""`egovinfra dr status|failover|failback|switchover`: move the service between datacenters,
over any inventory (production or the lab's), with the playbooks an operator runs.

Each action probes which hosts answer, prints its plan and what makes it unsafe, and asks for
confirmation (`--yes` for scripts; `--check` stops after the plan). Then it records the new
operational state (``state/<environment>.yaml`` beside the topology), renders the inventory
from it, and runs the playbooks: dr-handover.yml (planned moves only), dr-activate.yml (the
steps that bring the service back), then site.yml over the datacenters' hosts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from egovinfra.cli import app
from egovinfra.cli.converge import (
    REPO,
    ConvergeError,
    Progress,
    ansible_ssh_args,
    enter_netns,
    inventory_environment,
    lab_access,
    operator,
    production_access,
    run_playbook,
)
from egovinfra.cli.topology_cmds import load_cloud, load_state
from egovinfra.compile import Plan, compile_loaded
from egovinfra.dr import activation, probe, steps
from egovinfra.dr.state import advance, write_state
from egovinfra.model import LoadedTopology, load_topology
from egovinfra.model.cloud_state import CloudState
from egovinfra.model.operations import Action, Operations, state_path
from egovinfra.render import write_tree
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.inventory import render_inventory

dr = typer.Typer(help="Disaster recovery: which datacenter serves, failover, failback, switchover.")
app.add_typer(dr, name="dr")
console = Console(highlight=False, emoji=False)

PLAYBOOKS = REPO / "playbooks"
# A lost host is silent for this long before the decision; a live one answers well within it.
PROBE_CONNECT_TIMEOUT = 2.0
# ssh logins at once: every host of two datacenters in one round, a bounded number of processes.
PROBE_WORKERS = 32

Inventory = Annotated[Path, typer.Option(help="rendered inventory folder, e.g. inventories/lab")]
TopologyOpt = Annotated[Path | None, typer.Option("--topology", help="topology folder (default: topology/cameroon)")]
Check = Annotated[bool, typer.Option("--check", help="print the plan and what answers; change nothing")]
Yes = Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")]
To = Annotated[str | None, typer.Option("--to", help="the datacenter taking the service")]
Reports = Annotated[Path, typer.Option(help="where each playbook run keeps its events")]
LabDir = Annotated[Path | None, typer.Option(help="lab state folder, for a lab inventory")]


class DrError(ConvergeError):
    """An action refused, or a playbook that failed."""


class Context:
    """One command's inventory, environment, topology, state and how to reach the hosts."""

    def __init__(self, inventory: Path, topology: Path | None, reports: Path, lab_dir: Path | None) -> None:
        name, environment = inventory_environment(inventory)
        self.inventory, self.environment, self.reports = inventory, environment, reports
        # As converge: the operator's own account ($EGOVINFRA_OPERATOR) through the bastions, or
        # root from the controller in a lab, whose namespace is entered before any other work
        # (the command runs again in there).
        self.access = (
            lab_access(name, lab_dir) if environment == "lab" else production_access(operator(None, False), None)
        )
        if self.access.netns:
            enter_netns(self.access.netns)
        self.loaded: LoadedTopology = load_topology(topology)
        if self.loaded.topology.name != name:
            raise DrError(f"{inventory} belongs to {name!r}, the topology to {self.loaded.topology.name!r}")
        path = state_path(self.loaded.origin, environment)
        if path is None:
            raise DrError(f"{self.loaded.origin}: a single-file topology has no folder for state/{environment}.yaml")
        self.state_file = path
        self.ops: Operations = load_state(self.loaded, environment)
        self.cloud: CloudState = load_cloud(self.loaded, environment)
        self.plan: Plan = compile_loaded(self.loaded, self.ops, self.cloud)

    @property
    def mitogen(self) -> bool:
        """Playbooks run with Mitogen in a lab (as `converge` does), with Ansible's ssh elsewhere."""
        return self.environment == "lab"

    def run(
        self,
        playbook: str,
        *,
        limit: str | None = None,
        extravars: dict[str, Any] | None = None,
        mitogen: bool | None = None,
    ) -> tuple[Progress, float]:
        """Run one playbook of playbooks/ (with Mitogen in a lab unless `mitogen` says otherwise,
        as `converge` does); DrError when it fails."""
        progress, status, rc, seconds, report = run_playbook(
            PLAYBOOKS / playbook,
            self.inventory,
            limit=limit,
            extravars={**self.access.extravars(), **(extravars or {})},
            reports=self.reports,
            forks=30,
            netns=self.access.netns,
            mitogen=self.mitogen if mitogen is None else mitogen,
        )
        for failure in progress.failures:
            console.print(f"[red]failed[/red] {failure}", markup=True)
        if rc != 0 or status != "successful":
            raise DrError(f"{playbook}: {status} (exit {rc}) after {seconds:.1f} s; events in {report}")
        return progress, seconds

    def probe(self) -> steps.Reach:
        """Which managed hosts of the datacenters answer an ssh login within a few seconds (the
        sites' gateways weigh in no decision), each logged in to at once with the inventory's
        connection settings."""
        managed = sorted({h.name for dc in self.plan.datacenters for h in steps.datacenter_hosts(self.plan, dc)})
        console.print(f"probing {len(managed)} datacenter hosts over ssh ({PROBE_CONNECT_TIMEOUT:.0f} s timeout)...")
        found, missing = probe.connections(self.inventory, managed, self.access.extravars(), ansible_ssh_args())
        answers = probe.probe(found, connect_timeout=PROBE_CONNECT_TIMEOUT, workers=PROBE_WORKERS)
        return probe.reach(answers, managed, missing)

    def record(self, action: Action, active: str, fenced: tuple[str, ...], reason: str) -> None:
        """Write the next state, then render the inventory from it (both atomic)."""
        self.ops = advance(self.ops, action=action, active=active, fenced=fenced, reason=reason)
        write_state(self.state_file, self.ops)
        self.plan = compile_loaded(self.loaded, self.ops, self.cloud)
        write_tree(
            render_inventory(RenderContext(self.plan, "lab" if self.environment == "lab" else "production"), prefix=""),
            self.inventory,
        )
        console.print(
            f"state: {active} active, generation {self.ops.generation} ({self.state_file}); inventory rendered"
        )


def _show(proposal: steps.Proposal, reach: steps.Reach, plan: Plan) -> None:
    table = Table("datacenter", "answer", "silent", title="hosts")
    for dc in plan.datacenters:
        up, down = reach.of(steps.datacenter_hosts(plan, dc))
        table.add_row(dc.name, str(len(up)), ", ".join(down) or "-")
    console.print(table)
    for host in sorted(reach.silent):
        console.print(f"  {host}: no answer ({reach.reasons.get(host) or 'silent'})")
    if not reach.answered:
        console.print("[yellow]no host answers: from here nothing can be checked or changed[/yellow]", markup=True)
    console.print(f"[bold]dr {proposal.action}: {proposal.source} → {proposal.target}[/bold]", markup=True)
    for number, step in enumerate(proposal.steps, 1):
        console.print(f"  {number}. {step}")
    for refusal in proposal.refusals:
        console.print(f"[red]refused:[/red] {refusal}", markup=True)


def _decide(proposal: steps.Proposal, reach: steps.Reach, plan: Plan, check: bool, yes: bool) -> bool:
    """Print the plan; False when only checking. Refusals and a declined prompt raise."""
    _show(proposal, reach, plan)
    if check:
        return False
    if proposal.refusals:
        raise DrError(f"dr {proposal.action} refused ({len(proposal.refusals)} reason(s) above); nothing changed")
    if not yes and not typer.confirm(f"Move the service from {proposal.source} to {proposal.target}?"):
        raise DrError("not confirmed; nothing changed")
    return True


def _timed(name: str, timings: dict[str, float], step: Callable[[], object]) -> None:
    console.print(f"[bold]{name}[/bold]", markup=True)
    start = time.monotonic()
    step()
    timings[name] = round(time.monotonic() - start, 1)


def _summary(action: str, timings: dict[str, float]) -> None:
    table = Table("step", "seconds", title=f"dr {action}")
    for name, seconds in timings.items():
        table.add_row(name, f"{seconds:.1f}")
    console.print(table)


def _activate(ctx: Context, timings: dict[str, float]) -> None:
    stages = activation.activation(ctx.plan)
    variables = activation.extravars(stages)
    _timed(
        "service back: "
        + ", then ".join(f"{s.name.replace('_', ' ')} ({', '.join(s.hosts) or 'no host'})" for s in stages)
        + " (dr-activate.yml)",
        timings,
        # Ansible's own ssh, in a lab too: a few tasks on a few hosts, where Mitogen's start on
        # each host costs more than it saves, and the same path as production's.
        lambda: ctx.run("dr-activate.yml", extravars=variables, mitogen=False),
    )
    _timed(
        "converge the datacenters' hosts (site.yml)",
        timings,
        lambda: ctx.run("site.yml", limit="datacenter_hosts", extravars={"postgresql_reseed": "true"}),
    )


def _handover(ctx: Context, target: str, timings: dict[str, float]) -> None:
    _timed(
        f"hand over from {ctx.plan.active.name} (dr-handover.yml)",
        timings,
        lambda: ctx.run("dr-handover.yml", extravars={"dr_to": target}),
    )


@dr.command()
def status(
    inventory: Inventory = Path("inventories/production"),
    topology: TopologyOpt = None,
    reports: Reports = Path("reports/dr"),
    lab_dir: LabDir = None,
) -> None:
    """Which datacenter serves, what each answers, and what a failover would do."""
    ctx = Context(inventory, topology, reports, lab_dir)
    plan = ctx.plan
    fenced = ", ".join(dc.name for dc in plan.fenced) or "none"
    console.print(
        f"{plan.name} ({ctx.environment}): {plan.active.name} active, fenced: {fenced}, "
        f"generation {plan.generation} ({ctx.state_file})"
    )
    for change in ctx.ops.history[-3:]:
        console.print(
            f"  generation {change.generation}: {change.action} to {change.active} at {change.at} "
            f"by {change.by}{': ' + change.reason if change.reason else ''}"
        )
    reach = ctx.probe()
    if reach.answered:
        _database_table(ctx, reach)
    secondary = next((dc for dc in plan.datacenters if dc.name != plan.active.name and dc not in plan.fenced), None)
    if secondary is not None:
        _show(steps.failover(plan, secondary, reach, force=False, reason=""), reach, plan)


def _database_table(ctx: Context, reach: steps.Reach) -> None:
    progress, _ = ctx.run("dr-status.yml", limit=",".join(sorted(reach.answered)))
    table = Table("database", "role", "streams to (state, sync, lag bytes)", "receiving", title="replication")
    for host, result in sorted(progress.results.get("Role and replication", {}).items()):
        row = (result.get("query_result") or [{}])[0]
        standbys = ", ".join(
            f"{s['name']} ({s['state']}, {s['sync']}, {s['lag_bytes']})" for s in row.get("standbys") or []
        )
        table.add_row(
            host, "standby" if row.get("standby") else "primary", standbys or "-", str(row.get("receiving") or "-")
        )
    console.print(table)


@dr.command()
def failover(
    inventory: Inventory = Path("inventories/production"),
    topology: TopologyOpt = None,
    to: To = None,
    check: Check = False,
    yes: Yes = False,
    force: Annotated[bool, typer.Option(help="fail over although the active datacenter answers")] = False,
    reason: Annotated[str, typer.Option(help="why (recorded in the state file; required with --force)")] = "",
    reports: Reports = Path("reports/dr"),
    lab_dir: LabDir = None,
) -> None:
    """The active datacenter is lost: the other one takes the service, the lost one is fenced."""
    ctx = Context(inventory, topology, reports, lab_dir)
    plan = ctx.plan
    default = next(
        (dc for dc in plan.datacenters if dc.name != plan.active.name and dc not in plan.fenced), plan.active
    )
    target = steps.target_of(plan, to, default)
    started = time.monotonic()
    reach = ctx.probe()
    probed = round(time.monotonic() - started, 1)
    proposal = steps.failover(plan, target, reach, force=force, reason=reason)
    if not _decide(proposal, reach, plan, check, yes):
        return
    timings = {"probe: which hosts answer": probed}
    lost = plan.active.name
    fenced = tuple(sorted({*(dc.name for dc in plan.fenced), lost}))
    _timed(
        "record the state, render the inventory",
        timings,
        lambda: ctx.record("failover", target.name, fenced, reason or f"{lost} lost"),
    )
    _activate(ctx, timings)
    _summary("failover", timings)


@dr.command()
def switchover(
    inventory: Inventory = Path("inventories/production"),
    topology: TopologyOpt = None,
    to: To = None,
    check: Check = False,
    yes: Yes = False,
    reason: Annotated[str, typer.Option(help="why (recorded in the state file)")] = "planned switchover",
    reports: Reports = Path("reports/dr"),
    lab_dir: LabDir = None,
) -> None:
    """The planned move: both datacenters alive, nothing committed is lost."""
    ctx = Context(inventory, topology, reports, lab_dir)
    plan = ctx.plan
    default = next((dc for dc in plan.datacenters if dc.name != plan.active.name), plan.active)
    target = steps.target_of(plan, to, default)
    started = time.monotonic()
    reach = ctx.probe()
    probed = round(time.monotonic() - started, 1)
    if not _decide(steps.switchover(plan, target, reach), reach, plan, check, yes):
        return
    timings = {"probe: which hosts answer": probed}
    _handover(ctx, target.name, timings)
    _timed("record the state, render the inventory", timings, lambda: ctx.record("switchover", target.name, (), reason))
    _activate(ctx, timings)
    _summary("switchover", timings)


@dr.command()
def failback(
    inventory: Inventory = Path("inventories/production"),
    topology: TopologyOpt = None,
    to: To = None,
    check: Check = False,
    yes: Yes = False,
    reports: Reports = Path("reports/dr"),
    lab_dir: LabDir = None,
) -> None:
    """Take a fenced datacenter back: it catches up from the active one, then the service moves
    back to it by a switchover."""
    ctx = Context(inventory, topology, reports, lab_dir)
    plan = ctx.plan
    default = plan.fenced[0] if plan.fenced else plan.primary
    target = steps.target_of(plan, to, default)
    started = time.monotonic()
    reach = ctx.probe()
    probed = round(time.monotonic() - started, 1)
    if not _decide(steps.failback(plan, target, reach), reach, plan, check, yes):
        return
    timings = {"probe: which hosts answer": probed}
    still = tuple(dc.name for dc in plan.fenced if dc.name != target.name)
    _timed(
        f"record: {target.name} rejoins, render the inventory",
        timings,
        lambda: ctx.record("rejoin", plan.active.name, still, f"{target.name} back"),
    )
    _timed(
        f"{target.name} rejoins as a replica (site.yml)",
        timings,
        lambda: ctx.run("site.yml", limit="datacenter_hosts", extravars={"postgresql_reseed": "true"}),
    )
    _handover(ctx, target.name, timings)
    _timed(
        "record the state, render the inventory",
        timings,
        lambda: ctx.record("failback", target.name, still, f"back to {target.name}"),
    )
    _activate(ctx, timings)
    _summary("failback", timings)
