"""The CrossGuard policies, called directly on previewed resources: clean stacks pass, each
policy has a fixture that fails it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from egovinfra.cloud.preview import run_preview
from tests.support.cloud import (
    PolicyResource,
    default_preview,
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
    found = [v.message for v in pack.no_open_ingress(resources, config)]
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
    return PolicyResource(policies().SEC_GROUP, name, {"name": name}, None)


def _rule(group: PolicyResource, port: int, remote: str | None = "0.0.0.0/0") -> PolicyResource:
    props = {
        "direction": "ingress",
        "protocol": "tcp",
        "portRangeMin": port,
        "portRangeMax": port,
        "remoteIpPrefix": remote,
    }
    return PolicyResource(policies().SEC_GROUP_RULE, f"{group.name}-{port}", props, group)


def test_open_ingress_is_refused_outside_the_dmz_published_ports() -> None:
    pack = policies()
    dmz, app = _group("yde-dmz"), _group("yde-app")
    assert pack.no_open_ingress([_rule(dmz, 443)], {}) == []
    refused = pack.no_open_ingress([_rule(app, 443), _rule(dmz, 22), _rule(app, 5432, remote=None)], {})
    assert [v.resource for v in refused] == ["yde-app-443", "yde-dmz-22", "yde-app-5432"]
    # The published ports are pack configuration.
    assert pack.no_open_ingress([_rule(dmz, 25)], {"publishedPorts": ["tcp/443", "tcp/25"]}) == []


def test_an_instance_outside_any_server_group_is_refused() -> None:
    pack = policies()
    lone = PolicyResource(pack.INSTANCE, "yde-extra", {"flavorName": "m1.small"}, None)
    assert pack.instance_in_server_group(lone, {}) == [
        "instance yde-extra is in no server group (schedulerHints.group)"
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


def test_the_pack_entry_point_declares_every_policy() -> None:
    # Read, not imported: constructing the PolicyPack would start the analyzer server.
    text = (Path(policies().__file__).parent / "__main__.py").read_text()
    for name in ("no-open-ingress", "instance-in-server-group", "data-volume-type", "vpnaas-strong-crypto"):
        assert f'name="{name}"' in text
