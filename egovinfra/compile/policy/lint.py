"""Policy lint: flows that are redundant, too wide, expose management, or reach nobody.

Classes (the names a flow lists in `accept_lint` to accept a finding):
- `duplicate`: a flow grants an access twice, or one an earlier flow (by name) already grants;
- `shadowed`: every access a flow grants is granted by other flows (the flow is dead);
- `any-to-any`: the whole of the sites or of the zones may reach every datacenter host,
  or every port of a protocol;
- `management-exposed`: a management service reachable from outside the `mgmt` zone;
- `no-provider`: a flow to a service that no host offers (where the flow reaches it).
"""

from __future__ import annotations

from collections import defaultdict

from egovinfra.compile.plan import Flow, Plan, Port
from egovinfra.compile.policy.model import Finding

MANAGEMENT_ZONE = "mgmt"
LINT_CLASSES = ("duplicate", "shadowed", "any-to-any", "management-exposed", "no-provider")

GrantKey = tuple[str, str, str]  # source prefix, host, protocol
HostKey = tuple[str, str]  # host, protocol
Span = tuple[int, int]


def _spans(port: Port) -> Span:
    return (8, 8) if port.protocol == "icmp" else (port.first, port.last)


def _covered(span: Span, others: list[Span]) -> bool:
    """`span` lies inside the union of `others`."""
    reach = span[0]
    for first, last in sorted(others):
        if first > reach:
            break
        reach = max(reach, last + 1)
        if reach > span[1]:
            return True
    return reach > span[1]


def _overlaps(span: Span, other: Span) -> bool:
    return span[0] <= other[1] and other[0] <= span[1]


def _show(key: GrantKey, span: Span) -> str:
    source, host, proto = key
    port = "" if proto == "icmp" else "/" + (str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}")
    return f"{source} → {host} {proto}{port}"


class _Linter:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.services = {s.name: s for s in plan.services}
        self.findings: list[Finding] = []
        # (host, protocol) → (port span, flow, the flow's sources) for every grant. Sources stay
        # one shared set per flow, so this is as big as flows, ports and hosts, not the number of sites.
        self.sources = {f.name: frozenset(s.cidr for s in f.sources) for f in plan.flows}
        self.grants: dict[HostKey, list[tuple[Span, str]]] = defaultdict(list)
        self.by_flow: dict[str, list[tuple[HostKey, Span]]] = defaultdict(list)
        for flow in plan.flows:
            if not flow.sources:
                continue
            for target in flow.targets:
                for port in self.services[target.service].ports:
                    for host in target.hosts:
                        self.grants[(host, port.protocol)].append((_spans(port), flow.name))
                        self.by_flow[flow.name].append(((host, port.protocol), _spans(port)))

    def add(self, kind: str, flow: Flow, path: tuple[str | int, ...], message: str) -> None:
        self.findings.append(Finding(kind, flow.name, path, message, kind in flow.accept_lint))

    def run(self) -> tuple[Finding, ...]:
        order = {f.name: i for i, f in enumerate(self.plan.flows)}
        shadowed = {f.name for f in self.plan.flows if self.shadowing(f) is not None}
        for flow in self.plan.flows:
            self.providers(flow)
            self.management(flow)
            self.wide(flow)
            self.redundancy(flow, order, shadowed)
        return tuple(self.findings)

    def providers(self, flow: Flow) -> None:
        for i, target in enumerate(flow.targets):
            if not target.hosts:
                self.add(
                    "no-provider",
                    flow,
                    ("flows", flow.name, "to", i),
                    f"no host offers service '{target.service}' where this flow reaches it",
                )

    def management(self, flow: Flow) -> None:
        outside = sorted(
            s.name for s in flow.sources if s.kind != "zone" or s.name.rsplit("/", 1)[-1] != MANAGEMENT_ZONE
        )
        if not outside:
            return
        for target in flow.targets:
            if self.services[target.service].management:
                shown = ", ".join(outside[:3]) + (", ..." if len(outside) > 3 else "")
                self.add(
                    "management-exposed",
                    flow,
                    ("flows", flow.name, "from"),
                    f"management service '{target.service}' is reachable from outside the "
                    f"'{MANAGEMENT_ZONE}' zone: {shown}",
                )

    def wide(self, flow: Flow) -> None:
        plan = self.plan
        sites = {s.name for s in flow.sources if s.kind == "site"}
        zones = {s.name for s in flow.sources if s.kind == "zone"}
        every_site = bool(plan.sites) and sites >= {s.name for s in plan.sites}
        every_zone = zones >= {z.key for dc in plan.datacenters for z in dc.zones}
        if not (every_site or every_zone):
            return
        reached = {h for t in flow.targets for h in t.hosts}
        every_host = reached >= {h.name for h in plan.hosts if h.kind == "datacenter"}
        all_ports = [
            t.service
            for t in flow.targets
            for p in self.services[t.service].ports
            if p.protocol != "icmp" and p.first <= 1 and p.last >= 65535
        ]
        if every_host or all_ports:
            who = "every site" if every_site else "every zone"
            what = "every datacenter host" if every_host else f"every port of '{all_ports[0]}'"
            self.add("any-to-any", flow, ("flows", flow.name), f"{who} may reach {what}")

    def _others(self, flow: str, key: HostKey, span: Span) -> list[tuple[Span, str]]:
        return [(s, name) for s, name in self.grants[key] if name != flow and _overlaps(span, s)]

    def shadowing(self, flow: Flow) -> set[str] | None:
        """The flows that together grant everything `flow` grants, or None if some access is its own."""
        items = self.by_flow[flow.name]
        if not items:
            return None
        mine = self.sources[flow.name]
        found: set[str] = set()
        for key, span in items:
            others = self._others(flow.name, key, span)
            if not mine <= frozenset().union(*(self.sources[name] for _, name in others)):
                return None  # some source has no other grant on this host at all
            for source in mine:
                if not _covered(span, [s for s, name in others if source in self.sources[name]]):
                    return None
            found.update(name for _, name in others)
        return found

    def redundancy(self, flow: Flow, order: dict[str, int], shadowed: set[str]) -> None:
        path = ("flows", flow.name)
        by = self.shadowing(flow)
        if by is not None:
            self.add("shadowed", flow, path, "every access of this flow is already granted by " + ", ".join(sorted(by)))
            return
        mine = self.sources[flow.name]
        some = min(mine, default="")
        twice: list[str] = []
        earlier: dict[str, str] = {}
        seen: dict[HostKey, list[Span]] = defaultdict(list)
        for key, span in self.by_flow[flow.name]:
            if any(_overlaps(span, s) for s in seen[key]):
                twice.append(_show((some, *key), span))
            seen[key].append(span)
            for _, name in self._others(flow.name, key, span):
                # A shadowed flow is reported once, as shadowed, not again on the flows that cover it.
                common = mine & self.sources[name]
                if name not in shadowed and order[name] < order[flow.name] and common:
                    earlier.setdefault(name, _show((min(common), *key), span))
        if twice:
            self.add("duplicate", flow, path, f"grants {len(twice)} access(es) twice, e.g. {twice[0]}")
        for name, example in sorted(earlier.items()):
            self.add("duplicate", flow, path, f"also granted by flow '{name}', e.g. {example}")


def lint_policy(plan: Plan) -> tuple[Finding, ...]:
    """Every lint finding of the plan's flows, accepted ones marked as such."""
    return _Linter(plan).run()
