"""IPsec proposal vocabulary: what is strong, what is tolerated, what is refused.

Proposals use strongSwan's syntax (`aes256gcm16-prfsha384-ecp384`). Sources and the
reasoning are in docs/crypto.md.
"""

from __future__ import annotations

from typing import Literal

ProposalKind = Literal["ike", "esp"]

# AEAD ciphers carry their own integrity; CBC ciphers need an integrity algorithm.
AEAD = frozenset({"aes256gcm16", "aes128gcm16", "aes256gcm12", "chacha20poly1305"})
CIPHERS = AEAD | frozenset({"aes256", "aes192", "aes128"})
INTEGRITY = frozenset({"sha256", "sha384", "sha512"})
PRF = frozenset({"prfsha256", "prfsha384", "prfsha512"})
GROUPS = frozenset({"ecp256", "ecp384", "ecp521", "curve25519", "curve448", "modp3072", "modp4096"})

# Refused outright, with the reason shown to the user.
WEAK = {
    "des": "DES is broken",
    "3des": "3DES has a 64-bit block (Sweet32)",
    "blowfish": "64-bit block cipher",
    "cast128": "64-bit block cipher",
    "null": "no encryption",
    "md5": "MD5 is broken",
    "sha1": "SHA-1 is deprecated for IPsec integrity and PRF",
    "prfsha1": "SHA-1 is deprecated for IPsec integrity and PRF",
    "prfmd5": "MD5 is broken",
    "aesxcbc": "not accepted by this profile",
    "modp768": "768-bit MODP group is broken",
    "modp1024": "1024-bit MODP group is too weak",
    "modp1536": "1536-bit MODP group is too weak",
    "modp2048": "2048-bit MODP group is below the 3072-bit floor",
    "modp1024s160": "weak MODP group with small subgroup",
    "modp2048s224": "MODP group with small subgroup",
    "modp2048s256": "MODP group with small subgroup",
    "ecp192": "curve too small",
    "ecp224": "curve too small",
    "noesn": "accepted only with ESN set",
}


def proposal_problems(proposal: str, kind: ProposalKind) -> list[str]:
    """Why `proposal` is not acceptable, or an empty list when it is."""
    tokens = [t for t in proposal.lower().split("-") if t]
    problems: list[str] = []
    known = CIPHERS | INTEGRITY | PRF | GROUPS | {"esn"}
    for token in tokens:
        if token in WEAK:
            problems.append(f"{token}: {WEAK[token]}")
        elif token not in known:
            problems.append(f"{token}: unknown algorithm")
    if problems:
        return problems
    ciphers = [t for t in tokens if t in CIPHERS]
    groups = [t for t in tokens if t in GROUPS]
    if not ciphers:
        problems.append("no cipher")
    if not groups:
        problems.append("no key-exchange group (PFS is required on every SA)")
    if any(c not in AEAD for c in ciphers) and not any(t in INTEGRITY for t in tokens):
        problems.append("a CBC cipher needs an integrity algorithm (sha256 or better)")
    if kind == "ike" and all(c in AEAD for c in ciphers) and not any(t in PRF for t in tokens):
        problems.append("an AEAD IKE proposal needs an explicit PRF (prfsha384 or better)")
    if kind == "esp" and any(t in PRF for t in tokens):
        problems.append("a PRF belongs to IKE proposals, not ESP")
    return problems


# Named profiles. `strong` is the default; `compat` adds CBC+HMAC fallbacks for
# edge boxes without AES-GCM offload. Both are IKEv2-only with PFS.
PROFILES: dict[str, dict[ProposalKind, tuple[str, ...]]] = {
    "strong": {
        "ike": ("aes256gcm16-prfsha384-ecp384",),
        "esp": ("aes256gcm16-ecp384",),
    },
    "compat": {
        "ike": ("aes256gcm16-prfsha384-ecp384", "aes256-sha384-prfsha384-ecp384"),
        "esp": ("aes256gcm16-ecp384", "aes256-sha384-ecp384"),
    },
}
