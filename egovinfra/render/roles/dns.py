"""Variables of the `dns` role: the intranet zone, served by every `dns` host.

Every DNS host is authoritative for the whole zone from the same data (no zone transfer): a
datacenter that loses the other keeps answering and can switch the service names alone. The
service names (`groupware.<domain>`, `mail.<domain>`, one per service) point at the active
datacenter's hosts (the operational state's, changed only by `egovinfra dr`); the `_dr` TXT
record says which one serves and since which generation (read by roles/fence).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from egovinfra.compile.plan import Host, Plan
from egovinfra.compile.policy.access import sources_reaching
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.roles.fence import dr_record

HOST_TTL = 3600
SERVICE_TTL = 60  # what a client may keep pointing at a lost datacenter after the switch


def relative(plan: Plan, fqdn: str) -> str:
    """`db.yde.intranet.gov.cm` → `db.yde` inside the zone `intranet.gov.cm`."""
    return fqdn.removesuffix("." + plan.domain)


def _service_records(plan: Plan) -> dict[str, dict[str, list[str]]]:
    """Service name → datacenter → addresses of its hosts there (compile.names decides them)."""
    return {n.label: {dc: list(addresses) for dc, addresses in n.addresses} for n in plan.names.services}


def dns_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A DNS host: the zone's data and who may query it."""
    plan = ctx.plan
    servers = sorted(
        (h for h in plan.hosts if "dns" in h.roles and h.kind == "datacenter"),
        key=lambda h: (h.scope != plan.active.name, h.name),
    )
    hosts = [{"name": relative(plan, h.fqdn), "address": h.address} for h in sorted(plan.hosts, key=lambda h: h.fqdn)]
    services = _service_records(plan)
    data = {"hosts": hosts, "services": services, "servers": [h.name for h in servers], "dr": dr_record(plan)}
    # No zone transfers happen, so the serial only has to change with the data.
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).digest()
    return {
        "dns_zone": plan.domain,
        "dns_listen": [host.address],
        "dns_port": plan.port("dns"),
        # Where the BIND exporter reads the counters: loopback only.
        "dns_statistics_listen": list(plan.monitoring.bind_statistics_listen),
        "dns_allow_query": list(sources_reaching(plan, host, plan.endpoint("dns").port)),
        "dns_nameservers": [relative(plan, h.fqdn) for h in servers],
        "dns_hosts": hosts,
        "dns_services": services,
        "dns_mail_service": relative(plan, plan.names.front("mail")) if plan.names.has_front("mail") else "",
        "dns_datacenters": [dc.name for dc in plan.datacenters],
        "dns_active_datacenter": plan.active.name,
        # What a returning datacenter asks the survivors before it serves (roles/fence).
        "dns_dr_record": dr_record(plan),
        "dns_serial": 1 + int.from_bytes(digest[:4], "big") % 2_000_000_000,
        "dns_host_ttl": HOST_TTL,
        "dns_service_ttl": SERVICE_TTL,
    }
