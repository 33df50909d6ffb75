"""Expiry reporting lists every certificate and flags those near their end."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from egovinfra.pki import init_pki, issue, list_certificates, rotate

DOMAIN = "intranet.gov.example"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def pki_dir(tmp_path: Path) -> Path:
    base = tmp_path / "pki"
    init_pki("example", DOMAIN, base, now=NOW)
    return base


def test_lists_cas_and_hosts_with_their_details(pki_dir: Path) -> None:
    issue("b.intranet.gov.example", pki_dir, now=NOW)
    issue("a.intranet.gov.example", pki_dir, now=NOW)
    records = list_certificates(pki_dir, now=NOW)
    assert [(r.role, r.san) for r in records] == [
        ("root", ()),
        ("issuing", ()),
        ("current", ("a.intranet.gov.example",)),
        ("current", ("b.intranet.gov.example",)),
    ]
    leaf = records[2]
    assert leaf.subject == "CN=a.intranet.gov.example"
    assert leaf.not_after == NOW + timedelta(days=365)
    assert leaf.days_left == 365
    assert int(leaf.serial, 16) > 0
    assert not any(r.expiring for r in records)


def test_flags_a_certificate_expiring_soon(pki_dir: Path) -> None:
    issue("soon.intranet.gov.example", pki_dir, validity=timedelta(days=10), now=NOW)
    issue("later.intranet.gov.example", pki_dir, now=NOW)
    by_san = {r.san: r for r in list_certificates(pki_dir, window_days=30, now=NOW)}
    soon = by_san[("soon.intranet.gov.example",)]
    assert soon.days_left == 10
    assert soon.expiring
    assert not by_san[("later.intranet.gov.example",)].expiring
    # The window is configurable: 10 days left is not "expiring" within a 5-day window.
    narrow = {r.san: r for r in list_certificates(pki_dir, window_days=5, now=NOW)}
    assert not narrow[("soon.intranet.gov.example",)].expiring


def test_reports_days_left_as_time_passes(pki_dir: Path) -> None:
    issue("gw.intranet.gov.example", pki_dir, validity=timedelta(days=10), now=NOW)
    later = NOW + timedelta(days=12)
    (record,) = [r for r in list_certificates(pki_dir, now=later) if r.role == "current"]
    assert record.days_left < 0
    assert record.expiring


def test_lists_previous_certificate_after_rotation(pki_dir: Path) -> None:
    issue("gw.intranet.gov.example", pki_dir, now=NOW)
    rotate("gw.intranet.gov.example", pki_dir, now=NOW + timedelta(days=1))
    roles = [r.role for r in list_certificates(pki_dir, now=NOW) if r.san]
    assert roles == ["current", "previous"]


def test_leaf_never_outlives_its_issuing_ca(pki_dir: Path) -> None:
    issue("gw.intranet.gov.example", pki_dir, validity=timedelta(days=20000), now=NOW)
    records = {r.role: r for r in list_certificates(pki_dir, now=NOW)}
    assert records["current"].not_after == records["issuing"].not_after


def test_empty_directory_lists_nothing(tmp_path: Path) -> None:
    assert list_certificates(tmp_path) == []
