"""The administrators drill's own parts: whom it declares, where it works, what counts as passed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from egovinfra.cli.lab_security import declare_administrators
from egovinfra.compile import compile_loaded
from egovinfra.lab import admin_drill
from egovinfra.lab.errors import LabError
from egovinfra.model import load_topology
from tests.conftest import DEFAULT_TOPOLOGY


def test_the_drill_s_people_are_added_to_a_copy_beside_the_topology_s_own(tmp_path: Path) -> None:
    people = admin_drill.make_admins(tmp_path)
    assert all(p.private_key.stat().st_mode & 0o077 == 0 for p in people)  # private keys: owner only
    copy = tmp_path / "topology"
    shutil.copytree(DEFAULT_TOPOLOGY, copy)
    own = [a.login for a in load_topology(DEFAULT_TOPOLOGY).topology.administrators]
    declare_administrators(DEFAULT_TOPOLOGY, copy, people)
    loaded = load_topology(copy)  # still valid: anchors, comments and the rest kept
    assert [a.login for a in loaded.topology.administrators] == [*own, admin_drill.KEEP, admin_drill.GONE]
    declare_administrators(DEFAULT_TOPOLOGY, copy, people[:1])
    assert [a.login for a in load_topology(copy).topology.administrators] == [*own, admin_drill.KEEP]
    # The committed topology is never the one edited.
    assert [a.login for a in load_topology(DEFAULT_TOPOLOGY).topology.administrators] == own


def test_the_drill_works_on_a_host_of_the_active_datacenter_and_its_bastion() -> None:
    loaded = load_topology(DEFAULT_TOPOLOGY)
    plan = compile_loaded(loaded)
    host, bastion = admin_drill.pick_target(plan)
    assert host.scope == bastion.scope == plan.active.name
    assert "bastion" in bastion.roles and "bastion" not in host.roles
    with pytest.raises(LabError):
        admin_drill.pick_target(plan, bastion.name)
    with pytest.raises(LabError):
        admin_drill.pick_target(plan, plan.sites[0].gateway)


def test_the_drill_passes_only_when_every_expectation_held() -> None:
    report = admin_drill.AdminReport("yde-db", "yde-bastion", ("yde-mon", "dla-mon"))
    for name in (
        "login_through_bastion",
        "direct_login_refused",
        "root_login_refused",
        "converged_as_admin",
        "removed_login_refused",
        "removed_account_gone",
        "kept_login_works",
    ):
        setattr(report, name, True)
    report.sudo_logged_after = {"yde-mon": 1.0, "dla-mon": None}
    assert not report.ok  # one log host never saw the sudo line
    report.sudo_logged_after["dla-mon"] = 2.0
    assert report.ok
    report.removed_login_refused = False
    assert not report.ok
