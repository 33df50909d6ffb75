"""What each datacenter needs of the project's quotas, and the warning beyond the defaults."""

from __future__ import annotations

import subprocess
import sys

from egovinfra.cloud.preview import run_preview
from egovinfra.cloud.quotas import quota_needs
from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from tests.conftest import DEFAULT_TOPOLOGY
from tests.support.cloud import ROOT, default_preview


def _needs(preview_needs: list) -> dict[str, int]:  # type: ignore[type-arg]
    return {q.quota: q.needed for q in preview_needs}


def test_the_default_topology_fits_default_quotas_thanks_to_address_groups() -> None:
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    for role in ("primary", "secondary"):
        needs = quota_needs(default_preview(role))
        assert not [q for q in needs if q.exceeded], role
        got = _needs(needs)
        (dc,) = [d for d in plan.datacenters if d.role == role]
        servers = [h for h in plan.hosts if h.scope == dc.name]
        assert got["nova server_groups"] == 0 and got["nova instances"] == len(servers)
        assert got["cinder volumes"] == 2 and got["cinder gigabytes"] == 600


def test_one_rule_per_remote_exceeds_neutrons_default_and_is_said() -> None:
    plain = quota_needs(run_preview("primary", config={"addressGroups": False}))
    (rules,) = [q for q in plain if q.quota == "neutron security_group_rule"]
    assert rules.exceeded and rules.default == 100
    result = subprocess.run(
        [sys.executable, "-m", "egovinfra", "preview", "--datacenter", "primary", "--stacks", "/nonexistent"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "nova instances" in result.stdout and "neutron security_group_rule" in result.stdout
