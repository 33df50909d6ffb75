"""What an IKEv2 negotiation would select from two proposal lists (strongSwan syntax).

IKEv2 (RFC 7296 §3.3) picks one proposal and, inside it, one algorithm of each transform type;
two ends agree when some proposal of one and some proposal of the other have a common
algorithm for every type. strongSwan rules followed here: a proposal that mixes AEAD and
classic ciphers is two proposals; integrity is dropped from an AEAD proposal; an IKE proposal
without a PRF takes it from its integrity algorithm; ESP has no extended sequence numbers
unless `esn` is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from egovinfra.model.crypto import AEAD, CIPHERS, GROUPS, INTEGRITY, PRF, ProposalKind

# strongSwan's aliases for the same group.
_GROUP_ALIASES = {"x25519": "curve25519", "x448": "curve448"}


@dataclass(frozen=True, slots=True)
class Transforms:
    """One negotiable proposal: the acceptable algorithms of each transform type."""

    encryption: frozenset[str]
    integrity: frozenset[str]  # empty for AEAD
    prf: frozenset[str]  # empty for ESP
    groups: frozenset[str]
    esn: frozenset[bool]  # empty for IKE

    def select(self, other: Transforms) -> str | None:
        """The proposal both would agree on, in strongSwan syntax, or None."""
        picked: list[str] = []
        for mine, theirs in (
            (self.encryption, other.encryption),
            (self.integrity, other.integrity),
            (self.prf, other.prf),
            (self.groups, other.groups),
        ):
            if bool(mine) != bool(theirs):
                return None
            if mine:
                common = sorted(mine & theirs)
                if not common:
                    return None
                picked.append(common[0])
        if self.esn or other.esn:
            common_esn = sorted(self.esn & other.esn)
            if not common_esn:
                return None
            if common_esn[0]:
                picked.append("esn")
        return "-".join(picked)


@cache
def parse(proposal: str, kind: ProposalKind) -> tuple[Transforms, ...]:
    """The negotiable proposals `proposal` stands for (an AEAD/classic mix counts as two)."""
    tokens = [t for t in proposal.lower().split("-") if t]
    ciphers = [t for t in tokens if t in CIPHERS]
    integrity = frozenset(t for t in tokens if t in INTEGRITY)
    prf = frozenset(t for t in tokens if t in PRF)
    groups = frozenset(_GROUP_ALIASES.get(t, t) for t in tokens if t in GROUPS or t in _GROUP_ALIASES)
    esn = frozenset({"esn" in tokens}) if kind == "esp" else frozenset()
    if kind == "ike" and not prf:
        prf = frozenset(f"prf{t}" for t in integrity)
    if kind == "esp":
        prf = frozenset()
    out: list[Transforms] = []
    aead = frozenset(c for c in ciphers if c in AEAD)
    classic = frozenset(c for c in ciphers if c not in AEAD)
    if aead:
        out.append(Transforms(aead, frozenset(), prf, groups, esn))
    if classic:
        out.append(Transforms(classic, integrity, prf, groups, esn))
    return tuple(out)


@cache  # every tunnel of a deployment asks the same few questions
def agreed(offered: tuple[str, ...], accepted: tuple[str, ...], kind: ProposalKind) -> str | None:
    """The proposal a responder configured with `accepted` selects from `offered`, or None.

    The initiator's order is preferred, as strongSwan does by default.
    """
    for mine in offered:
        for candidate in parse(mine, kind):
            for theirs in accepted:
                for other in parse(theirs, kind):
                    selected = candidate.select(other)
                    if selected is not None:
                        return selected
    return None
