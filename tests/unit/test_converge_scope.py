"""`egovinfra converge --changed-since`: which hosts a change touches."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from egovinfra.cli.changes import EVERYTHING, changed_paths, limit_for

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
