"""The revocation drill: a ministry gateway is declared stolen, its certificate revoked.

The operator's commands do the work (`pki revoke`, `pki publish`, then `pki issue` and a
converge of that gateway to bring it back); this module only picks the gateways, tries to
bring tunnels up as a thief or a neighbour would, and measures. It proves that the hubs close
the revoked gateway's tunnels and refuse it, that a neighbour still authenticates against the
same hubs and their new CRL, and that the rebuilt gateway comes back with a fresh certificate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from egovinfra.compile.plan import Host, Plan
from egovinfra.lab.access import LabAccess
from egovinfra.lab.errors import LabError
from egovinfra.poll import until

Say = Callable[[str], None]


@dataclass(frozen=True)
class RevocationActions:
    """The operator's commands the drill runs, each for one gateway identity."""

    revoke: Callable[[str], None]  # pki revoke <fqdn>, then pki publish to the gateways
    restore: Callable[[str], None]  # pki issue <fqdn>, then converge that gateway


@dataclass(frozen=True)
class Gateways:
    """The revoked gateway, a neighbour that must keep working, and the hubs both dial."""

    revoked: Host
    neighbour: Host
    hubs: tuple[Host, ...]
    names: dict[tuple[str, str], str]  # (gateway, hub) → the tunnel's connection name (the Plan's)

    def tunnel(self, gateway: Host, hub: Host) -> str:
        """The connection name both ends give the tunnel between `gateway` and `hub`."""
        return self.names[(gateway.name, hub.name)]


@dataclass
class RevocationReport:
    """What the drill saw, with timings (seconds)."""

    revoked: str
    neighbour: str
    hubs: tuple[str, ...]
    steps: dict[str, float] = field(default_factory=dict)
    closed_on_hubs: bool = False  # no IKE SA of the revoked identity on any hub after publish
    retry_refused: bool = False  # every hub refused the revoked gateway, saying its certificate is revoked
    neighbour_reestablished: bool = False  # the neighbour authenticated again after the CRL
    restored_after: float | None = None  # fresh certificate → tunnels to every hub up

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "revoked": self.revoked,
            "neighbour": self.neighbour,
            "hubs": list(self.hubs),
            "steps": self.steps,
            "closed_on_hubs": self.closed_on_hubs,
            "retry_refused": self.retry_refused,
            "neighbour_reestablished": self.neighbour_reestablished,
            "restored_after": self.restored_after,
        }

    @property
    def ok(self) -> bool:
        """Every expectation of the drill held."""
        return (
            self.closed_on_hubs
            and self.retry_refused
            and self.neighbour_reestablished
            and self.restored_after is not None
        )


def pick_gateways(plan: Plan, avoid: set[str], revoked: str | None = None) -> Gateways:
    """A managed site gateway to revoke (not one of the `avoid` sites, which later drills use,
    and preferably a site without workstations), and a neighbour to watch."""
    gateways = [plan.host(s.gateway) for s in plan.sites if plan.host(s.gateway).managed]
    staffed = {s.name for s in plan.sites if s.workstations}
    if len(gateways) < 2:
        raise LabError("the revocation drill needs two managed site gateways")
    if revoked is not None:
        victim = plan.host(revoked)
        if victim not in gateways:
            raise LabError(f"{revoked}: not a managed site gateway")
    else:
        quiet = [g for g in gateways if g.scope not in avoid]
        ranked = sorted(quiet or gateways, key=lambda g: (g.scope in staffed, g.name))
        victim = ranked[0]
    neighbour = next(g for g in gateways if g.name != victim.name)
    hubs = tuple(plan.host(dc.hub) for dc in plan.datacenters if dc.vpn_backend != "vpnaas")
    names = {
        (t.initiator.host, t.responder.host): t.name
        for t in plan.vpn.tunnels
        if t.kind == "site" and t.initiator.host in (victim.name, neighbour.name)
    }
    return Gateways(victim, neighbour, hubs, names)


def established(access: LabAccess, chosen: Gateways, hub: Host, gateway: Host, within: float | None = None) -> bool:
    """True when `hub` holds an established IKE SA with `gateway`'s identity (authenticated in
    the last `within` seconds, when given)."""
    return any(
        sa.state == "ESTABLISHED"
        and sa.remote_id == gateway.fqdn
        and (within is None or (sa.established is not None and sa.established <= within))
        for sa in access.sas(hub.name, ike=chosen.tunnel(gateway, hub))
    )


