"""Service names come from the topology, once (compile.names): the zone, the front ends'
certificates and verify's expectations all follow a renamed or added name."""

from __future__ import annotations

import pytest

from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Plan
from egovinfra.model import load_topology
from egovinfra.model.problems import TopologyError
from egovinfra.model.schema import Topology
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.inventory import host_vars
from egovinfra.verify.names import service_names
from tests.conftest import DEFAULT_TOPOLOGY


def _topology() -> Topology:
    return load_topology(DEFAULT_TOPOLOGY).topology


def _with_names(service: str, names: tuple[str, ...]) -> Plan:
    topo = _topology()
    changed = topo.services[service].model_copy(update={"names": names})
    return compile_plan(topo.model_copy(update={"services": {**topo.services, service: changed}}))


def _web_addresses(plan: Plan, datacenter: str) -> tuple[str, ...]:
    """The intent: the front ends of a datacenter are its hosts doing groupware_web."""
    return tuple(sorted(h.address for h in plan.hosts if "groupware_web" in h.roles and h.scope == datacenter))


def test_the_default_name_people_type_is_groupware_and_the_service_keeps_its_own() -> None:
    plan = compile_plan(_topology())
    labels = {n.label: n for n in plan.names.services}
    web = _web_addresses(plan, plan.primary.name)
    assert labels["groupware"].in_datacenter(plan.primary.name) == web
    assert labels["groupware-https"].in_datacenter(plan.primary.name) == web
    assert plan.names.front("groupware_web") == f"groupware.{plan.domain}"
    assert plan.names.front("mail") == f"mail.{plan.domain}"
    assert "replication" not in labels  # databases, directories and filestores: no one name


def test_a_renamed_name_reaches_the_zone_the_front_ends_and_verify() -> None:
    plan = _with_names("groupware-https", ("webmail", "portail"))
    ctx = RenderContext(plan, "lab")
    dns = host_vars(ctx, plan.host("yde-dns"))
    assert "groupware" not in dns["dns_services"]
    for label in ("webmail", "portail", "groupware-https"):
        assert tuple(dns["dns_services"][label][plan.primary.name]) == _web_addresses(plan, plan.primary.name)
    web = host_vars(ctx, plan.host("dla-web"))
    assert web["web_service_identity"] == f"webmail.{plan.domain}"
    assert f"webmail.{plan.domain}" in web["web_server_names"]
    expected = {n.fqdn: n.addresses for n in service_names(plan)}
    assert expected[f"portail.{plan.domain}"] == _web_addresses(plan, plan.primary.name)
    assert f"groupware.{plan.domain}" not in expected


def test_the_mail_exchanger_is_the_mail_hosts_name() -> None:
    plan = _with_names("mail", ("courrier",))
    ctx = RenderContext(plan, "lab")
    assert host_vars(ctx, plan.host("yde-dns"))["dns_mail_service"] == "courrier"
    assert host_vars(ctx, plan.host("yde-mail"))["mail_service_identity"] == f"courrier.{plan.domain}"


@pytest.mark.parametrize(
    ("service", "names", "message"),
    [
        ("mail-backend", ("dns",), "the name 'dns' already points at service 'dns'"),
        ("replication", ("sync",), "its hosts do different jobs"),
        ("ssh", ("jump",), "it is a management service"),
    ],
)
def test_a_name_that_cannot_exist_is_a_problem(service: str, names: tuple[str, ...], message: str) -> None:
    with pytest.raises(TopologyError) as raised:
        _with_names(service, names)
    found = [(p.path, p.message) for p in raised.value.problems]
    assert any(path == ("services", service, "names", 0) and message in text for path, text in found), found


def test_front_ends_without_a_service_of_their_own_have_no_name_and_validate_says_so() -> None:
    topo = _topology()
    services = {k: v for k, v in topo.services.items() if k != "groupware-https"}
    flows = {k: v for k, v in topo.flows.items() if "groupware-https" not in v.to}
    with pytest.raises(TopologyError) as raised:
        compile_plan(topo.model_copy(update={"services": services, "flows": flows}))
    assert any("groupware_web hosts alone" in p.message for p in raised.value.problems)
