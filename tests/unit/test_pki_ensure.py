"""`egovinfra pki ensure`: every certificate the Plan's hosts need, issued once."""

from __future__ import annotations

from pathlib import Path

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.pki import PkiLayout
from egovinfra.pki.issue import dns_names
from egovinfra.pki.keys import load_cert
from egovinfra.render.assignments import ansible_roles
from tests.conftest import DEFAULT_TOPOLOGY


def test_ensure_issues_what_the_hosts_need_and_is_idempotent(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pki_dir = tmp_path / "pki"
    first = cli("pki", "ensure", "--pki-dir", str(pki_dir))
    assert first.code == 0, first.stderr
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    layout = PkiLayout(pki_dir)
    gateways = {h.fqdn for h in plan.hosts if "pki" in ansible_roles(h, plan)}
    assert "gw.minfi.intranet.gov.cm" in gateways
    assert "gw.minrex.intranet.gov.cm" not in gateways  # a vendor edge enrolls on its own box
    for fqdn in gateways:
        assert layout.host_current(fqdn).cert.is_file()
    before = {p: p.stat().st_mtime_ns for p in pki_dir.rglob("*.pem")}
    second = cli("pki", "ensure", "--pki-dir", str(pki_dir))
    assert second.code == 0
    assert "0 issued now" in second.stdout
    assert {p: p.stat().st_mtime_ns for p in pki_dir.rglob("*.pem")} == before


def test_a_certificate_issued_before_its_host_had_a_service_name_is_signed_again_with_it(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path
) -> None:
    """A deployment whose database certificates predate the alias SOGo connects to (verify-full
    would refuse them): ensure adds the name and keeps the key, and touches nothing else."""
    pki_dir = tmp_path / "pki"
    assert cli("pki", "init", "--pki-dir", str(pki_dir)).code == 0
    assert cli("pki", "issue", "db.yde.intranet.gov.cm", "--pki-dir", str(pki_dir)).code == 0  # no alias
    layout = PkiLayout(pki_dir)
    db = layout.host_current("db.yde.intranet.gov.cm")
    key_before = db.key.read_bytes()
    assert dns_names(load_cert(db.cert)) == ("db.yde.intranet.gov.cm",)
    first = cli("pki", "ensure", "--pki-dir", str(pki_dir))
    assert first.code == 0, first.stderr
    assert "db.yde.intranet.gov.cm" in first.stdout.split("lacked:")[1]
    assert dns_names(load_cert(db.cert)) == ("db.yde.intranet.gov.cm", "groupware-db.intranet.gov.cm")
    assert db.key.read_bytes() == key_before
    before = {p: p.stat().st_mtime_ns for p in pki_dir.rglob("*.pem")}
    second = cli("pki", "ensure", "--pki-dir", str(pki_dir))
    assert "lacked" not in second.stdout
    assert {p: p.stat().st_mtime_ns for p in pki_dir.rglob("*.pem")} == before
