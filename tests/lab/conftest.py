"""Root tests of the lab: they boot real nspawn hosts in network namespaces, or use the
converged lab of the default topology that `nox -s lab` brought up."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from egovinfra.cli.topology_cmds import load_plan
from egovinfra.compile.plan import Plan
from egovinfra.errors import EgovinfraError
from egovinfra.lab.access import LabAccess, lab_access
from tests.support.converged_lab import no_lab


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip everything here unless run as root on a machine with nspawn and ip."""
    missing = [tool for tool in ("systemd-nspawn", "ip", "debootstrap") if not shutil.which(tool)]
    reason = None
    if os.geteuid() != 0:
        reason = "lab tests need root"
    elif missing:
        reason = f"lab tests need {', '.join(missing)}"
    for item in items:
        item.add_marker(pytest.mark.root)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def plan() -> Plan:
    """The default topology's Plan, as the lab was converged from it."""
    return load_plan(None)


@pytest.fixture(scope="module")
def access(plan: Plan) -> LabAccess:
    """The running lab (its state folder is $EGOVINFRA_LAB_DIR or the default one), converged:
    its first host holds the egovinfra firewall table."""
    directory = os.environ.get("EGOVINFRA_LAB_DIR")
    try:
        found = lab_access(plan.name, Path(directory) if directory else None)
    except EgovinfraError as exc:
        no_lab(str(exc))
    if found.ssh(next(iter(found.hosts())), "nft list table inet egovinfra").returncode != 0:
        no_lab("the lab is not converged (no egovinfra firewall table)")
    return found
