"""Tunnels from the Plan: every site gateway to every hub, and the primary hub to each other.

Each end is derived from its own host's point of view (its LAN or supernet is local, the
peer's is remote), then `match.check_vpn` proves that the two views mirror each other.

Selectors: a site's tunnel to a datacenter carries the site LAN ↔ that datacenter's supernet
only. Both tunnels of a site are always up, so losing one datacenter leaves the other's
tunnel untouched; reaching the surviving datacenter's services is a DNS matter (docs/intranet.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from egovinfra.compile.plan import Crypto, Datacenter, Host, Plan, Site
from egovinfra.compile.vpn.match import check_vpn
from egovinfra.compile.vpn.model import ChildSa, Connection, Platform, Revocation, Tunnel, Uniqueness, Vpn
from egovinfra.compile.vpn.neutron import NotExpressible, neutron_vpn, offered_proposals
from egovinfra.compile.vpn.tuning import daemon_tuning
from egovinfra.model.problems import ProblemList

# The initiator brings the tunnel up at load and keeps it up; the responder only traps, so
# the two never race to create duplicate SAs and hub-side traffic never leaves unprotected.
INITIATOR_ACTIONS = {"start_action": "trap|start", "dpd_action": "restart", "close_action": "start"}
RESPONDER_ACTIONS = {"start_action": "trap", "dpd_action": "clear", "close_action": "none"}


class _Proposals:
    """The IKE and ESP proposals of each kind of end, VPNaaS ones derived from Neutron values."""

    def __init__(self, plan: Plan, problems: ProblemList) -> None:
        self.crypto: Crypto = plan.crypto
        self.vpnaas: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        for dc in plan.datacenters:
            if dc.vpn_backend != "vpnaas":
                continue
            try:
                ike, esp = offered_proposals(neutron_vpn(plan.crypto))
            except NotExpressible as exc:
                problems.add(
                    ("datacenters", dc.name, "vpn_backend"),
                    f"OpenStack VPNaaS cannot offer the intranet's proposals: {exc}",
                    "use proposals Neutron accepts (the strong profile does) or vpn_backend: strongswan",
                )
                continue
            self.vpnaas = ((ike,), (esp,))

    def of(self, platform: Platform) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if platform == "vpnaas" and self.vpnaas is not None:
            return self.vpnaas
        return self.crypto.ike_proposals, self.crypto.esp_proposals


@dataclass(frozen=True)
class _Side:
    """One end's own facts: the host, what runs there, its WAN address and its networks."""

    host: Host
    platform: Platform
    vendor: str
    address: str
    network: str
    public: str = ""  # the address peers dial when it is not `address` (NAT in front)


def _end(
    name: str,
    local: _Side,
    remote: _Side,
    *,
    psk: bool,
    initiator: bool,
    proposals: _Proposals,
    revocation: Revocation = "relaxed",
    unique: Uniqueness = "no",
) -> Connection:
    """The connection `local` configures towards `remote`, from `local`'s point of view."""
    ike, esp = proposals.of(local.platform)
    crypto = proposals.crypto
    actions = INITIATOR_ACTIONS if initiator else RESPONDER_ACTIONS
    child = ChildSa(
        name=name,
        local_ts=(local.network,),
        remote_ts=(remote.network,),
        esp_proposals=esp,
        rekey_time=crypto.child_rekey,
        **actions,
    )
    return Connection(
        name=name,
        host=local.host.name,
        platform=local.platform,
        vendor=local.vendor,
        local_addr=local.address,
        remote_addr=remote.public or remote.address,
        public_addr=local.public,
        local_id=local.host.fqdn,
        remote_id=remote.host.fqdn,
        auth="psk" if psk else "pubkey",
        ike_version=2,
        ike_proposals=ike,
        rekey_time=crypto.ike_rekey,
        dpd_delay=crypto.dpd_delay,
        initiator=initiator,
        children=(child,),
        revocation=revocation,
        unique=unique,
    )


def _hub(plan: Plan, dc: Datacenter) -> _Side:
    platform: Platform = "vpnaas" if dc.vpn_backend == "vpnaas" else "strongswan"
    return _Side(plan.host(dc.hub), platform, "", dc.wan.endpoint_address, dc.supernet, dc.public_address or "")


def _site_tunnel(plan: Plan, site: Site, dc: Datacenter, proposals: _Proposals) -> Tunnel:
    name = f"{site.name}_{dc.name}"
    gateway = plan.host(site.gateway)
    kind: tuple[Platform, str] = ("strongswan", "") if gateway.managed else ("vendor", site.edge)
    edge = _Side(gateway, *kind, site.wan.endpoint_address, site.lan, site.public_address or "")
    hub = _hub(plan, dc)
    psk = dc.vpn_backend == "vpnaas"  # Neutron VPNaaS authenticates with pre-shared keys only
    return Tunnel(
        name=name,
        kind="site",
        origin=("sites", site.name),
        initiator=_end(name, edge, hub, psk=psk, initiator=True, proposals=proposals),
        # The hub checks the ministry gateway strictly: a stolen gateway is shut out by the CRL,
        # and a hub without a current CRL refuses rather than trusts. Everywhere else relaxed
        # (a revoked certificate is still refused), so a stale CRL cannot cut the datacenters
        # off from each other. Pre-shared keys (VPNaaS) carry no certificate to check.
        responder=_end(
            name, hub, edge, psk=psk, initiator=False, proposals=proposals, revocation="relaxed" if psk else "strict"
        ),
    )


def _datacenter_tunnel(plan: Plan, first: Datacenter, second: Datacenter, proposals: _Proposals) -> Tunnel:
    name = f"dc_{first.name}_{second.name}"
    a, b = _hub(plan, first), _hub(plan, second)
    psk = "vpnaas" in (first.vpn_backend, second.vpn_backend)
    return Tunnel(
        name=name,
        kind="datacenter",
        origin=("datacenters", second.name),
        initiator=_end(name, a, b, psk=psk, initiator=True, proposals=proposals, unique="replace"),
        responder=_end(name, b, a, psk=psk, initiator=False, proposals=proposals, unique="replace"),
    )


def compile_vpn(plan: Plan) -> Vpn:
    """Every tunnel of `plan`, checked end against end; TopologyError lists each mismatch."""
    problems = ProblemList()
    proposals = _Proposals(plan, problems)
    problems.raise_if_any()
    primary = plan.primary
    tunnels = [_datacenter_tunnel(plan, primary, dc, proposals) for dc in plan.secondaries]
    tunnels += [_site_tunnel(plan, site, dc, proposals) for site in plan.sites for dc in plan.datacenters]
    vpn = Vpn(tunnels=tuple(tunnels))
    hosts = dict.fromkeys(end.host for tunnel in tunnels for end in tunnel.ends)
    vpn = Vpn(tunnels=vpn.tunnels, daemons=tuple(daemon_tuning(host, vpn.connections(host)) for host in hosts))
    for problem in check_vpn(vpn):
        problems.items.append(problem)
    problems.raise_if_any()
    return vpn
