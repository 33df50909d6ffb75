"""Variables of the `pki` role: which credentials a host gets, by name only.

Never key material: the role copies the files from the controller's PKI directory at
converge time, so the inventory and the rendered tree stay free of secrets.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.roles.ipsec import certificate_name


def pki_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """The host's identity, file names, and the tunnels that need a pre-shared key."""
    psk = [
        {"name": c.name, "local_id": c.local_id, "remote_id": c.remote_id}
        for c in ctx.plan.vpn.connections(host.name)
        if c.auth == "psk" and c.platform == "strongswan"
    ]
    return {
        "pki_identity": host.fqdn,
        "pki_certificate_name": certificate_name(host),
        "pki_ca_names": [f"{ctx.plan.name}-root.pem", f"{ctx.plan.name}-issuing.pem"],
        "pki_crl_names": [f"{ctx.plan.name}-root.crl.pem", f"{ctx.plan.name}-issuing.crl.pem"],
        "pki_psk_tunnels": psk,
    }
