"""`egovinfra dr failover --check` against the production inventory, from a machine that reaches
none of its hosts: it prints the plan and says so plainly, without a traceback. It runs in a
network namespace of its own with no interface up, so not one packet leaves for the
production addresses, and as an operator does: as an administrator the topology declares."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from egovinfra.model import load_topology

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.root


@pytest.mark.parametrize("action", ["failover", "switchover", "failback", "status"])
def test_dr_against_an_unreachable_production(action: str, tmp_path: Path) -> None:
    check = [] if action == "status" else ["--check"]
    argv = ["unshare", "--net", "--", sys.executable, "-m", "egovinfra", "dr", action]
    argv += ["--inventory", "inventories/production", "--reports", str(tmp_path), *check]
    operator = load_topology(ROOT / "topology" / "cameroon").topology.administrators[0].login
    env = {**os.environ, "EGOVINFRA_OPERATOR": operator}
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output
    assert "no host answers" in output
    assert "yde" in output and "dla" in output
    assert "refused:" in output  # nothing could be done, and it says why


def test_dr_without_an_operator_account_says_which_to_give(tmp_path: Path) -> None:
    """No --user, no $EGOVINFRA_OPERATOR: refused before anything runs, exit 2, no traceback."""
    argv = ["unshare", "--net", "--", sys.executable, "-m", "egovinfra", "dr", "failover", "--check"]
    argv += ["--inventory", "inventories/production", "--reports", str(tmp_path)]
    env = {k: v for k, v in os.environ.items() if k != "EGOVINFRA_OPERATOR"}
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output
    assert "EGOVINFRA_OPERATOR" in output