def _initiate(access: LabAccess, chosen: Gateways, gateway: Host, hub: Host) -> bool:
    """The gateway tries to bring its tunnel to `hub` up now (what its keeper does every 30 s)."""
    name = chosen.tunnel(gateway, hub)
    done = access.ssh(gateway.name, f"swanctl --initiate --child {name} --timeout 20", timeout=60)
    return done.returncode == 0


def refused_as_revoked(access: LabAccess, hub: Host, since: float) -> bool:
    """True when `hub`'s charon logged a revoked certificate since the epoch `since`: the
    refusal came from the CRL, not from anything else that can fail an IKE_AUTH."""
    log = access.must(hub.name, f"journalctl -u strongswan --no-pager --since @{int(since)} -o cat")
    return "certificate was revoked" in log


def run(
    access: LabAccess, chosen: Gateways, actions: RevocationActions, say: Say, timeout: float = 120.0
) -> RevocationReport:
    """Revoke, check, restore; the report says what held."""
    report = RevocationReport(chosen.revoked.name, chosen.neighbour.name, tuple(h.name for h in chosen.hubs))
    both = (chosen.revoked, chosen.neighbour)
    if until(lambda: all(established(access, chosen, h, g) for h in chosen.hubs for g in both), timeout) is None:
        raise LabError(f"before the drill, {' and '.join(g.name for g in both)} must have their tunnels up")
    say(f"revoking {chosen.revoked.fqdn} (its tunnels and {chosen.neighbour.name}'s are up)")
    start, wall = time.monotonic(), time.time()
    actions.revoke(chosen.revoked.fqdn)
    report.steps["revoke and publish"] = time.monotonic() - start
    report.closed_on_hubs = not any(established(access, chosen, h, chosen.revoked) for h in chosen.hubs)
    closed = "closed" if report.closed_on_hubs else "STILL UP"
    say(f"after publish: {chosen.revoked.name}'s IKE SAs {closed} on the hubs")
    # The holder of the revoked certificate tries again: every hub must refuse it.
    attempts = [_initiate(access, chosen, chosen.revoked, hub) for hub in chosen.hubs]
    report.retry_refused = (
        not any(attempts)
        and not any(established(access, chosen, h, chosen.revoked) for h in chosen.hubs)
        and all(refused_as_revoked(access, h, wall) for h in chosen.hubs)
    )
    refused = "refused" if report.retry_refused else "ACCEPTED"
    say(f"{chosen.revoked.name} initiating with its revoked certificate: {refused}")
    # The neighbour authenticates afresh against the same hubs, which now hold the new CRL.
    for hub in chosen.hubs:
        access.ssh(
            chosen.neighbour.name, f"swanctl --terminate --ike {chosen.tunnel(chosen.neighbour, hub)} --timeout 10"
        )
    terminated = time.monotonic()
    # Its own initiation may race the gateway's tunnel keeper, which also dials a tunnel that is
    # down: what counts is a fresh IKE SA on every hub, authenticated after the new CRL.
    for hub in chosen.hubs:
        _initiate(access, chosen, chosen.neighbour, hub)
    report.neighbour_reestablished = (
        until(
            lambda: all(
                established(access, chosen, h, chosen.neighbour, within=time.monotonic() - terminated + 1)
                for h in chosen.hubs
            ),
            timeout,
        )
        is not None
    )
    say(f"{chosen.neighbour.name} re-authenticating: {'accepted' if report.neighbour_reestablished else 'REFUSED'}")
    say(f"restoring {chosen.revoked.name} with a fresh certificate")
    start = time.monotonic()
    actions.restore(chosen.revoked.fqdn)
    report.steps["issue and converge the gateway"] = time.monotonic() - start
    back = until(lambda: all(established(access, chosen, h, chosen.revoked) for h in chosen.hubs), timeout)
    report.restored_after = None if back is None else time.monotonic() - start
    say(f"{chosen.revoked.name} back: {'yes' if back is not None else 'NO'}")
    return report
