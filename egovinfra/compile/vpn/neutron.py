"""The Plan's crypto in OpenStack Neutron VPNaaS's vocabulary, and back.

Neutron VPNaaS takes one IKE policy and one IPsec policy per site connection, each a single
encryption algorithm, one `auth_algorithm` (integrity, and the PRF for IKE), one PFS group and
a lifetime in seconds (neutron-lib `neutron_lib/api/definitions/vpn.py`; AES-GCM/CCM values
from the `vpn-aes-ccm-gcm` extension). It authenticates with pre-shared keys only
(`auth_mode: psk`), so a VPNaaS hub cannot use the intranet's certificates.
Its defaults are IKEv1, SHA-1 and group 5: every value here is set explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

from egovinfra.compile.plan import Crypto
from egovinfra.compile.vpn.proposals import parse

# strongSwan cipher keyword → Neutron encryption_algorithm.
ENCRYPTION = {
    "aes128": "aes-128",
    "aes192": "aes-192",
    "aes256": "aes-256",
    "aes128gcm16": "aes-128-gcm-16",
    "aes256gcm12": "aes-256-gcm-12",
    "aes256gcm16": "aes-256-gcm-16",
}
# strongSwan integrity or PRF hash → Neutron auth_algorithm.
AUTH = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
# strongSwan key-exchange group → Neutron pfs value (IANA IKEv2 Transform Type 4 numbers).
PFS = {
    "modp3072": "group15",
    "modp4096": "group16",
    "ecp256": "group19",
    "ecp384": "group20",
    "ecp521": "group21",
    "curve25519": "group31",
}
AEAD_CIPHERS = frozenset(k for k in ENCRYPTION if "gcm" in k)
DPD_TIMEOUT_FACTOR = 4  # Neutron's own default pairs a 30 s interval with a 120 s timeout


class NotExpressible(ValueError):
    """A proposal that Neutron VPNaaS cannot be configured to offer."""


@dataclass(frozen=True, slots=True)
class NeutronPolicy:
    """The fields of a Neutron `ikepolicy` or `ipsecpolicy`, every one explicit."""

    encryption_algorithm: str
    auth_algorithm: str
    pfs: str
    lifetime_value: int
    lifetime_units: str = "seconds"


@dataclass(frozen=True, slots=True)
class NeutronVpn:
    """What the Pulumi VPN hub needs besides addresses: policies, DPD and the version."""

    ike: NeutronPolicy
    ipsec: NeutronPolicy
    ike_version: str  # always "v2"
    phase1_negotiation_mode: str  # "main" (IKEv2 ignores it; set so the v1 default never shows)
    transform_protocol: str  # "esp"
    encapsulation_mode: str  # "tunnel"
    dpd_action: str
    dpd_interval: int
    dpd_timeout: int
    auth_mode: str  # "psk": the only mode Neutron offers


def _only(values: frozenset[str], what: str, proposal: str) -> str:
    if len(values) != 1:
        raise NotExpressible(f"{proposal}: Neutron VPNaaS takes exactly one {what}, the proposal names {len(values)}")
    return next(iter(values))


def _lookup(table: dict[str, str], key: str, what: str, proposal: str) -> str:
    try:
        return table[key]
    except KeyError:
        raise NotExpressible(
            f"{proposal}: {what} {key!r} has no Neutron VPNaaS value (it accepts {', '.join(sorted(table))})"
        ) from None


def _policy(proposal: str, kind: str, lifetime: int) -> NeutronPolicy:
    variants = parse(proposal, "ike" if kind == "ike" else "esp")
    if len(variants) != 1:
        raise NotExpressible(f"{proposal}: mixes AEAD and classic ciphers; Neutron takes one")
    t = variants[0]
    cipher = _only(t.encryption, "encryption algorithm", proposal)
    encryption = _lookup(ENCRYPTION, cipher, "cipher", proposal)
    group = _lookup(PFS, _only(t.groups, "key-exchange group", proposal), "group", proposal)
    if cipher in AEAD_CIPHERS:
        # The one auth_algorithm becomes the IKE PRF; ESP ignores it beside an AEAD cipher.
        hashes = frozenset(p.removeprefix("prf") for p in t.prf) if kind == "ike" else frozenset()
        auth = "sha384"
        if hashes:
            auth = _lookup(AUTH, _only(hashes, "PRF", proposal), "PRF", proposal)
    else:
        integ = _only(t.integrity, "integrity algorithm", proposal)
        if kind == "ike" and t.prf != {f"prf{integ}"}:
            raise NotExpressible(
                f"{proposal}: Neutron derives the PRF from the integrity algorithm; use prf{integ} or none"
            )
        auth = _lookup(AUTH, integ, "integrity algorithm", proposal)
    return NeutronPolicy(encryption, auth, group, lifetime)


def neutron_vpn(crypto: Crypto) -> NeutronVpn:
    """The VPNaaS settings for the Plan's crypto: its first IKE and first ESP proposal.

    Raises NotExpressible with the reason when Neutron cannot offer them.
    """
    return NeutronVpn(
        ike=_policy(crypto.ike_proposals[0], "ike", crypto.ike_rekey),
        ipsec=_policy(crypto.esp_proposals[0], "esp", crypto.child_rekey),
        ike_version="v2",
        phase1_negotiation_mode="main",
        transform_protocol="esp",
        encapsulation_mode="tunnel",
        dpd_action="restart",
        dpd_interval=crypto.dpd_delay,
        dpd_timeout=crypto.dpd_delay * DPD_TIMEOUT_FACTOR,
        auth_mode="psk",
    )


def _keyword(table: dict[str, str], value: str) -> str:
    return next(k for k, v in table.items() if v == value)


def offered_proposals(vpn: NeutronVpn) -> tuple[str, str]:
    """The (IKE, ESP) proposals a VPNaaS hub built from `vpn` offers, in strongSwan syntax.

    Derived from the Neutron values alone, so the tunnel check compares what VPNaaS will
    really do with what the peers expect.
    """
    out: list[str] = []
    for policy, kind in ((vpn.ike, "ike"), (vpn.ipsec, "esp")):
        cipher = _keyword(ENCRYPTION, policy.encryption_algorithm)
        group = _keyword(PFS, policy.pfs)
        auth = _keyword(AUTH, policy.auth_algorithm)
        if cipher in AEAD_CIPHERS:
            out.append(f"{cipher}-prf{auth}-{group}" if kind == "ike" else f"{cipher}-{group}")
        else:
            out.append(f"{cipher}-{auth}-{group}")
    return out[0], out[1]
