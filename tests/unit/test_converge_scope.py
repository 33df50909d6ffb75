"""`egovinfra converge --changed-since`: which hosts a change touches."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from egovinfra.cli.changes import EVERYTHING, changed_paths, limit_for, tags_for

INV = "inventories/production"


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ([], None),
        (["docs/dr.md", "README.md"], None),
        ([f"{INV}/host_vars/minfi-gw.yml", f"{INV}/host_vars/yde-hub.yml"], "minfi-gw,yde-hub"),
        (["roles/nftables/templates/etc/nftables.conf.j2", f"{INV}/host_vars/minfi-gw.yml"], "minfi-gw,role_nftables"),
        ([f"{INV}/group_vars/all.yml"], EVERYTHING),
        (["playbooks/site.yml"], EVERYTHING),
        (["inventories/lab/host_vars/minfi-gw.yml"], None),  # another inventory
    ],
)
def test_limit_follows_what_changed(paths: list[str], expected: str | None) -> None:
    assert limit_for(paths, INV) == expected


def test_changed_paths_come_from_git(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.txt").write_text("1")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    (tmp_path / "a.txt").write_text("2")
    (tmp_path / "b.txt").write_text("new")
    assert changed_paths("HEAD", tmp_path) == ["a.txt", "b.txt"]


ROLES = {"common", "nftables", "ipsec", "postgresql", "pki", "tlscert"}


def _repo(tmp_path: Path, host_vars: str) -> tuple[Path, str]:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    path = f"{INV}/host_vars/minfi-gw.yml"
    (tmp_path / path).parent.mkdir(parents=True)
    (tmp_path / path).write_text(host_vars)
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    return tmp_path, path


BEFORE = "ansible_host: 10.0.0.2\nnftables_rules: [a]\nipsec_peers: [x]\ncommon_hostname: minfi-gw\n"


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # one site's access list: the firewall role only
        ("ansible_host: 10.0.0.2\nnftables_rules: [a, b]\nipsec_peers: [x]\ncommon_hostname: minfi-gw\n", "nftables"),
        # a new variable of a role counts as a change of that role
        (BEFORE + "pki_days: 30\n", "pki"),
        # two roles
        ("ansible_host: 10.0.0.2\nnftables_rules: []\nipsec_peers: []\ncommon_hostname: minfi-gw\n", "ipsec,nftables"),
        # a variable of no role: every role
        ("ansible_host: 10.0.0.9\nnftables_rules: [a]\nipsec_peers: [x]\ncommon_hostname: minfi-gw\n", None),
        # the longest prefix wins: tlscert_ is not taken for a role named tls
        (BEFORE + "tlscert_units: [nginx]\n", "tlscert"),
    ],
)
def test_roles_follow_the_variables_that_changed(tmp_path: Path, after: str, expected: str | None) -> None:
    root, path = _repo(tmp_path, BEFORE)
    (root / path).write_text(after)
    assert tags_for([path], INV, "HEAD", root, ROLES | {"tls"}) == expected


def test_a_new_host_or_a_shared_file_runs_every_role(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path, BEFORE)
    new = f"{INV}/host_vars/minsante-gw.yml"
    (root / new).write_text(BEFORE)
    assert tags_for([new], INV, "HEAD", root, ROLES) is None
    assert tags_for([f"{INV}/group_vars/all.yml"], INV, "HEAD", root, ROLES) is None
    assert tags_for(["playbooks/site.yml"], INV, "HEAD", root, ROLES) is None


def test_a_role_s_own_files_name_that_role(tmp_path: Path) -> None:
    root, path = _repo(tmp_path, BEFORE)
    (root / path).write_text(BEFORE.replace("[a]", "[a, b]"))
    changed = [path, "roles/ipsec/templates/etc/swanctl/swanctl.conf.j2"]
    assert tags_for(changed, INV, "HEAD", root, ROLES) == "ipsec,nftables"
