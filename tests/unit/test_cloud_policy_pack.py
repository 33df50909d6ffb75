"""The CrossGuard policies, called directly on previewed resources: clean stacks pass, each
policy has a fixture that fails it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest

from egovinfra.cloud.preview import run_preview
from tests.support.cloud import (
    PolicyResource,
    default_preview,
    pack,
    policies,
    policy_resources,
    vpnaas_topology,
)


@pytest.fixture(scope="module")
def vpnaas_resources(tmp_path_factory: pytest.TempPathFactory) -> list[PolicyResource]:
    return policy_resources(run_preview("secondary", str(vpnaas_topology(tmp_path_factory.mktemp("p") / "t"))))


@cache
def _resources(role: str) -> list[PolicyResource]:
    return policy_resources(default_preview(role))


def _all_violations(resources: list[PolicyResource], config: dict[str, object] | None = None) -> list[str]:
    pack = policies()
    config = config or {}
    found = [v.message for check in pack.STACK_CHECKS for v in check(resources, config)]
    for check in pack.RESOURCE_CHECKS:
        for r in resources:
            found += check(r, config)
    return found


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_the_default_stacks_pass_every_policy(role: str) -> None:
    assert _all_violations(_resources(role)) == []


def test_the_vpnaas_stack_passes_every_policy(vpnaas_resources: list[PolicyResource]) -> None:
    assert any(r.resource_type == policies().IKE_POLICY for r in vpnaas_resources)
    assert _all_violations(vpnaas_resources) == []


def _group(name: str) -> PolicyResource:
    return PolicyResource(policies().SEC_GROUP, name, {"name": name}, None, f"urn:{name}")


def _rule(group: PolicyResource, port: int, remote: str | None = "0.0.0.0/0") -> PolicyResource:
    props = {
        "direction": "ingress",
        "protocol": "tcp",
        "portRangeMin": port,
        "portRangeMax": port,
        "remoteIpPrefix": remote,
    }
    return PolicyResource(policies().SEC_GROUP_RULE, f"{group.name}-{port}", props, group, f"urn:{group.name}-{port}")


def test_open_ingress_is_refused_outside_the_dmz_published_ports() -> None:
    pack = policies()
    dmz, app = _group("yde-dmz"), _group("yde-app")
    assert pack.no_open_ingress([_rule(dmz, 443)], {}) == []
    refused = pack.no_open_ingress([_rule(app, 443), _rule(dmz, 22), _rule(app, 5432, remote=None)], {})
    assert [v.resource for v in refused] == ["yde-app-443", "yde-dmz-22", "yde-app-5432"]
    assert [v.urn for v in refused] == ["urn:yde-app-443", "urn:yde-dmz-22", "urn:yde-app-5432"]
    # The published ports are pack configuration.
    assert pack.no_open_ingress([_rule(dmz, 25)], {"publishedPorts": ["tcp/443", "tcp/25"]}) == []


def _instance(name: str, function: str, group: object = None) -> PolicyResource:
    props: dict[str, Any] = {"metadata": {"egovinfra_functions": function}}
    if group is not None:
        props["schedulerHints"] = [{"group": group}]
    return PolicyResource(policies().INSTANCE, name, props, None, f"urn:{name}")


def test_redundant_instances_outside_a_server_group_are_refused() -> None:
    pack = policies()
    lone = [_instance("yde-db", "database")]
    assert pack.redundant_instances_spread(lone, {}) == []  # one of its kind: no group needed
    pair = [_instance("yde-web1", "groupware_web", "sg-id"), _instance("yde-web2", "groupware_web")]
    assert pack.redundant_instances_spread(pair, {}) == [
        pack.Violation(
            "yde-web2", "urn:yde-web2", "instance yde-web2 is one of 2 groupware_web instances and in no server group"
        )
    ]


class _Unknown(dict[str, Any]):
    """Props as pulumi-policy hands them during preview: reading an unknown value raises."""

    def __init__(self, known: dict[str, Any], unknown: set[str]) -> None:
        super().__init__(known)
        self.unknown = unknown

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.unknown:
            raise type("UnknownValueError", (Exception,), {})(key)
        return super().get(key, default)


def test_unknown_values_during_preview_are_not_violations() -> None:
    pack = policies()
    app = _group("yde-app")
    props = _Unknown(
        {"direction": "ingress", "protocol": "tcp", "portRangeMin": 5432, "portRangeMax": 5432},
        {"remoteAddressGroupId"},
    )
    rule = PolicyResource(pack.SEC_GROUP_RULE, "yde-app-pg", props, app, "urn:yde-app-pg")
    assert pack.no_open_ingress([rule], {}) == []
    hints = _Unknown({"metadata": {"egovinfra_functions": "mail"}}, {"schedulerHints"})
    pair = [PolicyResource(pack.INSTANCE, n, hints, None, f"urn:{n}") for n in ("m1", "m2")]
    assert pack.redundant_instances_spread(pair, {}) == []


@dataclass
class _Args:
    """What pulumi-policy passes to a validate function (the fields the wrappers read)."""

    resources: list[PolicyResource] = field(default_factory=list)
    resource: PolicyResource | None = None
    config: Mapping[str, Any] = field(default_factory=dict)

    def get_config(self) -> Mapping[str, Any]:
        return self.config


def _validate(name: str, args: Any) -> list[tuple[str, str | None]]:
    policy = next(p for p in pack().POLICIES if p.name == name)
    reported: list[tuple[str, str | None]] = []
    policy.validate(args, lambda message, urn: reported.append((message, urn)))
    return reported


def test_the_pack_reports_stack_violations_on_their_resource() -> None:
    app = _group("yde-app")
    reported = _validate("no-open-ingress", _Args(resources=[_rule(app, 22)]))
    assert [urn for _, urn in reported] == ["urn:yde-app-22"]
    pair = [_instance("a", "dns"), _instance("b", "dns")]
    assert [urn for _, urn in _validate("redundant-instances-spread", _Args(resources=pair))] == ["urn:a", "urn:b"]


def test_the_pack_reports_resource_violations_with_its_configuration() -> None:
    volume = next(r for r in _resources("primary") if r.resource_type == policies().VOLUME)

    class ResourceArgs(_Args):
        resource_type = volume.resource_type
        name = volume.name
        props = volume.props

    assert _validate("data-volume-type", ResourceArgs()) == []
    assert _validate("data-volume-type", ResourceArgs(config={"volumeType": "nvme"})) == [
        (f"volume {volume.name} has type 'ssd', data volumes must be 'nvme'", None)
    ]
    assert sorted(p.name for p in pack().POLICIES) == [
        "data-volume-type",
        "no-open-ingress",
        "redundant-instances-spread",
        "vpnaas-strong-crypto",
    ]


def test_a_data_volume_of_another_type_is_refused() -> None:
    pack = policies()
    volume = next(r for r in _resources("primary") if r.resource_type == pack.VOLUME)
    assert pack.data_volume_type(volume, {}) == []
    assert pack.data_volume_type(volume, {"volumeType": "replicated-ssd"}) == [
        f"volume {volume.name} has type 'ssd', data volumes must be 'replicated-ssd'"
    ]


def test_ikev1_and_implicit_defaults_are_refused(vpnaas_resources: list[PolicyResource]) -> None:
    pack = policies()
    ike = next(r for r in vpnaas_resources if r.resource_type == pack.IKE_POLICY)
    v1 = PolicyResource(ike.resource_type, ike.name, {**ike.props, "ikeVersion": "v1"}, None)
    assert pack.vpnaas_strong_crypto(v1, {}) == ["dla-ike: ikeVersion 'v1' is not allowed (v2)"]
    bare = PolicyResource(ike.resource_type, "bare-ike", {"name": "bare-ike"}, None)
    messages = pack.vpnaas_strong_crypto(bare, {})
    assert "bare-ike: pfs is not set, so OpenStack uses 'group5'" in messages
    assert "bare-ike: authAlgorithm is not set, so OpenStack uses 'sha1'" in messages
    assert "bare-ike: ikeVersion is not set, so OpenStack uses 'v1'" in messages
    ipsec = next(r for r in vpnaas_resources if r.resource_type == pack.IPSEC_POLICY)
    sha1 = PolicyResource(ipsec.resource_type, ipsec.name, {**ipsec.props, "authAlgorithm": "sha1"}, None)
    assert pack.vpnaas_strong_crypto(sha1, {}) == [
        "dla-ipsec: authAlgorithm 'sha1' is not allowed (sha256, sha384, sha512)"
    ]
