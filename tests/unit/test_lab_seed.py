"""Seeding a lab host's root: identity once, and a restart never undoes what a converge added."""

from __future__ import annotations

from pathlib import Path

from egovinfra.lab.nspawn import seed_host


def _root(tmp_path: Path) -> Path:
    merged = tmp_path / "merged"
    (merged / "etc" / "ssh").mkdir(parents=True)
    (merged / "root").mkdir()
    (merged / "etc" / "hosts").write_text("127.0.0.1\tlocalhost\n127.0.1.1\timage-builder\n")
    (merged / "etc" / "machine-id").write_text("")
    return merged


def test_a_new_host_gets_its_name_and_keys(tmp_path: Path) -> None:
    merged = _root(tmp_path)
    public = seed_host(merged, "yde-mail", "ssh-ed25519 AAAA operator")
    assert (merged / "etc" / "hostname").read_text() == "yde-mail\n"
    assert "127.0.1.1\tyde-mail" in (merged / "etc" / "hosts").read_text().splitlines()
    assert "image-builder" not in (merged / "etc" / "hosts").read_text()
    assert public.startswith("ssh-ed25519 ")
    assert (merged / "etc" / "machine-id").read_text().strip()


def test_a_restart_keeps_the_names_a_role_added_and_the_host_key(tmp_path: Path) -> None:
    merged = _root(tmp_path)
    first = seed_host(merged, "yde-mail", "ssh-ed25519 AAAA operator")
    hosts = merged / "etc" / "hosts"
    block = "# BEGIN egovinfra mail\n10.1.3.11 ldap.yde.intranet.gov.cm\n# END egovinfra mail\n"
    hosts.write_text(hosts.read_text() + block)
    again = seed_host(merged, "yde-mail", "ssh-ed25519 AAAA operator")
    assert block in hosts.read_text()
    assert again == first
