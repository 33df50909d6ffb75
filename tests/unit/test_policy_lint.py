"""Policy lint: one small topology per finding class, acceptance, and the CLI contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from egovinfra.compile import compile_loaded
from egovinfra.compile.policy.model import Finding
from egovinfra.model import load_topology

BASE = """\
name: mini
domain: intranet.example.org
addressing: {datacenters: 10.0.0.0/12, sites: 10.64.0.0/10, wan: 100.64.0.0/16, management: 10.128.0.0/11}
datacenters:
  dc1:
    id: 1
    role: primary
    zones: {edge: {index: 0}, app: {index: 1}, mgmt: {index: 2}}
    hosts:
      hub: {zone: edge, id: 2, roles: [vpn_hub]}
      web: {zone: app, id: 10, roles: [bastion]}
  dc2:
    id: 2
    role: secondary
    zones: {edge: {index: 0}, app: {index: 1}, mgmt: {index: 2}}
    hosts:
      hub: {zone: edge, id: 2, roles: [vpn_hub]}
      web: {zone: app, id: 10, roles: [bastion]}
sites:
  agency: {id: 1, title: An agency}
  office: {id: 2, title: An office}
services:
  https: {ports: [tcp/443], roles: [bastion]}
  ssh: {management: true, ports: [tcp/22], roles: [vpn_hub, bastion]}
  everything: {ports: [tcp/1-65535], roles: [bastion]}
  primary-only: {ports: [tcp/8443], hosts: [dc1/web]}
flows:
  agency-web:
    from: {sites: all}
    to: [https]
"""

CASES = {
    "duplicate": "  twice:\n    from: {zones: [app]}\n    to: [https, https]\n",
    "shadowed": "  again:\n    from: {sites: [agency]}\n    to: [https]\n",
    "any-to-any": "  open:\n    from: {zones: [edge, app, mgmt]}\n    to: [everything]\n",
    "management-exposed": "  admin:\n    from: {sites: [agency]}\n    to: [ssh]\n",
    "no-provider": "  dr-only:\n    from: {sites: all}\n    to: [primary-only]\n    at: secondary\n",
}


def topology(tmp_path: Path, flows: str) -> Path:
    path = tmp_path / "topology.yaml"
    path.write_text(BASE + flows)
    return path


def findings(path: Path) -> tuple[Finding, ...]:
    return compile_loaded(load_topology(path)).policy.findings


def test_base_is_clean(tmp_path: Path) -> None:
    assert findings(topology(tmp_path, "")) == ()


def test_default_topology_is_clean() -> None:
    assert compile_loaded(load_topology(None)).policy.findings == ()


@pytest.mark.parametrize("kind", CASES)
def test_each_class_is_found(tmp_path: Path, kind: str) -> None:
    found = findings(topology(tmp_path, CASES[kind]))
    assert [f.kind for f in found] == [kind]
    assert not found[0].accepted
    assert found[0].path[:2] == ("flows", CASES[kind].split(":")[0].strip())


def test_partial_overlap_is_a_duplicate_of_the_earlier_flow(tmp_path: Path) -> None:
    found = findings(topology(tmp_path, "  both:\n    from: {sites: [agency], zones: [mgmt]}\n    to: [https]\n"))
    assert [(f.kind, f.flow) for f in found] == [("duplicate", "both")]
    assert "agency-web" in found[0].message


def test_management_from_the_mgmt_zone_is_fine(tmp_path: Path) -> None:
    assert findings(topology(tmp_path, "  admin:\n    from: {zones: [mgmt]}\n    to: [ssh]\n")) == ()


def test_accepted_findings_are_marked(tmp_path: Path) -> None:
    flows = "  admin:\n    from: {sites: [agency]}\n    to: [ssh]\n    accept_lint: [management-exposed]\n"
    found = findings(topology(tmp_path, flows))
    assert [(f.kind, f.accepted) for f in found] == [("management-exposed", True)]


def test_cli_exits_2_with_file_line_and_path(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = topology(tmp_path, CASES["shadowed"])
    result = cli("lint", str(path))
    assert result.code == 2
    line = BASE.count("\n") + 1
    assert f"topology.yaml:{line}: flows.again: [shadowed]" in result.stderr
    assert "accept_lint: [shadowed]" in result.stderr


def test_cli_accepts_what_the_topology_accepts(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = topology(tmp_path, CASES["shadowed"] + "    accept_lint: [shadowed]\n")
    result = cli("lint", str(path))
    assert result.code == 0, result.stderr
    assert "(accepted)" in result.stdout
