"""The VPN part of the Plan: tunnels, each seen from both of its ends.

Each end is described as the host configures it (a swanctl connection: its own addresses,
identities, selectors and proposals), so the two ends are derived independently and
`egovinfra.compile.vpn.match` can prove that they mirror each other before anything is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

# Where an end runs: strongSwan converged by the ipsec role, an OpenStack VPNaaS hub built by
# Pulumi, or a vendor edge whose configuration is rendered as data for the network team.
Platform = Literal["strongswan", "vpnaas", "vendor"]
AuthMethod = Literal["pubkey", "psk"]
Uniqueness = Literal["no", "replace"]  # swanctl connections.<conn>.unique
TunnelKind = Literal["site", "datacenter"]
# How charon treats the peer certificate's revocation status (swanctl `remote.revocation`):
# strict refuses a peer whose status is not known good from a current CRL.
Revocation = Literal["strict", "relaxed"]


@dataclass(frozen=True, slots=True)
class ChildSa:
    """One CHILD_SA of a connection: the traffic it protects and how it is kept up."""

    name: str
    local_ts: tuple[str, ...]
    remote_ts: tuple[str, ...]
    esp_proposals: tuple[str, ...]
    rekey_time: int  # seconds
    start_action: str  # swanctl syntax: "trap|start" (initiator) or "trap" (responder)
    dpd_action: str
    close_action: str


@dataclass(frozen=True, slots=True)
class Connection:
    """One end of a tunnel, as its host configures it (a swanctl `connections.<name>`)."""

    name: str  # the connection name on this host; equal to the tunnel name
    host: str  # inventory host name
    platform: Platform
    vendor: str  # the edge dialect (juniper-srx, ...) for vendor ends, else ""
    local_addr: str  # WAN addresses, no prefix
    remote_addr: str
    local_id: str  # IKE identities: the FQDNs in the certificates' subjectAltName
    remote_id: str
    auth: AuthMethod
    ike_version: int
    ike_proposals: tuple[str, ...]
    rekey_time: int  # IKE SA rekey, seconds
    dpd_delay: int  # seconds
    initiator: bool
    children: tuple[ChildSa, ...]
    public_addr: str = ""  # where peers reach this end when NAT sits before local_addr ("": local_addr)
    revocation: Revocation = "relaxed"
    # A second IKE_SA with the same identities replaces the first ("replace") or both stay
    # ("no"). The datacenter link has one peer: a hub that restarted and initiates again
    # replaces the stale SA at once instead of leaving it to dead peer detection.
    unique: Uniqueness = "no"

    @property
    def reached_at(self) -> str:
        """The address peers dial: the public one behind NAT, else the WAN address."""
        return self.public_addr or self.local_addr


@dataclass(frozen=True, slots=True)
class Tunnel:
    """A tunnel between two hosts: a site gateway and a hub, or the two hubs."""

    name: str  # <site>_<datacenter>, or dc_<primary>_<secondary>
    kind: TunnelKind
    origin: tuple[str, str]  # where the tunnel comes from in the topology: ("sites", "minfi")
    initiator: Connection  # the site gateway, or the primary hub
    responder: Connection  # a hub

    @property
    def ends(self) -> tuple[Connection, Connection]:
        """Both ends, initiator first."""
        return (self.initiator, self.responder)


@dataclass(frozen=True, slots=True)
class DaemonTuning:
    """The scale-dependent charon settings of one host."""

    host: str
    ike_sas: int  # IKE_SAs the host carries when every tunnel is up
    ikesa_table_size: int  # buckets of the IKE_SA hash table (a power of two)
    ikesa_table_segments: int  # locks over those buckets
    cookie_threshold: int  # half-open IKE_SAs before COOKIEs are demanded
    init_limit_half_open: int  # half-open IKE_SAs before new setups are dropped
    spd_local_bits: int  # XFRM policy hash thresholds: the local and remote selectors' usual length
    spd_remote_bits: int


@dataclass(frozen=True)
class Vpn:
    """Every tunnel of the intranet, and the charon settings of each host that ends some."""

    tunnels: tuple[Tunnel, ...] = ()
    daemons: tuple[DaemonTuning, ...] = ()  # compile.vpn.tuning

    @cached_property
    def _by_host(self) -> dict[str, tuple[Connection, ...]]:
        index: dict[str, list[Connection]] = {}
        for tunnel in self.tunnels:
            for end in tunnel.ends:
                index.setdefault(end.host, []).append(end)
        return {host: tuple(conns) for host, conns in index.items()}

    def connections(self, host: str) -> tuple[Connection, ...]:
        """The connections `host` configures, in tunnel order (empty when it has none)."""
        return self._by_host.get(host, ())

    def tuning(self, host: str) -> DaemonTuning:
        """The charon settings of `host` (KeyError when it ends no tunnel)."""
        return self._tuning_by_host[host]

    @cached_property
    def _tuning_by_host(self) -> dict[str, DaemonTuning]:
        return {daemon.host: daemon for daemon in self.daemons}

    def tunnel(self, name: str) -> Tunnel:
        """The tunnel called `name` (KeyError when absent)."""
        for tunnel in self.tunnels:
            if tunnel.name == name:
                return tunnel
        raise KeyError(name)
