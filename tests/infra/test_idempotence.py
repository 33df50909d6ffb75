"""Idempotence: converging an already converged lab changes nothing on any host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from egovinfra.verify.context import LabContext


def test_second_converge_changes_nothing(lab: LabContext) -> None:
    """The converge run just before the suites reports changed=0 (and no failure) everywhere."""
    if lab.converge_summary is None:
        pytest.skip("no converge run with this verify (it was called with --no-converge)")
    summary = json.loads(Path(lab.converge_summary).read_text())
    hosts: dict[str, dict[str, int]] = summary["hosts"]
    assert hosts, f"{lab.converge_summary}: the converge reached no host"
    assert summary["rc"] == 0, f"the converge failed ({summary['status']}), see {lab.converge_summary}"
    changed = {h: c["changed"] for h, c in hosts.items() if c["changed"]}
    assert not changed, f"a second converge changed things: {changed} (events next to {lab.converge_summary})"
