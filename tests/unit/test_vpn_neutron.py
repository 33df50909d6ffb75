"""The Plan's crypto as explicit Neutron VPNaaS policies (never Neutron's IKEv1/SHA-1 defaults)."""

from __future__ import annotations

import pytest

from egovinfra.compile.plan import Crypto
from egovinfra.compile.vpn.neutron import NotExpressible, neutron_vpn, offered_proposals
from egovinfra.compile.vpn.proposals import agreed
from egovinfra.model.crypto import PROFILES

STRONG = Crypto(PROFILES["strong"]["ike"], PROFILES["strong"]["esp"], 14400, 3600, 10)


def test_strong_profile_maps_to_explicit_neutron_values() -> None:
    vpn = neutron_vpn(STRONG)
    assert vpn.ike_version == "v2"
    assert vpn.auth_mode == "psk"
    assert (vpn.ike.encryption_algorithm, vpn.ike.auth_algorithm, vpn.ike.pfs) == (
        "aes-256-gcm-16",
        "sha384",
        "group20",
    )
    assert (vpn.ipsec.encryption_algorithm, vpn.ipsec.pfs) == ("aes-256-gcm-16", "group20")
    assert (vpn.ike.lifetime_value, vpn.ipsec.lifetime_value) == (14400, 3600)
    assert vpn.ike.lifetime_units == vpn.ipsec.lifetime_units == "seconds"
    assert (vpn.transform_protocol, vpn.encapsulation_mode) == ("esp", "tunnel")
    assert (vpn.dpd_action, vpn.dpd_interval, vpn.dpd_timeout) == ("restart", 10, 40)


def test_what_vpnaas_offers_is_accepted_by_a_strong_peer() -> None:
    ike, esp = offered_proposals(neutron_vpn(STRONG))
    assert agreed((ike,), STRONG.ike_proposals, "ike") == "aes256gcm16-prfsha384-ecp384"
    assert agreed((esp,), STRONG.esp_proposals, "esp") == "aes256gcm16-ecp384"


def test_cbc_profile_maps_integrity_to_auth_algorithm() -> None:
    ike, esp = "aes256-sha384-prfsha384-ecp384", "aes256-sha256-modp3072"
    crypto = Crypto((ike,), (esp,), 14400, 3600, 10)
    vpn = neutron_vpn(crypto)
    assert (vpn.ike.encryption_algorithm, vpn.ike.auth_algorithm) == ("aes-256", "sha384")
    assert (vpn.ipsec.auth_algorithm, vpn.ipsec.pfs) == ("sha256", "group15")
    assert offered_proposals(vpn) == ("aes256-sha384-ecp384", "aes256-sha256-modp3072")


@pytest.mark.parametrize(
    ("ike", "esp", "reason"),
    [
        ("chacha20poly1305-prfsha384-ecp384", "aes256gcm16-ecp384", "cipher 'chacha20poly1305'"),
        ("aes256gcm16-prfsha384-curve448", "aes256gcm16-ecp384", "group 'curve448'"),
        ("aes256-sha256-prfsha384-ecp384", "aes256gcm16-ecp384", "derives the PRF"),
        ("aes256gcm16-prfsha384-ecp384-ecp256", "aes256gcm16-ecp384", "exactly one key-exchange"),
        ("aes256gcm16-prfsha384-ecp384", "aes256gcm16-aes256-sha256-ecp384", "mixes AEAD"),
    ],
)
def test_proposals_neutron_cannot_offer_are_refused_with_the_reason(ike: str, esp: str, reason: str) -> None:
    with pytest.raises(NotExpressible, match=reason):
        neutron_vpn(Crypto((ike,), (esp,), 14400, 3600, 10))
