"""The Plan: every host, interface, address and intent of a deployment, resolved once.

Everything downstream (renderers, Pulumi, the lab, verification) reads the Plan and
never the topology files. Plain frozen dataclasses with string addresses keep it
cheap to build, easy to serialise and impossible to change by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from egovinfra.compile.access_model import Access
from egovinfra.compile.directory import Directory
from egovinfra.compile.monitoring_model import Monitoring
from egovinfra.compile.names_model import Names
from egovinfra.compile.policy.model import Policy
from egovinfra.compile.tls_model import Tls, Transport
from egovinfra.compile.vpn.model import Vpn

InterfaceKind = Literal["zone", "lan", "wan", "mgmt"]


@dataclass(frozen=True, slots=True)
class Interface:
    """One network interface of a host."""

    name: str  # eth0, lan0, wan0, mgmt0
    kind: InterfaceKind
    address: str  # with prefix length: 10.1.2.10/24
    network: str  # 10.1.2.0/24
    segment: str  # the layer-2 segment it joins: "yde-app", "minfi-lan", "wan-minfi", "mgmt"
    gateway: str | None = None  # default gateway reached through this interface

    @property
    def ip(self) -> str:
        """The address without its prefix length."""
        return self.address.split("/", 1)[0]


@dataclass(frozen=True, slots=True)
class Route:
    """A static route: `destination` via `via`."""

    destination: str
    via: str


@dataclass(frozen=True, slots=True)
class Host:
    """A machine of the platform: a datacenter server, a site gateway or a workstation."""

    name: str  # unique inventory name: yde-db, minfi-gw, minfi-ws1
    short: str  # name within its scope: db, gw, ws1
    fqdn: str  # db.yde.intranet.gov.cm
    kind: Literal["datacenter", "site"]
    scope: str  # datacenter or site name
    roles: tuple[str, ...]  # vpn_hub, database, ..., site_gateway, workstation
    zone: str | None  # datacenter zone, None on sites
    address: str  # service address (no prefix)
    mgmt_address: str  # out-of-band management address (no prefix)
    interfaces: tuple[Interface, ...]
    routes: tuple[Route, ...] = ()
    managed: bool = True  # False for vendor edges: rendered, not converged
    description: str = ""
    former_names: tuple[str, ...] = ()  # inventory names it had before a rename (Pulumi aliases)

    def interface(self, kind: InterfaceKind) -> Interface | None:
        """The first interface of `kind`, if any."""
        return next((i for i in self.interfaces if i.kind == kind), None)


@dataclass(frozen=True, slots=True)
class Zone:
    """A datacenter zone: one subnet, its gateway and its security group."""

    name: str
    datacenter: str
    index: int
    cidr: str
    gateway: str  # the zone router's address (.1)
    description: str = ""

    @property
    def key(self) -> str:
        """`datacenter/zone`, the zone's name across the Plan."""
        return f"{self.datacenter}/{self.name}"


@dataclass(frozen=True, slots=True)
class WanLink:
    """A point-to-point link from a hub or gateway to the transport network."""

    name: str  # wan-yde, wan-minfi
    cidr: str
    provider_address: str  # the transport side (the lab's WAN router)
    endpoint_address: str  # the hub's or gateway's WAN address
    host: str


@dataclass(frozen=True, slots=True)
class Datacenter:
    """A datacenter with its zones, hub and routing."""

    name: str
    id: int
    role: Literal["primary", "secondary"]
    title: str
    supernet: str
    zones: tuple[Zone, ...]
    hub: str  # host name of the VPN hub
    hub_inside: str  # the hub's address in its zone: next hop for the intranet
    wan: WanLink
    vpn_backend: Literal["strongswan", "vpnaas"]
    router_routes: tuple[Route, ...]  # what the zone router sends to the hub
    public_address: str | None = None  # the hub on the public WAN (topology, else cloud state); None: not known
    cloud: str = ""  # clouds.yaml entry of the OpenStack cloud that hosts it
    region: str = "RegionOne"
    ike_sources: tuple[str, ...] = ()  # prefixes the sites' and other hubs' IKE may come from (Plan-known)

    def zone(self, name: str) -> Zone:
        """The zone called `name` (KeyError when absent)."""
        for zone in self.zones:
            if zone.name == name:
                return zone
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class Site:
    """A ministry site: a LAN behind a gateway, joined to both datacenters."""

    name: str
    id: int
    title: str
    kind: str
    lan: str
    gateway: str  # host name
    lan_gateway: str  # the gateway's LAN address
    wan: WanLink
    edge: str  # linux or a vendor dialect
    workstations: tuple[str, ...]  # host names
    public_address: str | None = None  # the gateway on the public WAN when it is not its WAN address

    @property
    def ike_address(self) -> str:
        """Where the gateway's IKE comes from: its public address, else its WAN address (the lab)."""
        return self.public_address or self.wan.endpoint_address


