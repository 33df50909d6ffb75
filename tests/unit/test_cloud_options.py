"""Resource options the engine acts on (mocks do not see them; the preview records them with a
stack transformation): removing a depends_on, a protect or an alias fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from egovinfra.cloud.preview import Preview, Recorded, run_preview
from tests.support.cloud import default_preview, vpnaas_topology

VOLUME = "openstack:blockstorage/volume:Volume"
INSTANCE = "openstack:compute/instance:Instance"
ENDPOINT_GROUP = "openstack:vpnaas/endpointGroup:EndpointGroup"
SITE_CONNECTION = "openstack:vpnaas/siteConnection:SiteConnection"
INTERFACE = "openstack:networking/routerInterface:RouterInterface"
ASSOCIATE = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"


@pytest.fixture(scope="module")
def vpnaas(tmp_path_factory: pytest.TempPathFactory) -> Preview:
    return run_preview("secondary", str(vpnaas_topology(tmp_path_factory.mktemp("o") / "t")))


def test_data_volumes_are_protected_and_outlive_the_stack() -> None:
    volumes = default_preview("primary").of_type(VOLUME)
    assert {v.name for v in volumes} == {"yde-db-database", "yde-files-filestore"}
    for v in volumes:
        assert v.options.protect and v.options.retain_on_delete, v.name


def test_a_new_server_group_or_key_list_does_not_replace_instances() -> None:
    for instance in default_preview("primary").of_type(INSTANCE):
        assert {"schedulerHints", "userData"} <= set(instance.options.ignore_changes), instance.name


def _interfaces(preview: Preview) -> set[str]:
    return {r.name for r in preview.of_type(INTERFACE)}


def test_vpnaas_waits_for_every_router_interface(vpnaas: Preview) -> None:
    interfaces = _interfaces(vpnaas)
    waiting = [
        r for r in vpnaas.resources if r.type == SITE_CONNECTION or (r.type == ENDPOINT_GROUP and r.name == "dla-local")
    ]
    assert len(waiting) > 1
    for r in waiting:
        assert interfaces <= set(r.options.depends_on), r.name


def test_floating_ips_are_associated_once_their_subnet_is_routed() -> None:
    preview = default_preview("primary")
    (associate,) = preview.of_type(ASSOCIATE)
    assert associate.options.depends_on == ("yde-wan",)


def test_a_renamed_host_keeps_its_resources(tmp_path: Path) -> None:
    topology = vpnaas_topology(tmp_path / "t")
    text = (topology / "topology.yaml").read_text()
    old = "      db: {zone: data, id: 10, roles: [database], description: PostgreSQL}\n"
    assert old in text
    new = "      pg: {zone: data, id: 10, roles: [database], description: PostgreSQL, former_names: [db]}\n"
    (topology / "topology.yaml").write_text(text.replace(old, new))
    preview = run_preview("primary", str(topology))
    by_name: dict[str, Recorded] = {r.name: r for r in preview.resources}
    assert by_name["yde-pg"].options.aliases == ("yde-db",)
    assert by_name["yde-pg-database"].options.aliases == ("yde-db-database",)
    assert by_name["yde-pg-eth0"].options.aliases == ("yde-db-eth0",)
