"""Revocation: the CRLs `egovinfra pki revoke|publish` sign, and what the reports show of them."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from egovinfra.compile import compile_loaded
from egovinfra.model import load_topology
from egovinfra.pki import PkiError, PkiLayout, init_pki, issue, rotate
from egovinfra.pki.ca import build_issuing, build_root
from egovinfra.pki.crl import (
    CRL_VALIDITY,
    ROOT_CRL_RENEW,
    CrlPaths,
    crl_status,
    load_crl,
    publish,
    revoke,
    sign_crl,
)
from egovinfra.pki.inventory import list_certificates
from egovinfra.pki.keys import load_cert
from egovinfra.pki.metrics import render_metrics

DOMAIN = "intranet.gov.example"


@pytest.fixture
def pki_dir(tmp_path: Path) -> Path:
    base = tmp_path / "pki"
    init_pki("example", DOMAIN, base)
    for name in ("gw-a", "gw-b"):
        issue(f"{name}.{DOMAIN}", base)
    publish(base)
    return base


def _serials(path: Path) -> set[int]:
    return {entry.serial_number for entry in load_crl(path)}


def test_first_crl_is_empty_signed_by_the_issuing_ca_and_the_root_signs_its_own(pki_dir: Path) -> None:
    layout, paths = PkiLayout(pki_dir), CrlPaths(pki_dir)
    issuing, root = load_crl(paths.crl), load_crl(paths.root_crl)
    assert len(issuing) == 0 and len(root) == 0
    assert issuing.is_signature_valid(load_cert(layout.issuing_ca.cert).public_key())  # type: ignore[arg-type]
    assert root.is_signature_valid(load_cert(layout.root_ca.cert).public_key())  # type: ignore[arg-type]
    assert issuing.issuer == load_cert(layout.issuing_ca.cert).subject
    assert root.issuer == load_cert(layout.root_ca.cert).subject


def test_revoke_lists_every_certificate_of_the_identity_and_removes_them(pki_dir: Path) -> None:
    fqdn = f"gw-a.{DOMAIN}"
    layout = PkiLayout(pki_dir)
    old = load_cert(layout.host_current(fqdn).cert).serial_number
    rotate(fqdn, pki_dir)
    new = load_cert(layout.host_current(fqdn).cert).serial_number
    before = load_crl(CrlPaths(pki_dir).crl)
    serials = revoke(fqdn, pki_dir, "key_compromise")
    assert set(serials) == {f"{old:x}", f"{new:x}"}
    after = load_crl(CrlPaths(pki_dir).crl)
    assert _serials(CrlPaths(pki_dir).crl) == {old, new}
    number = after.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert number == before.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number + 1
    for entry in after:
        assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    # Nothing left to load or to leak: keys gone, certificates kept only as evidence.
    assert not layout.host_current(fqdn).cert.exists() and not layout.host_current(fqdn).key.exists()
    assert not (layout.hosts_dir / fqdn).exists()
    assert CrlPaths(pki_dir).identities.read_text() == f"{fqdn}\n"
    # The neighbour is untouched and not in the CRL.
    other = load_cert(layout.host_current(f"gw-b.{DOMAIN}").cert).serial_number
    assert other not in _serials(CrlPaths(pki_dir).crl)


def test_reissued_identity_gets_a_serial_the_crl_does_not_list(pki_dir: Path) -> None:
    fqdn = f"gw-a.{DOMAIN}"
    revoke(fqdn, pki_dir, "superseded")
    fresh = load_cert(issue(fqdn, pki_dir).cert).serial_number
    publish(pki_dir)
    assert fresh not in _serials(CrlPaths(pki_dir).crl)
    assert len(_serials(CrlPaths(pki_dir).crl)) == 1


def test_publish_carries_entries_over_with_a_fresh_next_update(pki_dir: Path) -> None:
    revoke(f"gw-a.{DOMAIN}", pki_dir, "key_compromise")
    entries = _serials(CrlPaths(pki_dir).crl)
    later = datetime.now(UTC) + timedelta(days=20)
    publish(pki_dir, now=later)
    crl = load_crl(CrlPaths(pki_dir).crl)
    assert {e.serial_number for e in crl} == entries
    assert crl.next_update_utc is not None
    assert abs(crl.next_update_utc - (later + CRL_VALIDITY)) < timedelta(seconds=2)


def test_entries_of_expired_certificates_are_dropped(pki_dir: Path) -> None:
    fqdn = f"gw-c.{DOMAIN}"
    issue(fqdn, pki_dir, validity=timedelta(days=2))
    revoke(fqdn, pki_dir, "cessation_of_operation")
    assert len(load_crl(CrlPaths(pki_dir).crl)) == 1
    publish(pki_dir, now=datetime.now(UTC) + timedelta(days=3))
    assert len(load_crl(CrlPaths(pki_dir).crl)) == 0


def test_a_crl_signed_by_another_ca_is_refused(pki_dir: Path) -> None:
    now = datetime.now(UTC)
    stranger = build_issuing(build_root("other", now), "other", DOMAIN, now)
    forged = sign_crl(stranger, [], 99, now)
    from cryptography.hazmat.primitives import serialization

    CrlPaths(pki_dir).crl.write_bytes(forged.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(PkiError, match="not signed by this PKI's issuing CA"):
        publish(pki_dir)


def test_revoking_an_identity_without_certificate_is_an_error(pki_dir: Path) -> None:
    with pytest.raises(PkiError, match="holds no certificate"):
        revoke(f"gw-z.{DOMAIN}", pki_dir, "key_compromise")


def test_root_crl_is_renewed_only_when_due(pki_dir: Path) -> None:
    path = CrlPaths(pki_dir).root_crl
    first = path.read_bytes()
    publish(pki_dir, now=datetime.now(UTC) + timedelta(days=10))
    assert path.read_bytes() == first
    root_next = load_crl(path).next_update_utc
    assert root_next is not None
    publish(pki_dir, now=root_next - ROOT_CRL_RENEW + timedelta(days=1))
    assert path.read_bytes() != first


def test_status_flags_a_crl_near_its_next_update(pki_dir: Path) -> None:
    status = crl_status(pki_dir)
    assert status is not None and not status.due
    assert status.days_left in (29, 30)
    late = crl_status(pki_dir, now=datetime.now(UTC) + CRL_VALIDITY - timedelta(days=3))
    assert late is not None and late.due


def test_metrics_expose_the_next_update_and_certificate_ends(pki_dir: Path) -> None:
    revoke(f"gw-a.{DOMAIN}", pki_dir, "key_compromise")
    status = crl_status(pki_dir)
    assert status is not None
    text = render_metrics(pki_dir, list_certificates(pki_dir))
    expected = f'egovinfra_pki_crl_next_update_timestamp_seconds{{ca="issuing"}} {status.next_update.timestamp():.0f}'
    assert expected in text.splitlines()
    assert "egovinfra_pki_revoked_certificates 1" in text.splitlines()
    assert f'identity="gw-b.{DOMAIN}"' in text


def _cli(*args: str, pki_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVINFRA_PKI")}
    return subprocess.run(
        [sys.executable, "-m", "egovinfra", "pki", *args, "--pki-dir", str(pki_dir)],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip


def test_cli_revoke_then_list_shows_the_revoked_certificate(tmp_path: Path) -> None:
    base = tmp_path / "pki"
    assert _cli("init", pki_dir=base).returncode == 0
    assert _cli("issue", "gw.minfi.intranet.gov.cm", pki_dir=base).returncode == 0
    serial = f"{load_cert(PkiLayout(base).host_current('gw.minfi.intranet.gov.cm').cert).serial_number:x}"
    bad = _cli("revoke", "gw.minfi.intranet.gov.cm", "--reason", "stolen", pki_dir=base)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--reason 'stolen'" in bad.stderr
    done = _cli("revoke", "gw.minfi.intranet.gov.cm", "--reason", "key_compromise", pki_dir=base)
    assert done.returncode == 0, done.stderr
    listed = _cli("list", pki_dir=base).stdout
    assert any(line.startswith("revoked") and serial in line for line in listed.splitlines()), listed
    rows = json.loads(_cli("list", "--json", pki_dir=base).stdout)
    revoked = [r for r in rows if r["role"] == "revoked"]
    assert [(r["san"], r["serial"], r["reason"]) for r in revoked] == [
        (["gw.minfi.intranet.gov.cm"], serial, "key_compromise")
    ]
    crl_row = next(r for r in rows if r["role"] == "crl")
    assert crl_row["number"] == 2 and crl_row["due"] is False
    metrics = tmp_path / "pki.prom"
    assert _cli("list", "--check", "--metrics", str(metrics), pki_dir=base).returncode == 0
    assert "egovinfra_pki_revoked_certificates 1" in metrics.read_text()


def test_cli_check_fails_when_the_crl_is_due(tmp_path: Path) -> None:
    base = tmp_path / "pki"
    init_pki("example", "intranet.gov.cm", base)
    publish(base, now=datetime.now(UTC) - CRL_VALIDITY + timedelta(days=2))
    result = _cli("list", "--check", pki_dir=base)
    assert result.returncode == 1
    assert "DUE" in result.stdout


def test_hubs_check_ministry_gateways_strictly_and_nothing_else() -> None:
    """Derived from the tunnels' kinds: the hub end of a certificate-authenticated site tunnel."""
    plan = compile_loaded(load_topology(None))
    hubs = {dc.hub for dc in plan.datacenters}
    for tunnel in plan.vpn.tunnels:
        for end in tunnel.ends:
            strict = tunnel.kind == "site" and end.host in hubs and end.auth == "pubkey"
            assert end.revocation == ("strict" if strict else "relaxed"), (tunnel.name, end.host)
    assert any(end.revocation == "strict" for t in plan.vpn.tunnels for end in t.ends)
