"""IPsec peer summaries for vendor edges: the data a network team types into its box.

Vendor gateways are not converged; each gets configs/<host>/ipsec-peers.yml with every value
its tunnels need, taken from the same checked tunnel ends as the strongSwan configs.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host, Plan
from egovinfra.compile.vpn.model import Connection
from egovinfra.render.tree import Tree
from egovinfra.render.yamlout import dump_yaml

HEADER = (
    "IPsec peers of a vendor edge, rendered by `egovinfra render` from the topology.\n"
    "Configure the device with exactly these values; the hub ends were checked against them.\n"
    "Authentication: its certificate from `egovinfra pki issue <identity>` (ECDSA P-384)."
)


def _tunnel(conn: Connection) -> dict[str, Any]:
    return {
        "name": conn.name,
        "peer_address": conn.remote_addr,
        "peer_identity": conn.remote_id,
        "local_identity": conn.local_id,
        "authentication": "certificate" if conn.auth == "pubkey" else "pre-shared key",
        "ike": {
            "version": conn.ike_version,
            "proposals": list(conn.ike_proposals),
            "rekey_seconds": conn.rekey_time,
            "dpd_interval_seconds": conn.dpd_delay,
            "initiate": "always (keep up)" if conn.initiator else "on traffic",
            "nat_traversal": "UDP 500 and 4500",
        },
        "children": [
            {
                "name": c.name,
                "local_networks": list(c.local_ts),
                "remote_networks": list(c.remote_ts),
                "esp_proposals": list(c.esp_proposals),
                "pfs": "the key-exchange group of the ESP proposal, on every rekey",
                "rekey_seconds": c.rekey_time,
            }
            for c in conn.children
        ],
    }


def peer_summary(plan: Plan, host: Host) -> dict[str, Any]:
    """The tunnels of vendor gateway `host`, as plain data."""
    conns = plan.vpn.connections(host.name)
    return {
        "device": host.name,
        "vendor": conns[0].vendor if conns else "",
        "identity": host.fqdn,
        "wan_address": conns[0].local_addr if conns else "",
        "tunnels": [_tunnel(c) for c in conns],
    }


def render_vendor_peers(plan: Plan) -> Tree:
    """configs/<host>/ipsec-peers.yml for every gateway whose tunnels end on a vendor box."""
    tree: Tree = {}
    for host in plan.hosts:
        conns = plan.vpn.connections(host.name)
        if conns and all(c.platform == "vendor" for c in conns):
            tree[f"configs/{host.name}/ipsec-peers.yml"] = dump_yaml(peer_summary(plan, host), HEADER)
    return tree
