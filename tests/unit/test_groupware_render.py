"""The groupware roles' variables and offline configs, derived from the default topology."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Flow, Plan
from egovinfra.compile.replication import compile_replications
from egovinfra.model import load_topology
from egovinfra.model.problems import ProblemList
from egovinfra.render.assignments import ansible_roles
from egovinfra.render.configs import render_configs
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.providers import PROVIDERS
from tests.conftest import DEFAULT_TOPOLOGY


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


def _vars(plan: Plan, role: str, host: str) -> dict:  # type: ignore[type-arg]
    found = PROVIDERS[role](RenderContext(plan, "lab"), plan.host(host))
    assert found is not None
    return found


def _config(plan: Plan, host: str, path: str) -> str:
    return render_configs(RenderContext(plan, "lab"), plan.host(host))[f"configs/{host}/{path}"].decode()


def test_groupware_functions_get_their_roles_after_the_certificate(plan: Plan) -> None:
    expected = {"ldap": "directory", "mail": "mail", "groupware": "groupware_app", "web": "groupware_web"}
    for role, function in expected.items():
        for host in (h for h in plan.hosts if function in h.roles):
            roles = ansible_roles(host, plan)
            assert roles.index("tlscert") < roles.index(role), host.name


def test_directory_provider_is_the_primary_and_the_secondary_follows_it(plan: Plan) -> None:
    assert _vars(plan, "ldap", "yde-ldap")["ldap_role"] == "provider"
    consumer = _vars(plan, "ldap", "dla-ldap")
    assert consumer["ldap_role"] == "consumer"
    assert consumer["ldap_provider_uri"] == "ldaps://ldap.yde.intranet.gov.cm:636"
    assert consumer["ldap_hosts"] == [{"fqdn": "ldap.yde.intranet.gov.cm", "address": "10.1.3.11"}]
    # Only the provider is written to.
    assert consumer["ldap_people"] == [] and len(_vars(plan, "ldap", "yde-ldap")["ldap_people"]) == 4


def test_replication_binds_with_the_consumer_certificate_not_a_password(plan: Plan) -> None:
    provider_ldif = _config(plan, "yde-ldap", "etc/ldap/egovinfra/slapd.ldif")
    consumer_ldif = _config(plan, "dla-ldap", "etc/ldap/egovinfra/slapd.ldif")
    assert 'by dn.exact="cn=ldap.dla.intranet.gov.cm" read' in provider_ldif
    assert "olcOverlay: {0}syncprov" in provider_ldif and "olcSyncrepl" not in provider_ldif
    assert "saslmech=external" in consumer_ldif and "tls_reqcert=demand" in consumer_ldif
    assert "credentials" not in consumer_ldif and "olcRootPW" not in consumer_ldif


def test_only_the_back_end_zones_may_read_the_directory(plan: Plan) -> None:
    # The flow backends-to-data opens tcp/389 from the app zones of both datacenters.
    assert _vars(plan, "ldap", "yde-ldap")["ldap_read_networks"] == [
        "10.1.2.0%255.255.255.0",
        "10.2.2.0%255.255.255.0",
    ]


def test_every_ministry_domain_is_hosted_and_only_known_mailboxes_accepted(plan: Plan) -> None:
    main_cf = _config(plan, "yde-mail", "etc/postfix/main.cf")
    domains = re.search(r"^virtual_mailbox_domains = (.*)$", main_cf, re.M)
    assert domains is not None
    assert set(domains.group(1).split()) == {f"{s.name}.intranet.gov.cm" for s in plan.sites}
    boxes = _config(plan, "yde-mail", "etc/postfix/egovinfra/mailboxes")
    assert "cmballa@minfi.intranet.gov.cm cmballa" in boxes.splitlines()
    # Ministry LANs may deliver on port 25 but relay only after a login on 587.
    relay = re.search(r"^mynetworks = (.*)$", main_cf, re.M)
    assert relay is not None and not any(n.startswith("10.64.") for n in relay.group(1).split())


def test_mail_hosts_replicate_to_each_other_over_the_replication_port(plan: Plan) -> None:
    assert _vars(plan, "mail", "yde-mail")["mail_replica"] == "tcps:mail.dla.intranet.gov.cm:12345"
    assert _vars(plan, "mail", "dla-mail")["mail_replica"] == "tcps:mail.yde.intranet.gov.cm:12345"
    # Each datacenter authenticates against its own directory: the secondary works alone.
    assert _vars(plan, "mail", "dla-mail")["mail_ldap_uri"] == "ldap://ldap.dla.intranet.gov.cm:389"


def test_without_a_replication_flow_the_mail_pair_is_refused(plan: Plan) -> None:
    flows = tuple(
        replace(f, targets=tuple(t for t in f.targets if t.service != "mail-replication")) for f in plan.flows
    )
    problems = ProblemList()
    compile_replications(replace(plan, flows=flows), problems)
    assert any("mail replication" in p.message and "12345" in p.message for p in problems.items)


def test_sogo_runs_in_the_primary_and_waits_on_standby_in_the_secondary(plan: Plan) -> None:
    primary, secondary = _vars(plan, "groupware", "yde-groupware"), _vars(plan, "groupware", "dla-groupware")
    assert primary["groupware_active"] is True and secondary["groupware_active"] is False
    # SOGo names its database by a name each datacenter resolves to its own server: the name
    # lands in every folder's location, which the standby receives from the primary.
    assert primary["groupware_db_host"] == secondary["groupware_db_host"]
    resolved = {
        name: {e["fqdn"]: e["address"] for e in values["groupware_hosts"]}[values["groupware_db_host"]]
        for name, values in (("yde", primary), ("dla", secondary))
    }
    assert resolved == {"yde": plan.host("yde-db").address, "dla": plan.host("dla-db").address}
    assert primary["groupware_db_primary_host"] == secondary["groupware_db_primary_host"] == "yde-db"
    assert secondary["groupware_imap_server"].startswith("imap://mail.dla.intranet.gov.cm:143/")


def test_no_secret_in_any_rendered_groupware_config(plan: Plan) -> None:
    for host in ("yde-ldap", "dla-ldap", "yde-mail", "yde-groupware", "yde-web"):
        for path, content in render_configs(RenderContext(plan, "lab"), plan.host(host)).items():
            text = content.decode()
            # A database URL with a password carries user:password@.
            assert not re.search(r"postgresql://[^@/]*:[^@/]*@", text), path
            assert not re.search(r"(?im)^\s*(bindPassword|olcRootPW|doveadm_password = [^<])", text), path


def test_front_ends_proxy_to_their_own_datacenter_and_serve_the_service_name(plan: Plan) -> None:
    web = _vars(plan, "web", "dla-web")
    assert web["web_backend"] == f"https://{plan.host('dla-groupware').address}:20000"
    assert web["web_backend_name"] == plan.host("dla-groupware").fqdn
    assert "groupware.intranet.gov.cm" in web["web_server_names"]
    site = _config(plan, "dla-web", "etc/nginx/sites-available/groupware.conf")
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in site


def test_the_backend_port_is_the_one_the_front_end_flow_opens(plan: Plan) -> None:
    flow: Flow = next(f for f in plan.flows if any(t.service == "groupware-backend" for t in f.targets))
    ports = {str(p) for p in plan.service("groupware-backend").ports}
    listen = _vars(plan, "groupware", "yde-groupware")["groupware_listen"]
    assert f"tcp/{listen.rsplit(':', 1)[1]}" in ports
    assert flow.sources and all(s.kind == "zone" for s in flow.sources)


def test_tls_key_is_readable_by_the_daemon_that_serves_it(plan: Plan) -> None:
    assert _vars(plan, "tlscert", "yde-ldap")["tlscert_key_group"] == "openldap"
    assert _vars(plan, "tlscert", "yde-web")["tlscert_key_group"] == "root"
    # The groupware host serves TLS too (nginx in front of sogod), its key stays root's.
    assert _vars(plan, "tlscert", "yde-groupware")["tlscert_server"] is True
    assert _vars(plan, "tlscert", "yde-groupware")["tlscert_key_group"] == "root"
    assert _vars(plan, "tlscert", "yde-db")["tlscert_key_group"] == "postgres"
