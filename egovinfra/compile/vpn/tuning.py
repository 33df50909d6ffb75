"""charon settings that follow the number of tunnels a host terminates (benchmarks/scale.py).

strongSwan's defaults suit a host with a few IKE_SAs: one bucket in the IKE_SA table, cookies
demanded from the eleventh half-open IKE_SA on, no bound on half-open IKE_SAs, and the kernel's
XFRM policy hash used only for /32 selectors. A hub terminates one IKE_SA per site, and after it
restarts every site comes back within the same few seconds. Each value below is derived from
the host's own connections in the Plan, so a gateway (two tunnels) keeps the defaults' scale.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from egovinfra.compile.vpn.model import Connection, DaemonTuning

# strongSwan's own defaults (strongswan.conf(5)): the floor of every derived value.
DEFAULT_COOKIE_THRESHOLD = 10
# A segment is a lock; charon runs 16 worker threads by default, so more segments buy nothing.
MAX_TABLE_SEGMENTS = 16
# Handshakes a hub works on at once. charon processes IKE_SA_INIT requests before IKE_AUTH
# ones (which it queues at low priority), so when every site dials at once and the hub answers
# slower than the sites retransmit, an unbounded hub answers IKE_SA_INITs until the sites time
# out and never completes an IKE_AUTH: measured at 1,000 sites on a busy 2-core machine
# (benchmarks/README.md). Twice charon's 16 worker threads: one handshake in work and one
# waiting per thread; a setup beyond is dropped unanswered and retransmitted.
HALF_OPEN_LIMIT = 32


def _power_of_two(n: int) -> int:
    return 1 << max(n - 1, 0).bit_length()


def _common_prefix(prefixes: Iterable[str]) -> int:
    """The prefix length most selectors have (the longer on a tie; /32 when there is none)."""
    lengths = Counter(int(p.split("/")[1]) for p in prefixes)
    return max(lengths, key=lambda n: (lengths[n], n), default=32)


def daemon_tuning(host: str, connections: tuple[Connection, ...]) -> DaemonTuning:
    """The settings of `host` from the connections it configures."""
    ike_sas = max(len(connections), 1)
    size = _power_of_two(ike_sas)
    children = [child for conn in connections for child in conn.children]
    half_open = min(HALF_OPEN_LIMIT, 2 * max(DEFAULT_COOKIE_THRESHOLD, ike_sas))
    return DaemonTuning(
        host=host,
        ike_sas=ike_sas,
        ikesa_table_size=size,
        ikesa_table_segments=min(size, MAX_TABLE_SEGMENTS),
        # Above the limit on a hub: no COOKIEs for sites. Measured at 1,000 sites, a site told
        # COOKIE five times ends its attempt for good (keyingtries does not apply; only the
        # keeper or traffic restarts it); the limit already bounds the state a flood can hold.
        cookie_threshold=max(DEFAULT_COOKIE_THRESHOLD, ike_sas),
        init_limit_half_open=half_open,
        # The kernel hashes an XFRM policy on the first lbits/rbits of its selectors when they
        # are at least that long, and scans the others linearly for each packet. At the length
        # of the site tunnels' selectors, a hub's thousand policies are hashed on the bits that
        # tell sites apart; the hub-to-hub tunnel's shorter ones stay in the short linear list
        # (kernel backend only: libipsec has no XFRM policies).
        spd_local_bits=_common_prefix(ts for child in children for ts in child.local_ts),
        spd_remote_bits=_common_prefix(ts for child in children for ts in child.remote_ts),
    )
