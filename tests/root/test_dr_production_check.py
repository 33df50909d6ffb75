"""`egovinfra dr failover --check` against the production inventory, from a machine that reaches
none of its hosts: it prints the plan and says so plainly, without a traceback. It runs in a
network namespace of its own with no interface up, so not one packet leaves for the
production addresses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.root


@pytest.mark.parametrize("action", ["failover", "switchover", "failback", "status"])
def test_dr_against_an_unreachable_production(action: str, tmp_path: Path) -> None:
    check = [] if action == "status" else ["--check"]
    argv = ["unshare", "--net", "--", sys.executable, "-m", "egovinfra", "dr", action]
    argv += ["--inventory", "inventories/production", "--reports", str(tmp_path), *check]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output
    assert "no host answers" in output
    assert "yde" in output and "dla" in output
    assert "refused:" in output  # nothing could be done, and it says why
