"""Instances, ports, server groups and volumes: the Plan's hosts with the Plan's addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from egovinfra.cloud.audit import audit
from egovinfra.cloud.preview import run_preview
from tests.support.cloud import default_plan, default_preview, vpnaas_topology, with_inputs

INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
GROUP = "openstack:compute/serverGroup:ServerGroup"
VOLUME = "openstack:blockstorage/volume:Volume"
ATTACH = "openstack:compute/volumeAttach:VolumeAttach"


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_every_datacenter_host_is_an_instance_with_its_plan_addresses(role: str) -> None:
    plan = default_plan()
    dc = next(d for d in plan.datacenters if d.role == role)
    hosts = [h for h in plan.hosts if h.kind == "datacenter" and h.scope == dc.name]
    preview = default_preview(role)
    assert sorted(i.name for i in preview.of_type(INSTANCE)) == sorted(h.name for h in hosts)
    ports = {p.name: [ip["ipAddress"] for ip in p.inputs["fixedIps"]] for p in preview.of_type(PORT)}
    for host in hosts:
        assert ports[f"{host.name}-eth0"] == [host.address]
        assert ports[f"{host.name}-mgmt0"] == [host.mgmt_address]
    # The hub's wan0 sits on its WAN link with the Plan's WAN address, behind the floating IP.
    assert ports[f"{dc.hub}-wan0"] == [dc.wan.endpoint_address]
    assert len(ports) == 2 * len(hosts) + 1
    wan0 = next(p for p in preview.of_type(PORT) if p.name == f"{dc.hub}-wan0")
    assert wan0.inputs["securityGroupIds"] == [f"secgroup-{dc.name}-hub-id"]  # IKE only, no zone services


def test_a_port_address_not_in_the_plan_is_reported() -> None:
    plan = default_plan()
    moved = with_inputs(
        default_preview("primary"),
        PORT,
        "yde-db-eth0",
        fixedIps=[{"subnetId": "subnet-yde-data-id", "ipAddress": "10.1.3.99"}],
    )
    assert audit(moved, plan, plan.datacenter("yde")) == [
        "port yde-db-eth0: fixed address ('10.1.3.99',) but the Plan says 10.1.3.10"
    ]


def test_server_groups_only_where_a_function_has_several_hosts(tmp_path: Path) -> None:
    preview = default_preview("primary")
    assert preview.of_type(GROUP) == []  # one host per function: anti-affinity would mean nothing
    assert all("schedulerHints" not in i.inputs for i in preview.of_type(INSTANCE))
    topology = vpnaas_topology(tmp_path / "t")
    text = (topology / "topology.yaml").read_text()
    web = "      web: {zone: dmz, id: 10, roles: [groupware_web], description: groupware front end (HTTPS)}\n"
    assert web in text
    (topology / "topology.yaml").write_text(text.replace(web, web + web.replace("web:", "web2:").replace("10", "12")))
    spread = run_preview("primary", str(topology))
    (group,) = spread.of_type(GROUP)
    assert (group.name, group.inputs["policies"]) == ("yde-groupware_web", "anti-affinity")
    members = [i.name for i in spread.of_type(INSTANCE) if i.inputs.get("schedulerHints")]
    assert sorted(members) == ["yde-web", "yde-web2"]
    assert all(h["group"] == group.id for i in spread.of_type(INSTANCE) for h in i.inputs.get("schedulerHints", []))


def test_database_and_file_storage_get_typed_volumes_attached() -> None:
    preview = default_preview("primary")
    volumes = {v.name: v.inputs for v in preview.of_type(VOLUME)}
    assert set(volumes) == {"yde-db-database", "yde-files-filestore"}
    assert {v["volumeType"] for v in volumes.values()} == {"ssd"}
    attached = {(a.inputs["instanceId"], a.inputs["volumeId"]) for a in preview.of_type(ATTACH)}
    assert attached == {
        ("instance-yde-db-id", "volume-yde-db-database-id"),
        ("instance-yde-files-id", "volume-yde-files-filestore-id"),
    }


def test_flavor_image_and_volume_type_come_from_the_stack_config() -> None:
    preview = run_preview(
        "primary",
        config={
            "flavor": "c2.small",
            "flavors": {"database": "m2.xlarge"},
            "images": {"vpn_hub": "debian-12-hub"},
            "volumeType": "nvme",
        },
    )
    instances = {i.name: i.inputs for i in preview.of_type(INSTANCE)}
    assert instances["yde-db"]["flavorName"] == "m2.xlarge"
    assert instances["yde-web"]["flavorName"] == "c2.small"
    assert instances["yde-hub"]["imageName"] == "debian-12-hub"
    assert instances["yde-web"]["imageName"] == "debian-12"
    assert {v.inputs["volumeType"] for v in preview.of_type(VOLUME)} == {"nvme"}


def test_outputs_name_every_host_with_the_addresses_the_cloud_gave() -> None:
    plan = default_plan()
    outputs = default_preview("primary").outputs
    assert outputs["datacenter"] == "yde"
    for name, facts in outputs["hosts"].items():
        assert facts["ports"]["eth0"] == [plan.host(name).address]
    assert outputs["vpn"]["backend"] == "strongswan"
    assert outputs["vpn"]["public_address"].startswith("203.0.113.")
