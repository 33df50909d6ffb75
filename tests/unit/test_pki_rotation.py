"""Rotation keeps the old and new gateway certificates valid until the old one is retired."""

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store

from egovinfra.pki import PkiError, PkiLayout, current_paths, init_pki, issue, retire, rotate

DOMAIN = "intranet.gov.example"
GATEWAY = "gw.health.intranet.gov.example"


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


@pytest.fixture
def pki_dir(tmp_path: Path) -> Path:
    base = tmp_path / "pki"
    init_pki("example", DOMAIN, base)
    issue(GATEWAY, base)
    return base


def _verifies(layout: PkiLayout, cert_path: Path) -> bool:
    verifier = PolicyBuilder().store(Store([_cert(layout.root_ca.cert)])).build_server_verifier(x509.DNSName(GATEWAY))
    return len(verifier.verify(_cert(cert_path), [_cert(layout.issuing_ca.cert)])) == 3


def test_rotate_keeps_both_valid(pki_dir: Path) -> None:
    layout = PkiLayout(pki_dir)
    old_cert = layout.host_current(GATEWAY).cert.read_bytes()
    old_key = layout.host_current(GATEWAY).key.read_bytes()

    new = rotate(GATEWAY, pki_dir)

    previous = layout.host_previous(GATEWAY)
    assert previous.cert.read_bytes() == old_cert
    assert previous.key.read_bytes() == old_key
    assert new == layout.host_current(GATEWAY)
    assert new.cert.read_bytes() != old_cert
    assert new.key.read_bytes() != old_key
    assert _cert(new.cert).serial_number != _cert(previous.cert).serial_number
    assert _verifies(layout, new.cert)
    assert _verifies(layout, previous.cert)
    assert (previous.key.stat().st_mode & 0o777) == 0o600


def test_current_paths_follow_rotation(pki_dir: Path) -> None:
    before = current_paths(GATEWAY, pki_dir)
    rotate(GATEWAY, pki_dir)
    after = current_paths(GATEWAY, pki_dir)
    # The path is stable (strongSwan config need not change); the content is the new one.
    assert after == before
    assert after.cert == pki_dir / "hosts" / GATEWAY / "cert.pem"
    assert after.key == pki_dir / "hosts" / GATEWAY / "key.pem"


def test_second_rotation_requires_retire(pki_dir: Path) -> None:
    layout = PkiLayout(pki_dir)
    rotate(GATEWAY, pki_dir)
    kept = layout.host_previous(GATEWAY).key.read_bytes()
    with pytest.raises(PkiError, match="retire"):
        rotate(GATEWAY, pki_dir)
    assert layout.host_previous(GATEWAY).key.read_bytes() == kept


def test_retire_removes_only_the_previous(pki_dir: Path) -> None:
    layout = PkiLayout(pki_dir)
    rotate(GATEWAY, pki_dir)
    current = layout.host_current(GATEWAY).cert.read_bytes()
    retire(GATEWAY, pki_dir)
    assert not layout.host_previous(GATEWAY).cert.parent.exists()
    assert layout.host_current(GATEWAY).cert.read_bytes() == current
    rotate(GATEWAY, pki_dir)  # possible again once retired


def test_retire_without_previous_is_an_error(pki_dir: Path) -> None:
    with pytest.raises(PkiError, match="no previous"):
        retire(GATEWAY, pki_dir)


def test_rotate_unknown_identity_points_to_issue(pki_dir: Path) -> None:
    with pytest.raises(PkiError, match="pki issue"):
        rotate("gw.other.intranet.gov.example", pki_dir)
