"""Variables of the `ipsec` role: the host's tunnel ends, as swanctl wants them."""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host
from egovinfra.compile.restarts import restart_order
from egovinfra.compile.vpn.model import ChildSa, Connection, DaemonTuning
from egovinfra.render.hostvars import RenderContext


def certificate_name(host: Host) -> str:
    """The host certificate's file name under /etc/swanctl/x509/ (shared with the pki role)."""
    return f"{host.fqdn}.pem"


def _child(child: ChildSa) -> dict[str, Any]:
    return {
        "name": child.name,
        "local_ts": ",".join(child.local_ts),
        "remote_ts": ",".join(child.remote_ts),
        "esp_proposals": ",".join(child.esp_proposals),
        "rekey_time": child.rekey_time,
        "start_action": child.start_action,
        "dpd_action": child.dpd_action,
        "close_action": child.close_action,
    }


def connection_vars(conn: Connection) -> dict[str, Any]:
    """One swanctl connection, every value already in swanctl's syntax."""
    return {
        "name": conn.name,
        "local_addrs": conn.local_addr,
        "remote_addrs": conn.remote_addr,
        "local_id": conn.local_id,
        "remote_id": conn.remote_id,
        "auth": conn.auth,
        "proposals": ",".join(conn.ike_proposals),
        "rekey_time": conn.rekey_time,
        "dpd_delay": conn.dpd_delay,
        # The initiator retries for ever (a hub may be down for hours); a responder's trap
        # tries once per packet burst.
        "keyingtries": 0 if conn.initiator else 1,
        "initiator": conn.initiator,
        "revocation": conn.revocation,
        "unique": conn.unique,
        "children": [_child(c) for c in conn.children],
    }


def tuning_vars(tuning: DaemonTuning) -> dict[str, Any]:
    """charon's settings that follow the number of tunnels the host ends (compile.vpn.tuning)."""
    return {
        "ipsec_ikesa_table_size": tuning.ikesa_table_size,
        "ipsec_ikesa_table_segments": tuning.ikesa_table_segments,
        "ipsec_cookie_threshold": tuning.cookie_threshold,
        "ipsec_init_limit_half_open": tuning.init_limit_half_open,
        "ipsec_spdh_lbits": tuning.spd_local_bits,
        "ipsec_spdh_rbits": tuning.spd_remote_bits,
    }


def ipsec_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """Hubs and site gateways: their tunnel ends; the lab's kernel has no ESP (libipsec)."""
    connections = [c for c in ctx.plan.vpn.connections(host.name) if c.platform == "strongswan"]
    return {
        "ipsec_backend": "libipsec" if ctx.env == "lab" else "kernel",
        "ipsec_identity": host.fqdn,
        "ipsec_certificate": certificate_name(host),
        # Overlapping SAs while reauthenticating: a rotated certificate leaves no traffic gap.
        "ipsec_make_before_break": True,
        # Dead peer detection: dpd_delay, then these retransmissions (docs/intranet.md).
        "ipsec_retransmit_tries": 4,
        "ipsec_retransmit_timeout": 2.0,
        "ipsec_retransmit_base": 1.5,
        "ipsec_connections": [connection_vars(c) for c in connections],
        # A hub restarts alone and brings these back before the other hub restarts.
        "ipsec_restart_bring_up": [
            {"connection": conn, "child": child}
            for conn, child in restart_order(ctx.plan, host.name).tunnels_to_bring_up
        ],
        **tuning_vars(ctx.plan.vpn.tuning(host.name)),
    }
