"""Both ends of every tunnel must agree before anything is rendered or deployed.

A tunnel fails in the field when its ends disagree: no common proposal (NO_PROPOSAL_CHOSEN),
identities that do not match the peer's (AUTHENTICATION_FAILED), or selectors that are not
each other's mirror (TS_UNACCEPTABLE). Each end is checked against the other, from each side
(the responder's trap can initiate too), so none of these can reach a gateway.
"""

from __future__ import annotations

from egovinfra.compile.vpn.model import Connection, Tunnel, Vpn
from egovinfra.compile.vpn.proposals import agreed
from egovinfra.model.problems import Problem

HINT = "both ends of a tunnel must share a proposal and mirror identities and selectors"


def _label(end: Connection) -> str:
    platform = end.vendor or end.platform
    return f"{end.host} ({platform})"


def _identity_problems(a: Connection, b: Connection) -> list[str]:
    out: list[str] = []
    for one, other in ((a, b), (b, a)):
        if one.remote_id != other.local_id:
            out.append(
                f"{_label(one)} expects the peer identity {one.remote_id!r}, "
                f"but {_label(other)} presents {other.local_id!r}"
            )
        if one.remote_addr != other.reached_at:
            out.append(
                f"{_label(one)} expects the peer at {one.remote_addr}, but {_label(other)} is at {other.reached_at}"
            )
    if a.auth != b.auth:
        out.append(f"{_label(a)} authenticates with {a.auth}, {_label(b)} with {b.auth}")
    if a.ike_version != 2 or b.ike_version != 2:
        out.append(f"IKE versions {a.ike_version} and {b.ike_version}; the intranet is IKEv2 only")
    if a.initiator == b.initiator:
        out.append("exactly one end must initiate" if a.initiator else "neither end initiates")
    return out


def _proposal_problems(a: Connection, b: Connection) -> list[str]:
    out: list[str] = []
    for one, other in ((a, b), (b, a)):
        if agreed(one.ike_proposals, other.ike_proposals, "ike") is None:
            out.append(
                f"no common IKE proposal: {_label(one)} offers {list(one.ike_proposals)}, "
                f"{_label(other)} accepts {list(other.ike_proposals)}"
            )
            break
    return out


def _child_problems(a: Connection, b: Connection) -> list[str]:
    out: list[str] = []
    theirs = {c.name: c for c in b.children}
    mine = {c.name: c for c in a.children}
    for name in sorted(mine.keys() ^ theirs.keys()):
        owner = a if name in mine else b
        out.append(f"child {name!r} exists only on {_label(owner)}")
    for name in sorted(mine.keys() & theirs.keys()):
        ca, cb = mine[name], theirs[name]
        if set(ca.local_ts) != set(cb.remote_ts) or set(ca.remote_ts) != set(cb.local_ts):
            out.append(
                f"child {name!r}: selectors are not mirrored: {_label(a)} has "
                f"{list(ca.local_ts)} <-> {list(ca.remote_ts)}, {_label(b)} has "
                f"{list(cb.local_ts)} <-> {list(cb.remote_ts)}"
            )
        for one, other in ((ca, cb), (cb, ca)):
            if agreed(one.esp_proposals, other.esp_proposals, "esp") is None:
                out.append(
                    f"child {name!r}: no common ESP proposal: {list(ca.esp_proposals)} "
                    f"on {_label(a)}, {list(cb.esp_proposals)} on {_label(b)}"
                )
                break
    return out


def tunnel_problems(tunnel: Tunnel) -> list[str]:
    """Every way the two ends of `tunnel` disagree (empty when they match)."""
    a, b = tunnel.initiator, tunnel.responder
    if a.host == b.host:
        return [f"both ends are {a.host}"]
    return [*_identity_problems(a, b), *_proposal_problems(a, b), *_child_problems(a, b)]


def check_vpn(vpn: Vpn) -> list[Problem]:
    """A Problem, located at the tunnel's origin in the topology, for every mismatch."""
    return [
        Problem(path=tunnel.origin, message=f"tunnel {tunnel.name}: {message}", hint=HINT)
        for tunnel in vpn.tunnels
        for message in tunnel_problems(tunnel)
    ]
