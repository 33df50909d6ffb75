"""The directory's lifecycle on a converged lab, through converges of the ldap role.

A password a person changed survives a converge; a person removed from the topology is
disabled (no login, out of the people branch the services search), then deleted once the
topology's grace period is over; put back in the topology, the person comes back with the
initial password. Needs a converged lab of the default topology (as test_broken_flow); its state
folder is EGOVINFRA_LAB_DIR or the default one. The lab is left as the topology describes it.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from egovinfra.compile.plan import Plan
from egovinfra.lab.access import LabAccess
from egovinfra.verify.groupware import password
from tests.conftest import DEFAULT_TOPOLOGY
from tests.support.converged_lab import no_lab

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def lab(plan: Plan, access: LabAccess) -> LabAccess:
    """The converged lab, its directory provider answering."""
    provider = plan.replication("directory").primary
    if access.ssh(provider, "ldapsearch -LLL -Q -Y EXTERNAL -H ldapi:/// -s base -b '' namingContexts").returncode:
        no_lab("the lab is not converged (no directory)")
    return access


def _converge_ldap(provider: str, inventory: Path, lab_dir: Path) -> None:
    cmd = [sys.executable, "-m", "egovinfra", "converge", "--inventory", str(inventory), "--lab-dir", str(lab_dir),
           "--limit", provider, "--tags", "ldap", "--reports", str(lab_dir / "reports-lifecycle")]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]


def _binds(access: LabAccess, host: str, dn: str, secret: str) -> bool:
    return access.ssh(host, f"ldapwhoami -H ldapi:/// -x -D {shlex.quote(dn)} -w {shlex.quote(secret)}").returncode == 0


def _search(access: LabAccess, host: str, base: str, uid: str) -> str:
    return access.must(host, f"ldapsearch -LLL -Q -Y EXTERNAL -H ldapi:/// -b {shlex.quote(base)} uid={uid} dn")


def _topology_without(tmp_path: Path, uid: str, grace: int) -> Path:
    copy = tmp_path / "topology"
    shutil.copytree(DEFAULT_TOPOLOGY, copy)
    for site_file in (copy / "sites").glob("*.yaml"):
        data = yaml.safe_load(site_file.read_text())
        users = data.get("users", [])
        if any(u["uid"] == uid for u in users):
            data["users"] = [u for u in users if u["uid"] != uid]
            site_file.write_text(yaml.safe_dump(data, allow_unicode=True))
    main = copy / "topology.yaml"
    data = yaml.safe_load(main.read_text())
    data["directory"] = {"removal_grace_days": grace}
    main.write_text(yaml.safe_dump(data, allow_unicode=True))
    return copy


def _inventory(topology: Path, out: Path) -> Path:
    cmd = [sys.executable, "-m", "egovinfra", "inventory", str(topology), "--out", str(out), "--env", "lab"]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def test_changed_password_kept_departed_disabled_then_removed(
    plan: Plan,
    lab: LabAccess,
    tmp_path: Path,
) -> None:
    access = lab
    provider = plan.replication("directory").primary
    person = plan.directory.people[-1]
    dn = plan.directory.dn(person)
    initial = password(plan, person.uid)
    home = Path("inventories/lab")
    lab_dir = access.lab_dir
    try:
        # 1. The person changes their password; a converge keeps it.
        access.must(provider, f"ldappasswd -H ldapi:/// -x -D {shlex.quote(dn)} -w {shlex.quote(initial)} -s Mine-42")
        _converge_ldap(provider, home, lab_dir)
        assert _binds(access, provider, dn, "Mine-42") and not _binds(access, provider, dn, initial)

        # 2. Removed from the topology (grace 30 days): disabled, kept under ou=disabled.
        inventory = _inventory(_topology_without(tmp_path, person.uid, 30), tmp_path / "inv-grace")
        _converge_ldap(provider, inventory, lab_dir)
        assert not _search(access, provider, plan.directory.people_dn, person.uid).strip()
        assert _search(access, provider, plan.directory.disabled_dn, person.uid).strip()
        assert not _binds(access, provider, f"uid={person.uid},{plan.directory.disabled_dn}", "Mine-42")

        # 3. The grace period over (0 days): the entry is deleted.
        inventory = _inventory(_topology_without(tmp_path / "zero", person.uid, 0), tmp_path / "inv-zero")
        _converge_ldap(provider, inventory, lab_dir)
        assert not _search(access, provider, plan.directory.disabled_dn, person.uid).strip()
    finally:
        # 4. Back in the topology: a fresh entry with the initial password, as before the test.
        _converge_ldap(provider, home, lab_dir)
    assert _binds(access, provider, dn, initial)
