"""No cleartext on the WAN: while the test traffic flows between the sites and the datacenters,
the WAN router sees only IKE and NAT-T (UDP 500/4500) and, with the kernel data path, ESP."""

from __future__ import annotations

from egovinfra.verify.probes import OPEN
from tests.infra.traffic import Probed, WanCapture

PROTECTED = "udp port 500 or udp port 4500 or ip proto 50"


def test_only_ipsec_crosses_the_wan(traffic: Probed, wan_capture: WanCapture) -> None:
    """Every IPv4 packet the WAN carried during the probes is IKE, NAT-T or ESP."""
    crossed = [r for r, outcome in traffic.outcomes.items() if outcome == OPEN and r.source_kind == "site"]
    assert crossed, "no test traffic from a site got through: the capture proves nothing"
    carried = wan_capture.packets(PROTECTED)
    assert carried, "the WAN carried no IPsec packet while sites reached the datacenters"
    clear = wan_capture.packets(f"ip and not ({PROTECTED})")
    assert not clear, f"{len(clear)} cleartext packets on the WAN, first ones:\n" + "\n".join(clear[:10])
