"""Variables of the `web` role: nginx on the `groupware_web` hosts, TLS in front of SOGo.

Each front end proxies to the groupware host of its own datacenter and serves SOGo's static
resources (its web application: styles, scripts, fonts) itself. It answers to its own name
and to the service name `groupware.<domain>` that the intranet DNS points at the active
datacenter, each with a certificate of the intranet PKI: the host's own (the `tlscert` role),
and one for the service name that every front end carries, since any of them may be the one
the name points at.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.roles.tlscert import TLS_DIR

# Debian's sogo-common puts SOGo's web application here (a link into /usr/share/GNUstep).
SOGO_RESOURCES = "/usr/lib/GNUstep/SOGo/WebServerResources"

# The resources' URLs carry no version: a week keeps repeat visits fast and an upgrade of SOGo
# visible to everyone within days (SOGo's Apache example keeps them a year).
RESOURCES_MAX_AGE = 7 * 24 * 3600


def web_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A front end: the names it serves with their certificates, and the back end it proxies to."""
    plan = ctx.plan
    backend = plan.server(host.name, "groupware_app")
    service = plan.names.front("groupware_web")
    return {
        "web_server_names": [host.fqdn, service],
        "web_service_identity": service,
        "web_service_tls_dir": f"{TLS_DIR}/{service}",
        "web_sites": [
            {"name": host.fqdn, "tls_dir": TLS_DIR},
            {"name": service, "tls_dir": f"{TLS_DIR}/{service}"},
        ],
        "web_listen_address": host.address,
        "web_port": plan.port("https"),
        # TLS to the back end's front (roles/groupware), its name checked against the intranet CA.
        "web_backend": f"https://{backend.address}:{plan.port('groupware')}",
        "web_backend_name": backend.fqdn,
        "web_ca_file": f"{TLS_DIR}/ca.pem",
        "web_sogo_resources": SOGO_RESOURCES,
        "web_resources_max_age": RESOURCES_MAX_AGE,
    }