@dataclass(frozen=True, slots=True)
class Port:
    """A protocol and a port range; `icmp` has no ports."""

    protocol: Literal["tcp", "udp", "icmp"]
    first: int = 0
    last: int = 0

    def __str__(self) -> str:
        if self.protocol == "icmp":
            return "icmp"
        span = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        return f"{self.protocol}/{span}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A port a daemon listens on, by the name the topology gives it (`ldaps`), and its service."""

    name: str
    port: Port
    service: str


@dataclass(frozen=True, slots=True)
class Service:
    """A named service: its ports and the hosts that offer it."""

    name: str
    ports: tuple[Port, ...]
    hosts: tuple[str, ...]
    management: bool = False
    description: str = ""
    endpoints: tuple[Endpoint, ...] = ()  # the ports the topology names
    names: tuple[str, ...] = ()  # names people type for it besides its own (DNS labels)


@dataclass(frozen=True, slots=True)
class ReplicationLink:
    """One connection replication needs: `client` opens it to `server`'s endpoint, by `flows`."""

    client: str
    server: str
    flows: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Replication:
    """How the hosts of one function follow each other across datacenters."""

    function: str  # database, directory, filestore, mail
    primary: str  # the writer: the function's host in the primary datacenter
    replicas: tuple[str, ...]
    endpoint: Endpoint  # what the links connect to
    links: tuple[ReplicationLink, ...]

    @property
    def members(self) -> tuple[str, ...]:
        """The primary, then the replicas."""
        return (self.primary, *self.replicas)

    def peer_of(self, host: str) -> str | None:
        """The host `host` opens its replication connection to, if any."""
        return next((link.server for link in self.links if link.client == host), None)


BackupKind = Literal["postgresql", "directory", "mail", "files"]


@dataclass(frozen=True, slots=True)
class BackupJob:
    """One backup: `kind` of the data on `source`, run by `runner` into `repository`."""

    kind: BackupKind
    source: str  # the host whose data it is
    datacenter: str  # the source's datacenter (the metric's label)
    runner: str  # the host whose timer runs it: the repository for PostgreSQL, else the source
    repository: str  # a backup_repository host, in another datacenter unless that one is fenced
    schedules: tuple[tuple[str, str], ...]  # (variant, systemd OnCalendar): ("full", ...), ("diff", ...)


@dataclass(frozen=True, slots=True)
class Backups:
    """Backups of the deployment (compile.backup); empty when the topology asks for none."""

    stanza: str = ""  # pgBackRest stanza: one per deployment, whichever datacenter is active
    retention_full: int = 0
    retention_diff: int = 0
    keep_daily: int = 0
    keep_weekly: int = 0
    jobs: tuple[BackupJob, ...] = ()

    def of(self, host: str) -> tuple[BackupJob, ...]:
        """The jobs whose data is on `host`, run by it, or kept by it."""
        return tuple(j for j in self.jobs if host in (j.source, j.runner, j.repository))


@dataclass(frozen=True, slots=True)
class FlowSource:
    """A source of a flow: a site LAN or a datacenter zone, with its prefix."""

    kind: Literal["site", "zone"]
    name: str  # site name, or datacenter/zone
    cidr: str


@dataclass(frozen=True, slots=True)
class FlowTarget:
    """One service of a flow and the hosts where the flow may reach it."""

    service: str
    hosts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Flow:
    """Security intent: these sources may reach these services; all else is denied."""

    name: str
    sources: tuple[FlowSource, ...]
    targets: tuple[FlowTarget, ...]
    description: str = ""
    accept_lint: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pools:
    """The address pools the Plan was carved from."""

    datacenters: str
    sites: str
    wan: str
    management: str


@dataclass(frozen=True, slots=True)
class Crypto:
    """The IKE/IPsec proposals and timers every tunnel uses."""

    ike_proposals: tuple[str, ...]
    esp_proposals: tuple[str, ...]
    ike_rekey: int
    child_rekey: int
    dpd_delay: int


