"""An offline preview: the real stack program run under Pulumi's mocks, every resource recorded.

No Pulumi CLI, engine or cloud is involved: `pulumi.runtime.set_mocks` replaces the engine,
the mocks answer like Neutron would (ports echo their fixed addresses, floating IPs come
from TEST-NET-3), and each registration is kept with its inputs and its parent. Mocks do not
see resource options, so a stack transformation records them (depends_on, protect, ...).
A preview never reads a real key: VPNaaS tunnels get placeholder keys in a temporary folder.
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from egovinfra.cloud import program
from egovinfra.cloud.errors import CloudError
from egovinfra.cloud.stackconfig import read_stack_config
from egovinfra.compile import compile_loaded
from egovinfra.model import load_topology
from egovinfra.pki.psk import psk_path, psk_tunnels

PROJECT = "egovinfra"  # the name in stacks/datacenter/Pulumi.yaml: config keys are egovinfra:*
PREVIEW_PSK = "preview-only-not-a-key"  # VPNaaS needs a key; the preview never shows it
SECRET_INPUTS = frozenset({"psk"})


@dataclass(frozen=True)
class Options:
    """The resource options a registration was made with (what mocks do not see)."""

    depends_on: tuple[str, ...] = ()  # logical names
    protect: bool = False
    retain_on_delete: bool = False
    aliases: tuple[str, ...] = ()
    ignore_changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recorded:
    """One registration: a custom resource (cloud object) or a component (grouping)."""

    urn: str
    type: str  # openstack:networking/port:Port, egovinfra:openstack:ZoneNetwork
    name: str
    custom: bool
    parent: str  # the parent's URN ("" under the stack)
    inputs: Mapping[str, Any]
    id: str = ""  # what the mocks answered (custom resources)
    options: Options = Options()


@dataclass
class Preview:
    """What a stack would create, and what it would export."""

    stack: str
    resources: list[Recorded] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def by_urn(self) -> dict[str, Recorded]:
        """Every resource by URN."""
        return {r.urn: r for r in self.resources}

    def of_type(self, token: str) -> list[Recorded]:
        """The resources of one type token, in registration order."""
        return [r for r in self.resources if r.type == token]

    def named(self, token: str, name: str) -> Recorded:
        """The one resource of type `token` called `name` (KeyError when absent)."""
        for r in self.resources:
            if r.type == token and r.name == name:
                return r
        raise KeyError(f"{token} {name}")

    def counts(self) -> Counter[str]:
        """How many resources of each type."""
        return Counter(r.type for r in self.resources)


class _Mocks(pulumi_mocks.Mocks):
    """Answers like the cloud would, for what the program reads back."""

    def __init__(self) -> None:
        self._addresses = (f"203.0.113.{n}" for n in itertools.count(10))
        self._lock = threading.Lock()

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        state = dict(args.inputs)
        token = args.typ
        if token == "openstack:networking/port:Port":
            state["allFixedIps"] = [ip["ipAddress"] for ip in args.inputs.get("fixedIps", [])]
        elif token == "openstack:networking/floatingIp:FloatingIp":
            state["address"] = args.inputs.get("address") or self._next_address()
        elif token == "openstack:vpnaas/service:Service":
            state["externalV4Ip"] = self._next_address()
        elif token == "pulumi:pulumi:StackReference":
            state["outputs"] = {"vpn": {"public_address": self._next_address()}}
        kind = token.rsplit(":", 1)[-1].lower()
        return f"{kind}-{args.name}-id", state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        name = args.args.get("name", "lookup")
        return {"id": f"network-{name}-id", "name": name}, []

    def _next_address(self) -> str:
        with self._lock:
            return next(self._addresses)


class _Monitor(pulumi_mocks.MockMonitor):
    """The mock engine, keeping each registration with its parent."""

    def __init__(self, mocks: _Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[Recorded] = []
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
            with self._lock:
                self.recorded.append(
                    Recorded(
                        response.urn,
                        request.type,
                        request.name,
                        bool(request.custom),
                        request.parent,
                        inputs,
                        getattr(response, "id", ""),
                    )
                )
        return response


def _names(resources: Any) -> tuple[str, ...]:
    return tuple(r.pulumi_resource_name for r in resources or () if isinstance(r, pulumi.Resource))


class _OptionsRecorder:
    """A stack transformation that notes each resource's options, by (type, name)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], Options] = {}

    def __call__(self, args: pulumi.ResourceTransformationArgs) -> None:
        o = args.opts
        self.seen[(args.type_, args.name)] = Options(
            depends_on=_names(o.depends_on if isinstance(o.depends_on, list) else [o.depends_on]),
            protect=bool(o.protect),
            retain_on_delete=bool(o.retain_on_delete),
            aliases=tuple(str(getattr(a, "name", a)) for a in o.aliases or ()),
            ignore_changes=tuple(o.ignore_changes or ()),
        )


