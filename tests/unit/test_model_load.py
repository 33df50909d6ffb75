"""Loading: folders and single files, merged site files, line numbers, the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from egovinfra.model import TopologyError, load_topology
from tests.conftest import CASES, DEFAULT_TOPOLOGY


def test_default_topology_is_a_national_scale_example() -> None:
    topo = load_topology(DEFAULT_TOPOLOGY).topology
    assert {dc.role for dc in topo.datacenters.values()} == {"primary", "secondary"}
    assert len(topo.sites) >= 8
    assert {"minpostel", "minfi", "minfopra", "minrex", "minepat", "minjustice", "prc", "spm"} <= set(topo.sites)
    for dc in topo.datacenters.values():
        assert {"dmz", "app", "data", "mgmt"} <= set(dc.zones)
        functions = {role for host in dc.hosts.values() for role in host.roles}
        assert {
            "vpn_hub",
            "groupware_web",
            "groupware_app",
            "database",
            "directory",
            "dns",
            "filestore",
            "bastion",
        } <= functions


def test_every_site_file_is_one_site(tmp_path: Path) -> None:
    files = sorted(p.stem for p in (DEFAULT_TOPOLOGY / "sites").glob("*.yaml"))
    assert sorted(load_topology(DEFAULT_TOPOLOGY).topology.sites) == files


def test_lines_point_into_the_file_that_wrote_them() -> None:
    loaded = load_topology(DEFAULT_TOPOLOGY)
    where = loaded.sources.locate(("sites", "minfi", "id"))
    assert where is not None
    assert where.file.endswith("sites/minfi.yaml")
    text = (DEFAULT_TOPOLOGY / "sites" / "minfi.yaml").read_text().splitlines()
    assert text[where.line - 1].startswith("id:")


def test_a_single_file_topology_loads() -> None:
    loaded = load_topology(CASES / "valid" / "minimal.yaml")
    assert loaded.topology.name == "mini"
    assert list(loaded.topology.sites) == ["agency"]


def test_site_in_file_and_in_topology_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "sites").mkdir()
    (tmp_path / "topology.yaml").write_text((CASES / "valid" / "minimal.yaml").read_text())
    (tmp_path / "sites" / "agency.yaml").write_text("id: 7\ntitle: Twice\n")
    with pytest.raises(TopologyError) as info:
        load_topology(tmp_path)
    assert "defined both here and in topology.yaml" in str(info.value)


def test_model_is_frozen() -> None:
    topo = load_topology(DEFAULT_TOPOLOGY).topology
    with pytest.raises(Exception, match="frozen"):
        topo.name = "other"  # type: ignore[misc]


def test_schema_command_exports_json_schema(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("schema")
    assert result.code == 0
    schema = json.loads(result.stdout)
    assert set(schema["required"]) == {"name", "domain", "addressing", "datacenters"}
    assert schema["additionalProperties"] is False
    site = json.loads(cli("schema", "--site").stdout)
    assert "workstations" in site["properties"]
