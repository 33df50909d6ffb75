"""Proposal negotiation as IKEv2 does it (RFC 7296 §3.3), in strongSwan's syntax."""

from __future__ import annotations

import pytest

from egovinfra.compile.vpn.proposals import agreed


@pytest.mark.parametrize(
    ("offered", "accepted", "kind", "expected"),
    [
        (("aes256gcm16-prfsha384-ecp384",), ("aes256gcm16-prfsha384-ecp384",), "ike", "aes256gcm16-prfsha384-ecp384"),
        # The initiator's first choice wins when the responder accepts several.
        (
            ("aes256-sha384-prfsha384-ecp384", "aes256gcm16-prfsha384-ecp384"),
            ("aes256gcm16-prfsha384-ecp384", "aes256-sha384-prfsha384-ecp384"),
            "ike",
            "aes256-sha384-prfsha384-ecp384",
        ),
        # Without an explicit PRF, IKE takes it from the integrity algorithm.
        (("aes256-sha384-ecp384",), ("aes256-sha384-prfsha384-ecp384",), "ike", "aes256-sha384-prfsha384-ecp384"),
        # One proposal mixing AEAD and classic ciphers stands for two.
        (("aes256gcm16-aes256-sha256-ecp384",), ("aes256-sha256-ecp384",), "esp", "aes256-sha256-ecp384"),
        (("aes256gcm16-ecp384-ecp256",), ("aes256gcm16-ecp256",), "esp", "aes256gcm16-ecp256"),
        (("aes256gcm16-x25519",), ("aes256gcm16-curve25519",), "esp", "aes256gcm16-curve25519"),
    ],
)
def test_common_proposal_is_found(
    offered: tuple[str, ...], accepted: tuple[str, ...], kind: str, expected: str
) -> None:
    assert agreed(offered, accepted, kind) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("offered", "accepted", "kind"),
    [
        (("aes256gcm16-prfsha384-ecp384",), ("aes256gcm16-prfsha384-ecp256",), "ike"),
        (("aes256gcm16-prfsha384-ecp384",), ("aes256gcm16-prfsha256-ecp384",), "ike"),
        (("aes256gcm16-prfsha384-ecp384",), ("aes256-sha384-prfsha384-ecp384",), "ike"),
        # PFS on one side only: a CHILD_SA rekey would fail.
        (("aes256gcm16-ecp384",), ("aes256gcm16",), "esp"),
        # Extended sequence numbers required by one side only.
        (("aes256gcm16-ecp384-esn",), ("aes256gcm16-ecp384",), "esp"),
    ],
)
def test_disjoint_proposals_have_no_agreement(offered: tuple[str, ...], accepted: tuple[str, ...], kind: str) -> None:
    assert agreed(offered, accepted, kind) is None  # type: ignore[arg-type]
