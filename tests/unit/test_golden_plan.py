"""Golden transformation: a small topology and the plan it must compile to, reviewed by hand."""

from __future__ import annotations

import json
from dataclasses import asdict

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from tests.conftest import CASES

# The address plan proper; later stages (policy, tunnels) have golden checks of their own.
KEYS = ("datacenters", "sites", "hosts", "services", "flows", "pools")


def test_minimal_topology_compiles_to_its_golden_plan() -> None:
    plan = compile_plan(load_topology(CASES / "valid" / "minimal.yaml").topology)
    got = {k: v for k, v in asdict(plan).items() if k in KEYS}
    expected = json.loads((CASES / "golden" / "minimal.plan.json").read_text())
    assert json.loads(json.dumps(got)) == expected
