"""Previews of the datacenter stacks for the cloud tests, and a VPNaaS variant of the default topology."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from egovinfra.cloud.preview import Preview, Recorded, run_preview
from egovinfra.compile import Plan, compile_loaded
from egovinfra.model import load_topology

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TOPOLOGY = ROOT / "topology" / "cameroon"


def vpnaas_topology(out: Path) -> Path:
    """The default topology with the secondary datacenter on Neutron VPNaaS."""
    shutil.copytree(DEFAULT_TOPOLOGY, out)
    text = (out / "topology.yaml").read_text()
    assert "    role: secondary\n" in text
    (out / "topology.yaml").write_text(
        text.replace("    role: secondary\n", "    role: secondary\n    vpn_backend: vpnaas\n", 1)
    )
    return out


@cache
def default_plan() -> Plan:
    """The Plan of the embedded topology."""
    return compile_loaded(load_topology(DEFAULT_TOPOLOGY))


@cache
def default_preview(datacenter: str) -> Preview:
    """The preview of one datacenter of the embedded topology (computed once per test run)."""
    return run_preview(datacenter)


def with_resource(preview: Preview, resource: Recorded) -> Preview:
    """A copy of `preview` with one more resource (a deliberate mismatch)."""
    return Preview(preview.stack, [*preview.resources, resource], dict(preview.outputs))


def with_inputs(preview: Preview, token: str, name: str, **changes: Any) -> Preview:
    """A copy of `preview` where one resource's inputs differ."""
    out = [
        replace(r, inputs={**r.inputs, **changes}) if (r.type, r.name) == (token, name) else r
        for r in preview.resources
    ]
    return Preview(preview.stack, out, dict(preview.outputs))


@dataclass(frozen=True)
class PolicyResource:
    """A previewed resource shaped like pulumi-policy's PolicyResource."""

    resource_type: str
    name: str
    props: dict[str, Any]
    parent: PolicyResource | None
    urn: str = ""


def policy_resources(preview: Preview) -> list[PolicyResource]:
    """The preview as the policy pack's stack validation sees it (parents linked)."""
    by_urn = preview.by_urn()
    made: dict[str, PolicyResource] = {}

    def make(urn: str) -> PolicyResource:
        if urn not in made:
            r = by_urn[urn]
            parent = make(r.parent) if r.parent in by_urn else None
            made[urn] = PolicyResource(r.type, r.name, dict(r.inputs), parent, r.urn)
        return made[urn]

    return [make(r.urn) for r in preview.resources]


def _import(name: str, alias: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(alias, ROOT / "stacks" / "policy" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@cache
def policies() -> ModuleType:
    """stacks/policy/policies.py, imported by path (the pack's __main__ is never imported)."""
    module = _import("policies", "egovinfra_policies")
    sys.modules.setdefault("policies", module)  # the name pack.py imports it by
    return module


@cache
def pack() -> ModuleType:
    """stacks/policy/pack.py: the policies as pulumi-policy objects (no analyzer started)."""
    policies()
    return _import("pack", "egovinfra_policy_pack")