@dataclass(frozen=True, slots=True)
class Operations:
    """Which datacenter serves now and which are fenced (from `state/<environment>.yaml`)."""

    active: str
    generation: int = 1
    fenced: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A whole deployment, resolved. Built by `egovinfra.compile.compile_plan`."""

    name: str
    domain: str
    pools: Pools
    datacenters: tuple[Datacenter, ...]
    sites: tuple[Site, ...]
    hosts: tuple[Host, ...]
    services: tuple[Service, ...]
    flows: tuple[Flow, ...]
    replication_mode: Literal["synchronous", "asynchronous"]
    crypto: Crypto
    vpn: Vpn = field(default_factory=Vpn)  # the IPsec tunnels, built by compile.vpn
    policy: Policy = field(default_factory=Policy)  # firewall rules and lint, built by compile.policy
    directory: Directory = field(default_factory=Directory)  # people and mail domains, compile.directory
    endpoints: tuple[Endpoint, ...] = ()  # every named port, once each (compile.functions)
    replications: tuple[Replication, ...] = ()  # per replicated function (compile.replication)
    servers: tuple[tuple[str, str, str], ...] = ()  # (host, function, the server it uses) (compile.functions)
    backups: Backups = field(default_factory=Backups)  # compile.backup
    operations: Operations | None = None  # None: as designed, the primary serves
    # Synchronous replication without a streaming standby: block ("wait") or commit alone after
    # `degrade_after` seconds ("degrade").
    on_standby_loss: Literal["wait", "degrade"] = "degrade"
    degrade_after: int = 30
    timezone: str = "UTC"  # IANA name: the groupware's default for its users
    monitoring: Monitoring = field(default_factory=Monitoring)  # scrapes, alerts, log hosts (compile.monitoring)
    tls: Tls = field(default_factory=Tls)  # how clients reach each named port (compile.tls)
    names: Names = field(default_factory=Names)  # the zone's service names (compile.names)
    access: Access = field(default_factory=Access)  # administrators, bastions, root login (compile.access)
    _host_index: dict[str, Host] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._host_index.update((h.name, h) for h in self.hosts)

    def host(self, name: str) -> Host:
        """The host called `name` (KeyError when absent)."""
        return self._host_index[name]

    def datacenter(self, name: str) -> Datacenter:
        """The datacenter called `name` (KeyError when absent)."""
        for dc in self.datacenters:
            if dc.name == name:
                return dc
        raise KeyError(name)

    @property
    def primary(self) -> Datacenter:
        """The primary datacenter."""
        return next(dc for dc in self.datacenters if dc.role == "primary")

    @property
    def active(self) -> Datacenter:
        """The datacenter that serves now: the primary unless a failover moved the service."""
        return self.datacenter(self.operations.active) if self.operations else self.primary

    @property
    def generation(self) -> int:
        """How many times the serving datacenter changed, plus one."""
        return self.operations.generation if self.operations else 1

    @property
    def fenced(self) -> tuple[Datacenter, ...]:
        """Datacenters that serve nothing until `egovinfra dr failback`."""
        return tuple(self.datacenter(n) for n in self.operations.fenced) if self.operations else ()

    def serving(self, host: Host) -> bool:
        """True when `host` takes part in the service: it is in no fenced datacenter."""
        return not self.operations or host.scope not in self.operations.fenced

    @property
    def secondaries(self) -> tuple[Datacenter, ...]:
        """The disaster-recovery datacenters."""
        return tuple(dc for dc in self.datacenters if dc.role == "secondary")

    def endpoint(self, name: str) -> Endpoint:
        """The named port `name` (KeyError when absent; validate ensures what the roles need)."""
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint
        raise KeyError(name)

    def port(self, name: str) -> int:
        """The port number of the named port `name`."""
        return self.endpoint(name).port.first

    def transport(self, name: str) -> Transport:
        """How clients reach the named port `name` (KeyError when it carries no client TLS)."""
        for transport in self.tls.transports:
            if transport.port == name:
                return transport
        raise KeyError(name)

    def uri(self, name: str, server: Host) -> str:
        """The URL a client uses for `server`'s named port `name`: the port's scheme, FQDN, port."""
        return f"{self.transport(name).scheme}://{server.fqdn}:{self.port(name)}"

    def replication(self, function: str) -> Replication:
        """The replication of `function` (KeyError when it has none)."""
        for replication in self.replications:
            if replication.function == function:
                return replication
        raise KeyError(function)

    def server(self, host: str, function: str) -> Host:
        """The host doing `function` that `host` uses: its own datacenter's, else the primary's."""
        for client, wanted, server in self.servers:
            if client == host and wanted == function:
                return self.host(server)
        raise KeyError((host, function))

    def service(self, name: str) -> Service:
        """The service called `name` (KeyError when absent)."""
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)
