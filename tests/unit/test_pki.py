"""The intranet PKI: chain, name constraints, identities, passphrase."""

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from egovinfra.pki import PkiError, PkiLayout, init_pki, issue, permitted_domain
from egovinfra.pki.ca import load_issuing
from egovinfra.pki.issue import sign_leaf
from egovinfra.pki.keys import write_cert

DOMAIN = "intranet.gov.example"
GATEWAY = "gw.finance.intranet.gov.example"


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


@pytest.fixture
def pki_dir(tmp_path: Path) -> Path:
    base = tmp_path / "pki"
    init_pki("example", DOMAIN, base)
    return base


def _verify(layout: PkiLayout, leaf: x509.Certificate, name: str) -> list[x509.Certificate]:
    verifier = PolicyBuilder().store(Store([_cert(layout.root_ca.cert)])).build_server_verifier(x509.DNSName(name))
    return verifier.verify(leaf, [_cert(layout.issuing_ca.cert)])


def test_chain_root_issuing_leaf_verifies(pki_dir: Path) -> None:
    layout = PkiLayout(pki_dir)
    paths = issue(GATEWAY, pki_dir)
    chain = _verify(layout, _cert(paths.cert), GATEWAY)
    assert [c.subject for c in chain] == [
        _cert(paths.cert).subject,
        _cert(layout.issuing_ca.cert).subject,
        _cert(layout.root_ca.cert).subject,
    ]


def test_openssl_verifies_the_chain(pki_dir: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    layout = PkiLayout(pki_dir)
    paths = issue(GATEWAY, pki_dir)
    result = subprocess.run(
        ["openssl", "verify", "-CAfile", str(layout.root_ca.cert),
         "-untrusted", str(layout.issuing_ca.cert), str(paths.cert)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_ca_profiles(pki_dir: Path) -> None:
    layout = PkiLayout(pki_dir)
    root, issuing = _cert(layout.root_ca.cert), _cert(layout.issuing_ca.cert)
    for ca in (root, issuing):
        assert ca.public_key().curve.name == "secp384r1"  # type: ignore[union-attr]
        usage = ca.extensions.get_extension_for_class(x509.KeyUsage)
        assert usage.critical
        assert usage.value.key_cert_sign
        assert usage.value.crl_sign
        assert not usage.value.digital_signature
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 1
    assert issuing.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    constraints = issuing.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    assert x509.DNSName(DOMAIN) in (constraints.value.permitted_subtrees or [])
    assert permitted_domain(issuing) == DOMAIN
    assert (root.not_valid_after_utc - root.not_valid_before_utc).days >= 3650


def test_leaf_profile(pki_dir: Path) -> None:
    leaf = _cert(issue(GATEWAY, pki_dir).cert)
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [GATEWAY]
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
        x509.ObjectIdentifier("1.3.6.1.5.5.7.3.17"),
    }
    assert leaf.public_key().curve.name == "secp384r1"  # type: ignore[union-attr]
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert 364 <= (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days <= 366


def test_name_constraints_reject_a_foreign_leaf(pki_dir: Path, tmp_path: Path) -> None:
    """A leaf for another domain, signed by the issuing CA anyway, must not verify."""
    layout = PkiLayout(pki_dir)
    foreign = "gw.intranet.other.example"
    leaf, _ = sign_leaf(load_issuing(layout), foreign, datetime.now(UTC))
    with pytest.raises(VerificationError, match="name constraint"):
        _verify(layout, leaf, foreign)
    if shutil.which("openssl") is None:
        return
    leaf_path = tmp_path / "foreign.pem"
    write_cert(leaf_path, leaf)
    result = subprocess.run(
        ["openssl", "verify", "-CAfile", str(layout.root_ca.cert),
         "-untrusted", str(layout.issuing_ca.cert), str(leaf_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "permitted subtree violation" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "identity",
    [
        "gw.other.example",
        "evilintranet.gov.example",  # suffix without a label boundary
        "intranet.gov.example.attacker.example",
    ],
)
def test_issue_refuses_identities_outside_the_domain(pki_dir: Path, identity: str) -> None:
    with pytest.raises(PkiError, match=f"outside the intranet domain '{DOMAIN}'"):
        issue(identity, pki_dir)
    assert not (pki_dir / "hosts" / identity).exists()


@pytest.mark.parametrize("identity", ["*.intranet.gov.example", "gw_1.intranet.gov.example", ""])
def test_issue_refuses_non_dns_identities(pki_dir: Path, identity: str) -> None:
    with pytest.raises(PkiError, match="not a DNS name"):
        issue(identity, pki_dir)


def test_identity_is_normalised_to_lower_case(pki_dir: Path) -> None:
    paths = issue("GW.Finance.Intranet.Gov.Example", pki_dir)
    assert paths.cert.parent.name == GATEWAY


def test_issue_twice_points_to_rotate(pki_dir: Path) -> None:
    issue(GATEWAY, pki_dir)
    with pytest.raises(PkiError, match="rotate"):
        issue(GATEWAY, pki_dir)


def test_init_refuses_to_replace_a_root(pki_dir: Path) -> None:
    before = (pki_dir / "root" / "key.pem").read_bytes()
    with pytest.raises(PkiError, match="already exists"):
        init_pki("example", DOMAIN, pki_dir)
    assert (pki_dir / "root" / "key.pem").read_bytes() == before


def test_issue_before_init_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PkiError, match="pki init"):
        issue(GATEWAY, tmp_path / "empty")


def test_passphrase_protects_the_ca_keys(tmp_path: Path) -> None:
    base = tmp_path / "pki"
    init_pki("example", DOMAIN, base, passphrase=b"correct horse")
    for ca in ("root", "issuing"):
        assert b"ENCRYPTED" in (base / ca / "key.pem").read_bytes()
    with pytest.raises(PkiError, match="EGOVINFRA_PKI_PASSPHRASE"):
        issue(GATEWAY, base)
    with pytest.raises(PkiError, match="wrong passphrase"):
        issue(GATEWAY, base, passphrase=b"wrong")
    assert issue(GATEWAY, base, passphrase=b"correct horse").cert.exists()
