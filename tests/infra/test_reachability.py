"""The reachability matrix with real packets: allowed flows connect, everything else is dropped.

Rows come from the intent (`egovinfra.verify.expectations`), never from the compiled rules.
"""

from __future__ import annotations

import pytest

from egovinfra.verify.context import LabContext
from egovinfra.verify.expectations import Expectation
from egovinfra.verify.probes import verdict
from tests.infra.support import context_of, lab_plan
from tests.infra.traffic import Probed, matrix, packet, row_id, skip_reason


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per row of the matrix."""
    if "row" in metafunc.fixturenames:
        rows = matrix(lab_plan(context_of(metafunc.config).topology))
        metafunc.parametrize("row", rows, ids=[row_id(r) for r in rows])


def describe(row: Expectation) -> str:
    """The row in words, naming the flow that allows it (or saying none does)."""
    source = f"{row.source} ({row.probe})" if row.probe else row.source
    what = f"{source} -> {row.destination} {row.address} {packet(row).label()} [{row.service}]"
    if row.allowed:
        return f"flow {row.flow or row.service}: {what} must connect"
    return f"no flow allows {what}: it must be dropped"


def test_reachability(row: Expectation, traffic: Probed, lab: LabContext) -> None:
    """The packet does what the intent says."""
    reason = skip_reason(row, lab)
    if reason:
        pytest.skip(reason)
    outcome = traffic.outcomes[row]
    first = traffic.first[row]
    retried = f" (first try: {first})" if first != outcome else ""
    assert verdict(row.allowed, outcome), f"{describe(row)}; got {outcome}{retried}"