def _drop_loop_finalizer_noise(unraisable: Any) -> None:
    # Pulumi runs RPCs in executor threads, each with its own event loop; CPython 3.11
    # finalizes those loops after their sockets and reports a harmless ValueError.
    if unraisable.exc_type is ValueError and "BaseEventLoop.__del__" in repr(unraisable.object):
        return
    sys.__unraisablehook__(unraisable)


@contextmanager
def _quiet_loop_finalizers() -> Iterator[None]:
    previous = sys.unraisablehook
    sys.unraisablehook = _drop_loop_finalizer_noise
    try:
        yield
    finally:
        sys.unraisablehook = previous


def config_for(datacenter: str, topology: str | None, extra: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The stack configuration a preview of a topology runs with (`egovinfra:` keys, values as
    Pulumi stores them). `extra` overrides; a None value removes the key."""
    values: dict[str, Any] = {"datacenter": datacenter}
    if topology is not None:
        values["topology"] = topology
    values.update(extra or {})
    return {
        f"{program.CONFIG_NAMESPACE}:{k}": v if isinstance(v, str) else json.dumps(v)
        for k, v in values.items()
        if v is not None
    }


def _placeholder_keys(config: Mapping[str, str], folder: Path) -> None:
    topology = config.get(f"{program.CONFIG_NAMESPACE}:topology") or None
    plan = compile_loaded(load_topology(Path(topology) if topology else None))
    for tunnel in psk_tunnels(plan):
        path = psk_path(folder, tunnel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PREVIEW_PSK)


def _run(stack: str, config: dict[str, str]) -> Preview:
    mocks = _Mocks()
    monitor = _Monitor(mocks)
    recorder = _OptionsRecorder()
    pulumi_settings.ROOT.set(None)  # a fresh stack resource for every preview in this process
    pulumi_mocks.set_mocks(mocks, project=PROJECT, stack=stack, preview=True, monitor=monitor)

    def traced() -> None:
        pulumi.runtime.register_stack_transformation(recorder)
        program.main()

    with tempfile.TemporaryDirectory(prefix="egovinfra-preview-") as keys, _quiet_loop_finalizers():
        _placeholder_keys(config, Path(keys))
        pulumi.runtime.set_all_config({**config, f"{program.CONFIG_NAMESPACE}:pkiDir": keys})
        try:
            _sync_await(run_pulumi_func(traced))
        except pulumi.RunError as exc:
            raise CloudError(f"the stack program failed: {exc}") from None
        root = pulumi_settings.get_root_resource()
        exported = getattr(root, "outputs", {})
        outputs = _sync_await(pulumi.Output.from_input(exported).future()) or {}
    recorded = [replace(r, options=recorder.seen.get((r.type, r.name), Options())) for r in monitor.recorded]
    return Preview(stack=stack, resources=recorded, outputs=dict(outputs))


def run_preview(datacenter: str, topology: str | None = None, config: Mapping[str, Any] | None = None) -> Preview:
    """Run the stack program for `datacenter` (a name or a role) of a topology under mocks."""
    return _run(datacenter, config_for(datacenter, topology, config))


def preview_stack(project_dir: Path, stack: str) -> Preview:
    """Run the program under mocks with the configuration of `project_dir`'s Pulumi.<stack>.yaml,
    read as the Pulumi CLI reads it (CloudError listing what the CLI would refuse)."""
    stack_config = read_stack_config(project_dir, stack)
    if stack_config.problems:
        raise CloudError("the stack configuration is incomplete:\n  " + "\n  ".join(stack_config.problems))
    config = stack_config.for_program()
    topology_key = f"{program.CONFIG_NAMESPACE}:topology"
    if config.get(topology_key):
        config[topology_key] = str((project_dir / config[topology_key]).resolve())  # the CLI runs there
    return _run(stack, config)
