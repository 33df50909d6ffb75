"""Variables of the `web` role: nginx on the `groupware_web` hosts, TLS in front of SOGo.

Each front end proxies to the groupware host of its own datacenter. It answers to its own name
and to the service name `groupware.<domain>` that the intranet DNS points at the active
datacenter; its certificate comes from the intranet PKI (the `tlscert` role).
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host
from egovinfra.render.hostvars import RenderContext


def web_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A front end: the names it serves and the back end it proxies to."""
    plan = ctx.plan
    backend = plan.server(host.name, "groupware_app")
    return {
        "web_server_names": [host.fqdn, f"groupware.{plan.domain}"],
        "web_listen_address": host.address,
        "web_port": plan.port("https"),
        "web_backend": f"http://{backend.address}:{plan.port('groupware')}",
    }
