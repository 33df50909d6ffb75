"""What Prometheus scrapes, derived from the intent: each target is a host the flows open to the
monitoring zone, on a port the topology names; every platform host is watched from both datacenters."""

from __future__ import annotations

import importlib.util
import shutil
from functools import cache
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType

import yaml

from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Plan
from egovinfra.model import load_topology
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.roles.monitoring import logging_vars, monitoring_vars
from tests.conftest import DEFAULT_TOPOLOGY, ROOT


@cache
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


@cache
def intent() -> dict:  # type: ignore[type-arg]
    """The topology file as written, read without the project's loader."""
    return dict(yaml.safe_load((DEFAULT_TOPOLOGY / "topology.yaml").read_text()))


def reachable_from_mgmt(port_name: str) -> set[str]:
    """Host functions whose service naming `port_name` a flow from the mgmt zone reaches."""
    data = intent()
    services = [n for n, s in data["services"].items() if isinstance(s["ports"], dict) and port_name in s["ports"]]
    out: set[str] = set()
    for flow in data["flows"].values():
        if "mgmt" in (flow["from"].get("zones") or []):
            for name in set(flow["to"]) & set(services):
                out |= set(data["services"][name]["roles"])
    return out


def named_port(port_name: str) -> int:
    for service in intent()["services"].values():
        if isinstance(service["ports"], dict) and port_name in service["ports"]:
            return int(service["ports"][port_name].split("/")[1])
    raise KeyError(port_name)


def test_every_platform_host_is_a_node_target_once() -> None:
    node = plan().monitoring.job("node")
    names = [t.host for t in node.targets]
    platform = {h.name for h in plan().hosts if h.managed and (h.kind == "datacenter" or "site_gateway" in h.roles)}
    assert sorted(names) == sorted(platform)
    vendor = {s.gateway for s in plan().sites if s.edge != "linux"}
    workstations = {h.name for h in plan().hosts if "workstation" in h.roles}
    assert vendor and workstations and not (vendor | workstations) & set(names)


def test_every_target_is_opened_by_a_flow_from_the_monitoring_zone_on_its_named_port() -> None:
    exporters = {"node": "node-exporter", "postgresql": "postgres-exporter", "bind": "bind-exporter"}
    for job, port_name in exporters.items():
        allowed = reachable_from_mgmt(port_name)
        targets = plan().monitoring.job(job).targets
        assert targets, job
        for target in targets:
            host = plan().host(target.host)
            assert set(host.roles) & allowed, f"{job}: no flow opens {port_name} on {host.name}"
            assert target.address == f"{host.address}:{named_port(port_name)}"


def test_each_datacenter_scrapes_both_and_its_alertmanager_gossips_with_the_other() -> None:
    ctx = RenderContext(plan(), "production")
    servers = [plan().host(h) for h in plan().monitoring.servers]
    assert {h.scope for h in servers} == {dc.name for dc in plan().datacenters}
    rendered = [monitoring_vars(ctx, h) or {} for h in servers]
    assert rendered[0]["monitoring_jobs"] == rendered[1]["monitoring_jobs"]
    for host, values in zip(servers, rendered, strict=True):
        others = {f"{h.address}:{named_port('alertmanager-cluster')}" for h in servers if h != host}
        assert set(values["monitoring_cluster_peers"]) == others
        assert len(values["monitoring_alertmanagers"]) == len(servers)


def test_every_host_ships_to_every_log_host_but_itself() -> None:
    ctx = RenderContext(plan(), "lab")
    stores = set(plan().monitoring.log_servers)
    assert {plan().host(h).scope for h in stores} == {dc.name for dc in plan().datacenters}
    for name in ("minfi-gw", "yde-db", *stores):
        shipped = {s["name"] for s in (logging_vars(ctx, plan().host(name)) or {})["logging_servers"]}
        assert shipped == stores - {name}


def test_a_monitoring_port_nobody_names_is_a_located_problem(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "topology"
    shutil.copytree(DEFAULT_TOPOLOGY, copy)
    text = (copy / "topology.yaml").read_text()
    (copy / "topology.yaml").write_text(text.replace("alertmanager-cluster: tcp/9094", "gossip: tcp/9094"))
    result = cli("validate", str(copy))
    assert result.code == 2
    assert "services: monitoring and logs need a port named 'alertmanager-cluster'" in result.stderr
    assert "Traceback" not in result.stderr


def _metrics_writer() -> ModuleType:
    path = ROOT / "roles" / "node_exporter" / "files" / "usr" / "local" / "sbin" / "egovinfra-node-metrics"
    loader = SourceFileLoader("egovinfra_node_metrics", str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_the_metrics_writer_reads_swanctl_raw_output() -> None:
    raw = (
        "list-sa event {minfi_yde {uniqueid=1 version=2 state=ESTABLISHED child-sas {lan-1 {name=lan state=INSTALLED"
        " local-ts [10.64.2.0/24] remote-ts [10.1.0.0/16]}}}}\n"
        "list-sa event {minfi_dla {uniqueid=2 version=2 state=CONNECTING child-sas {}}}\n"
        "list-sas reply {}\n"
    )
    events = _metrics_writer().parse_raw(raw)
    assert events[0]["minfi_yde"]["child-sas"]["lan-1"]["state"] == "INSTALLED"
    assert events[0]["minfi_yde"]["child-sas"]["lan-1"]["remote-ts"] == ["10.1.0.0/16"]
    assert events[1]["minfi_dla"]["state"] == "CONNECTING"
