"""What each `egovinfra dr` action would do, and the states in which it must refuse.

Pure: from the Plan (with its operational state) and which hosts answered, a list of steps to
print and a list of refusals. The commands print both before they touch anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from egovinfra.compile.plan import Datacenter, Host, Plan
from egovinfra.errors import EgovinfraError


@dataclass(frozen=True)
class Reach:
    """Which managed hosts answered the probe."""

    answered: frozenset[str]
    silent: frozenset[str]
    reasons: Mapping[str, str] = field(default_factory=dict)  # silent host → why (ssh's own words)

    def of(self, hosts: tuple[Host, ...]) -> tuple[list[str], list[str]]:
        """(answered, silent) host names among `hosts`."""
        names = [h.name for h in hosts]
        return [n for n in names if n in self.answered], [n for n in names if n not in self.answered]


@dataclass(frozen=True)
class Proposal:
    """An action's plan: where the service goes, the steps, and why it must not run."""

    action: str
    source: str
    target: str
    steps: tuple[str, ...]
    refusals: tuple[str, ...]


def datacenter_hosts(plan: Plan, dc: Datacenter) -> tuple[Host, ...]:
    """The managed hosts of datacenter `dc`."""
    return tuple(h for h in plan.hosts if h.kind == "datacenter" and h.scope == dc.name and h.managed)


def _one(plan: Plan, dc: Datacenter, function: str) -> str:
    found = sorted(h.name for h in datacenter_hosts(plan, dc) if function in h.roles)
    return ", ".join(found) or f"(no {function} host)"


class UnknownDatacenter(EgovinfraError):
    """`--to` names no datacenter of the topology."""


def target_of(plan: Plan, requested: str | None, default: Datacenter) -> Datacenter:
    """The datacenter named `requested`, else `default`."""
    if not requested:
        return default
    try:
        return plan.datacenter(requested)
    except KeyError:
        names = ", ".join(dc.name for dc in plan.datacenters)
        raise UnknownDatacenter(f"--to {requested}: no such datacenter (one of {names})") from None


def failover(plan: Plan, target: Datacenter, reach: Reach, *, force: bool, reason: str) -> Proposal:
    """Lose the active datacenter: `target` takes the service, the active one is fenced."""
    source = plan.active
    refusals: list[str] = []
    if target.name == source.name:
        refusals.append(f"{target.name} is already the active datacenter")
    if target in plan.fenced:
        refusals.append(f"{target.name} is fenced: it cannot take the service (dr failback first)")
    answered, _ = reach.of(datacenter_hosts(plan, source))
    if answered and not force:
        refusals.append(
            f"{source.name} still answers ({', '.join(answered)}): a failover would leave two datacenters "
            "serving; use `dr switchover` for a planned move, or --force with --reason if its service is lost anyway"
        )
    if force and not reason.strip():
        refusals.append("--force needs --reason: the state file records why")
    up, down = reach.of(datacenter_hosts(plan, target))
    if not up:
        refusals.append(f"no host of {target.name} answers: nothing could take the service")
    elif down:
        refusals.append(f"hosts of {target.name} do not answer: {', '.join(down)}")
    steps = (
        f"record: {target.name} active, {source.name} fenced, generation {plan.generation} → {plan.generation + 1} "
        "(state file), render the inventory from it",
        f"promote the database {_one(plan, target, 'database')}; it commits alone until {source.name} returns",
        f"point the service names at {target.name} on every DNS server that answers",
        f"make {_one(plan, target, 'directory')} the directory provider",
        f"start the groupware on {_one(plan, target, 'groupware_app')}",
        f"converge {target.name}'s hosts: people in the directory, file and mail pushes, the fence's record",
        f"{source.name} stays fenced: when it returns its hosts see generation {plan.generation + 1} at "
        f"{target.name}'s DNS and serve nothing until `egovinfra dr failback`",
    )
    return Proposal("failover", source.name, target.name, steps, tuple(refusals))


def switchover(plan: Plan, target: Datacenter, reach: Reach) -> Proposal:
    """The planned move: both datacenters alive, nothing committed lost."""
    source = plan.active
    refusals: list[str] = []
    if target.name == source.name:
        refusals.append(f"{target.name} is already the active datacenter")
    if plan.fenced:
        names = ", ".join(dc.name for dc in plan.fenced)
        refusals.append(f"{names} fenced: take it back with `dr failback` first")
    for dc in (source, target):
        _, down = reach.of(datacenter_hosts(plan, dc))
        if down:
            refusals.append(f"hosts of {dc.name} do not answer: {', '.join(down)} (a switchover needs both)")
    steps = (
        f"stop SOGo and the file pushes in {source.name}",
        f"stop {_one(plan, source, 'database')} cleanly (every record reaches the standby) and make it a standby",
        f"wait until {_one(plan, target, 'database')} has replayed the last record",
        f"record: {target.name} active, generation {plan.generation} → {plan.generation + 1}, render the inventory",
        f"promote {_one(plan, target, 'database')}, point the names at {target.name}, start its groupware",
        f"converge both datacenters: {source.name} follows {target.name} (database, directory, files, mail)",
    )
    return Proposal("switchover", source.name, target.name, steps, tuple(refusals))


def failback(plan: Plan, target: Datacenter, reach: Reach) -> Proposal:
    """Take a fenced datacenter back: it catches up from the active one, then the service moves
    to it by a switchover."""
    source = plan.active
    refusals: list[str] = []
    if target not in plan.fenced and target.name == source.name:
        refusals.append(f"{target.name} already serves")
    for dc in (source, target):
        _, down = reach.of(datacenter_hosts(plan, dc))
        if down:
            refusals.append(f"hosts of {dc.name} do not answer: {', '.join(down)}")
    steps = (
        f"record: {target.name} no longer fenced, {source.name} still active, generation "
        f"{plan.generation} → {plan.generation + 1}; render the inventory",
        f"converge both datacenters: {target.name} rejoins as a replica of {source.name} (its database is copied "
        f"again from {_one(plan, source, 'database')}; files and mail written in {source.name} reach it; "
        f"nothing written in {source.name} is overwritten)",
        f"then a switchover from {source.name} to {target.name} (every step of `dr switchover`)",
    )
    return Proposal("failback", source.name, target.name, steps, tuple(refusals))
