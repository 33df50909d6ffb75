"""The topology format: pydantic models of the contract in DESIGN.md.

Every model forbids unknown keys (typos are errors) and is frozen (a loaded
topology never changes). Cross-references are checked in `references.py`.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from egovinfra.model.admins import Administrator
from egovinfra.model.crypto import PROFILES, proposal_problems
from egovinfra.model.types import Address, Cidr, DnsLabel, Domain, Id


class Model(BaseModel):
    """Base of every topology model: strict, closed and immutable."""

    # Validators are built when a topology is first validated, not at import: commands that
    # never validate do not pay, and the nested models are built once, inside Topology's.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


HostRole = Literal[
    "vpn_hub",
    "groupware_web",
    "groupware_app",
    "mail",
    "database",
    "directory",
    "dns",
    "filestore",
    "bastion",
    "monitoring",
    "logs",
    "backup_repository",
]
# What a service may be offered by: a datacenter host's function, or every converged site gateway
# (the exporters Prometheus scrapes there).
ServiceRole = HostRole | Literal["site_gateway"]
EdgeVendor = Literal["linux", "juniper-srx", "cisco-asa", "paloalto", "fortinet"]
SiteKind = Literal["presidency", "ministry", "agency", "regional", "divisional", "commune"]

MAX_WORKSTATIONS = 16  # per site; the address plan sizes each site's blocks for this many
# The longest site prefix whose LAN holds the gateway and MAX_WORKSTATIONS workstations
# (they sit from the LAN's 11th address on, docs/addressing.md) besides network and broadcast.
MAX_SITE_PREFIX = 27

_PORT = re.compile(r"^(tcp|udp)/(\d{1,5})(?:-(\d{1,5}))?$|^icmp$")


def _port_spec(value: str) -> str:
    match = _PORT.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a port such as tcp/443, udp/53, tcp/8000-8010 or icmp")
    if value != "icmp":
        first = int(match.group(2))
        last = int(match.group(3) or first)
        if not 1 <= first <= last <= 65535:
            raise ValueError(f"{value!r}: ports run from 1 to 65535, low to high")
    return value


class Addressing(Model):
    """Address pools. Everything else derives from them and the stable ids."""

    datacenters: Cidr = Field(description="supernet of every datacenter")
    sites: Cidr = Field(description="supernet of every ministry site LAN")
    wan: Cidr = Field(description="WAN transport: one small link per hub or gateway")
    management: Cidr = Field(description="out-of-band management of every host")
    datacenter_prefix: int = Field(16, ge=8, le=24, description="prefix length of one datacenter")
    zone_prefix: int = Field(24, ge=16, le=28, description="prefix length of one zone")
    site_prefix: int = Field(
        24, ge=16, le=MAX_SITE_PREFIX, description="prefix length of one site LAN (room for every workstation)"
    )
    wan_prefix: int = Field(30, ge=24, le=31, description="prefix length of one WAN link")
    wan_reserved: int = Field(64, ge=1, le=4096, description="WAN links kept for datacenters before the first site")

    @model_validator(mode="after")
    def _zones_fit(self) -> Addressing:
        if self.zone_prefix < self.datacenter_prefix:
            raise ValueError(
                f"zone_prefix /{self.zone_prefix} is larger than datacenter_prefix /{self.datacenter_prefix}: "
                "no zone would fit in a datacenter"
            )
        return self


class Crypto(Model):
    """IKE/IPsec proposals: a named profile, or explicit lists (checked for strength)."""

    profile: Literal["strong", "compat"] = "strong"
    ike: tuple[str, ...] | None = Field(None, description="explicit IKE proposals (strongSwan syntax)")
    esp: tuple[str, ...] | None = Field(None, description="explicit ESP proposals (strongSwan syntax)")
    ike_version: Literal[2] = 2
    ike_rekey: int = Field(14400, ge=600, le=86400, description="IKE SA rekey time, seconds")
    child_rekey: int = Field(3600, ge=300, le=28800, description="child SA rekey time, seconds")
    dpd_delay: int = Field(10, ge=1, le=300, description="dead peer detection interval, seconds")

    @field_validator("ike")
    @classmethod
    def _strong_ike(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return _check_proposals(value, "ike")

    @field_validator("esp")
    @classmethod
    def _strong_esp(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return _check_proposals(value, "esp")

    @model_validator(mode="after")
    def _lifetimes(self) -> Crypto:
        if self.child_rekey >= self.ike_rekey:
            raise ValueError("child_rekey must be shorter than ike_rekey")
        return self

    def ike_proposals(self) -> tuple[str, ...]:
        """The IKE proposals in force."""
        return self.ike or PROFILES[self.profile]["ike"]

    def esp_proposals(self) -> tuple[str, ...]:
        """The ESP proposals in force."""
        return self.esp or PROFILES[self.profile]["esp"]


def _check_proposals(value: tuple[str, ...] | None, kind: Literal["ike", "esp"]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not value:
        raise ValueError("an empty proposal list; omit the key to use the profile")
    found = [f"{p}: {why}" for p in value for why in proposal_problems(p, kind)]
    if found:
        raise ValueError("weak or invalid proposal: " + "; ".join(found))
    return value


class Zone(Model):
    """A security zone of a datacenter: one subnet, one security group."""

    index: int = Field(ge=0, le=4095, description="stable zone number: the subnet's index in the datacenter")
    description: str = ""
    prefix: Cidr | None = Field(None, description="override of the derived subnet")


class Host(Model):
    """A server in a datacenter."""

    zone: DnsLabel
    id: int = Field(ge=2, le=65000, description="host number in its zone (1 is the zone gateway)")
    roles: tuple[HostRole, ...] = Field(min_length=1)
    address: Address | None = Field(None, description="override of the derived address")
    description: str = ""
    former_names: tuple[DnsLabel, ...] = Field(
        (), description="names this host had before: its cloud resources keep their identity (Pulumi aliases)"
    )


class Datacenter(Model):
    """A datacenter: zones, hosts, and its role in the pair."""

    id: Id
    role: Literal["primary", "secondary"]
    title: str = ""
    prefix: Cidr | None = Field(None, description="override of the derived supernet")
    wan_address: Address | None = Field(None, description="override of the hub's WAN address")
    public_address: Address | None = Field(
        None, description="the hub's address on the public WAN, outside the WAN pool (default: a floating IP)"
    )
    # Both end up in the stack file, where the provider refuses an empty value.
    cloud: str | None = Field(
        None, pattern=r"^\S+$", description="clouds.yaml entry of the OpenStack cloud (default: the datacenter's name)"
    )
    region: str = Field("RegionOne", pattern=r"^\S+$", description="OpenStack region of the datacenter")
    vpn_backend: Literal["strongswan", "vpnaas"] = "strongswan"
    zones: dict[DnsLabel, Zone] = Field(min_length=1)
    hosts: dict[DnsLabel, Host] = Field(min_length=1)


class User(Model):
    """A civil servant: an entry of the directory, a mailbox and a groupware account."""

    uid: str = Field(pattern=r"^[a-z][a-z0-9._-]{0,31}$", description="login, unique in the deployment")
    name: str = Field(min_length=1, description="full name, as the directory shows it")
    surname: str | None = Field(None, min_length=1, description="family name (default: the last word of name)")


class Site(Model):
    """A ministry (or other administration) site joined to both datacenters."""

    id: Id
    title: str
    kind: SiteKind = "ministry"
    lan: Cidr | None = Field(None, description="override of the derived LAN")
    wan_address: Address | None = Field(None, description="override of the gateway's WAN address")
    public_address: Address | None = Field(
        None, description="the gateway's address on the public WAN, outside the WAN pool (default: its WAN address)"
    )
    edge: EdgeVendor = Field("linux", description="the site's edge device: linux (converged) or a vendor box")
    workstations: int = Field(
        0, ge=0, le=MAX_WORKSTATIONS, description="client hosts placed on the LAN (lab and tests)"
    )
    mail_domain: Domain | None = Field(None, description="the administration's mail domain (default: <site>.<domain>)")
    users: tuple[User, ...] = Field((), description="its civil servants: directory entries and mailboxes")


PortSpec = Annotated[str, Field(min_length=1)]


class Service(Model):
    """A named service: its ports and the hosts that offer it (by role or by name).

    Ports are a list, or a mapping that names each port as the hosts' daemons know it
    (`{ldap: tcp/389, ldaps: tcp/636}`): the compiler takes every port a configuration
    needs from these names, so a port is written once, here.
    """

    ports: tuple[PortSpec, ...] | dict[DnsLabel, PortSpec] = Field(min_length=1)
    roles: tuple[ServiceRole, ...] = ()
    hosts: tuple[str, ...] = Field((), description="explicit hosts as datacenter/host")
    description: str = ""
    management: bool = Field(False, description="a management service: only the mgmt zone may reach it")
    names: tuple[DnsLabel, ...] = Field(
        (), description="names people type for it besides its own (`groupware` for the web front ends)"
    )

    @field_validator("ports")
    @classmethod
    def _ports(cls, value: tuple[str, ...] | dict[str, str]) -> tuple[str, ...] | dict[str, str]:
        for port in value.values() if isinstance(value, dict) else value:
            _port_spec(port)
        return value

    def port_specs(self) -> tuple[str, ...]:
        """Every port of the service, named or not."""
        return tuple(self.ports.values()) if isinstance(self.ports, dict) else self.ports

    def named_ports(self) -> dict[str, str]:
        """The ports the topology names (none when `ports` is a list)."""
        return dict(self.ports) if isinstance(self.ports, dict) else {}

    @model_validator(mode="after")
    def _offered(self) -> Service:
        if not self.roles and not self.hosts:
            raise ValueError("a service needs roles or hosts that offer it")
        return self


class FlowSource(Model):
    """Who may open connections: ministry sites and/or datacenter zones."""

    sites: Literal["all"] | tuple[DnsLabel, ...] | None = None
    zones: tuple[str, ...] | None = Field(None, description="zone in every datacenter, or datacenter/zone")

    @model_validator(mode="after")
    def _something(self) -> FlowSource:
        if self.sites is None and self.zones is None:
            raise ValueError("a flow source needs sites or zones")
        return self


class Flow(Model):
    """Security intent: the sources may reach the services; all else is denied."""

    model_config = ConfigDict(populate_by_name=False)

    source: FlowSource = Field(alias="from")
    to: tuple[DnsLabel, ...] = Field(min_length=1, description="service names")
    at: Literal["all", "primary", "secondary"] = Field("all", description="where the services are reached")
    description: str = ""
    accept_lint: tuple[str, ...] = Field((), description="policy lint findings accepted for this flow")


class Replication(Model):
    """How the secondary datacenter follows the primary."""

    mode: Literal["synchronous", "asynchronous"] = "asynchronous"
    on_standby_loss: Literal["wait", "degrade"] = Field(
        "degrade",
        description="synchronous only: when no standby streams, `wait` blocks writes (RPO 0), "
        "`degrade` lets the primary commit alone after `degrade_after` seconds and alerts",
    )
    degrade_after: int = Field(30, ge=5, le=3600, description="seconds without a standby before degrading")


class AlertWaits(Model):
    """How long a condition must last before its alert fires, seconds (Prometheus `for:`)."""

    tunnel_down: int = Field(120, ge=0, le=86400, description="an IPsec tunnel without an installed child SA")
    standby: int = Field(120, ge=0, le=86400, description="no standby streaming, or lag over the threshold")
    service_down: int = Field(120, ge=0, le=86400, description="a scrape target or a probed service down")
    degraded: int = Field(0, ge=0, le=86400, description="the primary commits without its standby")


class Monitoring(Model):
    """What Prometheus watches and when it alerts (docs/operations.md)."""

    scrape_interval: int = Field(15, ge=5, le=300, description="seconds between scrapes and rule evaluations")
    retention_days: int = Field(30, ge=1, le=3650, description="how long each Prometheus keeps its samples")
    standby_lag_bytes: int = Field(
        64 << 20, ge=1, description="WAL a standby may have left to replay before the lag alert"
    )
    certificate_days: int = Field(30, ge=1, le=365, description="alert when a certificate expires within this")
    backup_max_age_hours: int = Field(26, ge=1, le=24 * 90, description="alert when the last backup is older")
    disk_used_percent: int = Field(85, ge=1, le=99, description="alert when a file system is fuller than this")
    waits: AlertWaits = AlertWaits()
    lab_waits: AlertWaits | None = Field(
        None, description="shorter waits in the lab, where faults are injected on purpose (default: waits)"
    )


class Logs(Model):
    """Central logs: every host ships its journal over TLS to the log host of each datacenter."""

    retention_days: int = Field(90, ge=1, le=3650, description="days the log hosts keep what they received")


# A systemd calendar event as the backup timers use it: optional weekdays (Mon, Mon..Fri,
# Sat,Sun), a date with `*` wildcards, a time; or one of systemd's shorthands. Checked here so
# that a typo is a located error, not a timer that never fires.
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_CALENDAR = re.compile(
    rf"^(?:{_DAY}(?:\.\.{_DAY})?(?:,{_DAY}(?:\.\.{_DAY})?)* )?"
    r"(?:(?:\*|\d{4})-(?:\*|\d{1,2})-(?:\*|\d{1,2}) )?"
    r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?$"
    r"|^(?:hourly|daily|weekly)$"
)


def _calendar(value: str) -> str:
    if not _CALENDAR.match(value):
        raise ValueError(f"{value!r} is not a calendar event such as 'Sun *-*-* 01:00', 'Mon..Sat 01:00' or 'daily'")
    return value


Calendar = Annotated[str, Field(description="systemd OnCalendar event")]


class BackupSchedule(Model):
    """When each backup runs (systemd OnCalendar, in the hosts' time zone)."""

    full: Calendar = "Sun *-*-* 01:00"
    diff: Calendar = "Mon..Sat *-*-* 01:00"
    directory: Calendar = "*-*-* 02:00"
    mail: Calendar = "*-*-* 02:30"
    files: Calendar = "*-*-* 03:00"

    @field_validator("full", "diff", "directory", "mail", "files")
    @classmethod
    def _valid(cls, value: str) -> str:
        return _calendar(value)


class Backup(Model):
    """Backups, independent of replication, kept in another datacenter than the data."""

    retention_full: int = Field(2, ge=1, le=100, description="PostgreSQL full backups kept (and the WAL they need)")
    retention_diff: int = Field(6, ge=1, le=1000, description="PostgreSQL differential backups kept")
    keep_daily: int = Field(7, ge=1, le=1000, description="daily archives kept of the directory, mail and files")
    keep_weekly: int = Field(4, ge=0, le=520, description="weekly archives kept of the directory, mail and files")
    schedule: BackupSchedule = BackupSchedule()


# Defaults fit a national deployment (16,000 sites, a file per site) with room to spare; a
# topology may raise each limit up to its ceiling, which keeps even a raised load bounded.
LIMIT_DEFAULTS = {
    "file_bytes": 4 << 20,
    "nodes": 200_000,
    "depth": 32,
    "sites": 20_000,
    "hosts": 500,
    "flows": 250,
}
# The depth ceiling keeps reading and validation far from Python's recursion limit (1,000).
LIMIT_CEILINGS = {
    "file_bytes": 64 << 20,
    "nodes": 16_000_000,
    "depth": 100,
    "sites": 200_000,
    "hosts": 5_000,
    "flows": 1_000,  # the policy lint compares flows pairwise: 250 cost 1 to 3 s, 1,000 sixteen times that
}


def _limit(name: str, description: str) -> int:
    return Field(LIMIT_DEFAULTS[name], ge=1, le=LIMIT_CEILINGS[name], description=description)


class Limits(Model):
    """What loading accepts, so that no input can take unbounded time or memory (docs/topology-limits.md)."""

    file_bytes: int = _limit("file_bytes", "size of each site file, bytes")
    nodes: int = _limit("nodes", "YAML nodes in each site file, aliases expanded")
    depth: int = _limit("depth", "nesting depth of each site file")
    sites: int = _limit("sites", "ministry sites, in topology.yaml and sites/ together")
    hosts: int = _limit("hosts", "datacenter hosts, all datacenters together")
    flows: int = _limit("flows", "flows")


class DirectoryPolicy(Model):
    """How the directory treats people the topology no longer lists."""

    removal_grace_days: int = Field(
        30,
        ge=0,
        le=3650,
        description="days a person removed from the topology stays disabled (cannot log in, kept for "
        "audit and mailbox hand-over) before the entry is deleted",
    )


class Topology(Model):
    """A whole deployment: `topology.yaml` merged with `sites/*.yaml`."""

    name: DnsLabel
    domain: Domain
    description: str = ""
    timezone: str = Field("UTC", description="IANA time zone of the people served (the groupware's default)")
    addressing: Addressing
    crypto: Crypto = Crypto()
    datacenters: dict[DnsLabel, Datacenter] = Field(min_length=1)
    sites: dict[DnsLabel, Site] = {}
    services: dict[DnsLabel, Service] = {}
    flows: dict[DnsLabel, Flow] = {}
    replication: Replication = Replication()
    directory: DirectoryPolicy = DirectoryPolicy()
    monitoring: Monitoring = Monitoring()
    logs: Logs = Logs()
    backup: Backup | None = Field(None, description="backups to another datacenter (none when absent)")
    administrators: tuple[Administrator, ...] = Field(
        (), description="the people who administer the hosts, through their datacenter's bastion (docs/security.md)"
    )
    limits: Limits = Field(Limits(), description="limits of loading; topology.yaml itself is read under the defaults")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise ValueError(f"unknown time zone '{value}' (an IANA name such as Africa/Douala or UTC)")
        return value
