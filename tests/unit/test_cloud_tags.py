"""Every resource that can say where it comes from does: the provider's own signatures (not the
program's list of tagged types) decide which resources take `tags` or `metadata`."""

from __future__ import annotations

import importlib
import inspect
from dataclasses import replace

import pytest

from egovinfra.cloud.preview import Preview, Recorded, run_preview
from tests.support.cloud import default_plan, vpnaas_topology

PORT = "openstack:networking/port:Port"


def _accepts(resource: Recorded, argument: str) -> bool:
    """Whether the pulumi-openstack class of `resource` takes `argument`."""
    module, name = resource.type.split(":")[1].split("/")[0], resource.type.rsplit(":", 1)[1]
    cls = getattr(importlib.import_module(f"pulumi_openstack.{module}"), name)
    return argument in inspect.signature(cls._internal_init).parameters


def _unlabelled(preview: Preview) -> tuple[list[str], set[str]]:
    """Resources that could carry the labels and do not, and the types that were checked."""
    want = {
        "egovinfra-deployment": f"egovinfra/{preview.stack}",
        "egovinfra-topology": default_plan().name,
        "egovinfra-datacenter": preview.outputs["datacenter"],
    }
    missing: list[str] = []
    checked: set[str] = set()
    for r in (r for r in preview.resources if r.custom and r.type.startswith("openstack:")):
        if _accepts(r, "tags"):
            ok = {f"{k}={v}" for k, v in want.items()} <= set(r.inputs.get("tags") or [])
        elif _accepts(r, "metadata"):
            ok = want.items() <= dict(r.inputs.get("metadata") or {}).items()
        else:
            continue
        checked.add(r.type)
        if not ok:
            missing.append(r.name)
    return missing, checked


@pytest.fixture(scope="module")
def previews(tmp_path_factory: pytest.TempPathFactory) -> list[Preview]:
    operators = {"operatorCidrs": ["198.51.100.0/28"], "operatorKeys": ["ssh-ed25519 AAAA ops"]}
    vpnaas = str(vpnaas_topology(tmp_path_factory.mktemp("tags") / "t"))
    return [run_preview("primary", config=operators), run_preview("secondary", vpnaas, config=operators)]


def test_every_taggable_resource_names_deployment_topology_and_datacenter(previews: list[Preview]) -> None:
    checked: set[str] = set()
    for preview in previews:
        missing, types = _unlabelled(preview)
        assert missing == [], preview.stack
        checked |= types
    # Networks, subnets, the router, ports, groups, floating IPs, instances and volumes.
    assert {"openstack:networking/floatingIp:FloatingIp", "openstack:blockstorage/volume:Volume", PORT} <= checked
    assert len(checked) == 8


def test_a_port_without_the_labels_is_caught(previews: list[Preview]) -> None:
    preview = previews[0]
    port = next(r for r in preview.resources if r.type == PORT)
    stripped = [replace(r, inputs={**r.inputs, "tags": []}) if r is port else r for r in preview.resources]
    assert _unlabelled(Preview(preview.stack, stripped, dict(preview.outputs)))[0] == [port.name]
