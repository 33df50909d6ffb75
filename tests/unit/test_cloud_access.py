"""The way in for the first converge: the bastion's floating IP, the operators' keys through
cloud-init, and an inventory that reaches every host through the bastion."""

from __future__ import annotations

from functools import cache

import yaml

from egovinfra.cloud.outputs import cloud_inventory
from egovinfra.cloud.preview import Preview, run_preview
from egovinfra.cloud.settings import CloudSettings
from tests.support.cloud import default_plan, default_preview

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleOnlyNotARealKey operator@example"
OPERATORS = "198.51.100.0/28"


@cache
def _preview() -> Preview:
    return run_preview("primary", config={"operatorCidrs": [OPERATORS], "operatorKeys": [KEY]})


def test_the_bastion_gets_a_floating_ip_and_only_operators_reach_it() -> None:
    preview = _preview()
    associates = {r.name: r for r in preview.of_type("openstack:networking/floatingIpAssociate:FloatingIpAssociate")}
    assert set(associates) == {"yde-hub", "yde-bastion"}
    assert associates["yde-bastion"].options.depends_on == ("yde-mgmt",)
    group = preview.named("openstack:networking/secGroup:SecGroup", "yde-bastion")
    rules = [
        r.inputs for r in preview.of_type("openstack:networking/secGroupRule:SecGroupRule") if r.parent == group.urn
    ]
    assert [(r["protocol"], r["portRangeMin"], r["remoteIpPrefix"]) for r in rules] == [("tcp", 22.0, OPERATORS)]
    port = preview.named("openstack:networking/port:Port", "yde-bastion-eth0")
    assert group.id in port.inputs["securityGroupIds"]


def test_every_instance_gets_the_operators_keys() -> None:
    for instance in _preview().of_type("openstack:compute/instance:Instance"):
        data = instance.inputs["userData"]
        assert data.startswith("#cloud-config\n") and KEY in data, instance.name


def test_root_gets_the_keys_whatever_their_comment_says() -> None:
    # Ansible logs in as root: cloud-init must not turn root's keys into "log in as debian".
    odd = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOdd night: shift # pager"
    data = CloudSettings(datacenter="yde", operator_keys=(KEY, odd)).user_data
    assert data is not None and data.startswith("#cloud-config\n")
    assert yaml.safe_load(data) == {"disable_root": False, "ssh_authorized_keys": [KEY, odd]}


def test_no_nova_key_pair_is_needed_by_default() -> None:
    assert all("keyPair" not in i.inputs for i in _preview().of_type("openstack:compute/instance:Instance"))


def test_the_inventory_reaches_every_host_through_the_bastion() -> None:
    outputs = _preview().outputs
    merged = cloud_inventory(default_plan(), outputs).data["all"]["hosts"]
    bastion = outputs["bastions"]["yde-bastion"]
    assert merged["yde-bastion"]["ansible_host"] == bastion
    assert merged["yde-bastion"]["common_ssh_allow_extra"] == [OPERATORS]
    others = [h for h in merged if h != "yde-bastion"]
    assert others and all(
        merged[h]["ansible_ssh_common_args"] == f"-o ProxyJump={{{{ ansible_user }}}}@{bastion}" for h in others
    )


def test_without_operators_there_is_no_way_in_to_open() -> None:
    preview = default_preview("primary")
    assert preview.outputs["bastions"] == {}
    assert all("userData" not in i.inputs for i in preview.of_type("openstack:compute/instance:Instance"))


def test_the_hub_address_is_what_the_cloud_gave() -> None:
    outputs = _preview().outputs
    public = outputs["vpn"]["public_address"]
    plan = default_plan()
    assert public != plan.datacenter("yde").wan.endpoint_address  # the floating IP, not the Plan's WAN address
    assert cloud_inventory(plan, outputs).public_address == public
