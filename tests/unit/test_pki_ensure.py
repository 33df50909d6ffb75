"""`egovinfra pki ensure`: every certificate the Plan's hosts need, issued once."""

from __future__ import annotations

from pathlib import Path

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.pki import PkiLayout
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
