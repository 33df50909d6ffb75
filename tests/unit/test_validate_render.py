"""Whatever render could refuse, validate reports first, located: validate exit 0 ⇒ render succeeds."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egovinfra.compile import compile_loaded
from egovinfra.model import load_topology
from egovinfra.model.problems import TopologyError
from egovinfra.render import render_all
from egovinfra.render.vendor import render_vendor
from egovinfra.render.vendor.dialects import DIALECTS
from tests.conftest import DEFAULT_TOPOLOGY
from tests.support.topogen import deployments


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    topology = tmp_path / "topology"
    shutil.copytree(DEFAULT_TOPOLOGY, topology)
    main = topology / "topology.yaml"
    text = main.read_text()
    assert old in text
    main.write_text(text.replace(old, new))
    return topology


def test_validate_reports_a_missing_replication_flow(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """The issue's case: without `datacenter-replication`, validate passed and render failed."""
    topology = _edited(tmp_path, "    to: [replication]", "    to: [ping]")  # the flow carries it no more
    result = cli("validate", str(topology))
    assert result.code == 2, result.stdout
    assert "database replication: no flow lets dla-db (10.2.3.10) reach tcp/5432" in result.stderr
    assert "directory replication" in result.stderr and "filestore replication" in result.stderr
    assert "topology.yaml:" in result.stderr  # located


def test_validate_reports_two_databases_in_the_primary(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    topology = _edited(
        tmp_path,
        "      db: {zone: data, id: 10, roles: [database], description: PostgreSQL}\n",
        "      db: {zone: data, id: 10, roles: [database], description: PostgreSQL}\n"
        "      db2: {zone: data, id: 20, roles: [database]}\n",
    )
    result = cli("validate", str(topology))
    assert result.code == 2, result.stdout
    assert "database: the primary datacenter needs exactly one host doing it, found yde-db, yde-db2" in result.stderr


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(deployments())
def test_a_topology_that_validates_renders(raw: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "topology.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        try:
            plan = compile_loaded(load_topology(path))
        except TopologyError as exc:
            refused = exc.problems
        else:
            render_all(plan)  # must not raise
            for dialect in DIALECTS if plan.policy.edges else ():  # nor `egovinfra vendor --vendor <any>`
                render_vendor(plan, dialect)
            return
    assert all(p.file and p.line for p in refused)  # refused, and located


def test_validate_reports_a_flow_name_no_vendor_edge_can_write(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A term of minrex's vendor edge named longer than a dialect takes: `vendor` failed after validate passed."""
    long = "ministries-to-the-groupware-of-the-government-intranet-a"  # 56 characters, a valid DNS label
    topology = _edited(tmp_path, "  ministries-to-groupware:", f"  {long}:")
    result = cli("validate", str(topology))
    assert result.code == 2, result.stdout
    line = (topology / "topology.yaml").read_text().splitlines().index(f"  {long}:") + 1
    assert f"topology.yaml:{line}: flows.{long}: the vendor edge of minrex names this flow's term " in result.stderr
    assert f"'{long}-groupware-https-tcp', 76 characters; vendor firewalls accept 51" in result.stderr
    assert "(hint: shorten the flow's name or the service 'groupware-https' by 25)" in result.stderr
    assert cli("vendor", str(topology), "--out", str(tmp_path / "out")).code == 2
    assert not (tmp_path / "out").exists()


# DNS labels of every length a label may have, evenly (a regex strategy favours short ones).
LABELS = st.integers(0, 62).flatmap(lambda n: st.from_regex(rf"[a-z][a-z0-9]{{{n}}}", fullmatch=True))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LABELS)
def test_any_flow_name_that_validates_renders_in_every_vendor_dialect(name: str) -> None:
    """The default topology's site flow renamed: refused at that flow, or written by every dialect."""
    with tempfile.TemporaryDirectory() as folder:
        topology = Path(folder) / "topology"
        shutil.copytree(DEFAULT_TOPOLOGY, topology)
        main = topology / "topology.yaml"
        main.write_text(main.read_text().replace("  ministries-to-groupware:", f"  {name}:"))
        try:
            plan = compile_loaded(load_topology(topology))
        except TopologyError as exc:
            refused = exc.problems
        else:
            for dialect in DIALECTS:
                render_vendor(plan, dialect)
            return
    # refused at that flow (YAML may read a short name as another type: `no` is false), located
    assert all(p.path[0] == "flows" and len(p.path) == 2 and p.line for p in refused), refused
