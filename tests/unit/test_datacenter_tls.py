"""TLS inside the datacenters: every client of PostgreSQL, the directory, SOGo and doveadm uses it.

Expectations from the intent (issue: "PostgreSQL hostssl only; LDAP over TLS only; SOGo to
PostgreSQL and LDAP over TLS; no password in clear on a datacenter segment"), checked on the
offline configs the roles' own templates render for the default topology.
"""

from __future__ import annotations

import re

import pytest
from cryptography import x509
from hypothesis import given, settings
from hypothesis import strategies as st

from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Plan
from egovinfra.compile.tls import certificate_names
from egovinfra.model import load_topology
from egovinfra.pki import PkiError, init_pki
from egovinfra.pki.issue import dns_names, issue, rotate
from egovinfra.render.configs import render_configs
from egovinfra.render.hostvars import RenderContext
from tests.conftest import DEFAULT_TOPOLOGY


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


def _config(plan: Plan, host: str, path: str) -> str:
    return render_configs(RenderContext(plan, "lab"), plan.host(host))[f"configs/{host}/{path}"].decode()


def _hosts(plan: Plan, function: str) -> list[str]:
    return [h.name for h in plan.hosts if function in h.roles and h.managed]


def _hba_rules(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_pg_hba_takes_tcp_connections_over_tls_only(plan: Plan) -> None:
    for host in _hosts(plan, "database"):
        rules = _hba_rules(_config(plan, host, "etc/postgresql/15/main/pg_hba.conf"))
        tcp = [r for r in rules if r[0] != "local"]
        assert tcp, host
        assert {r[0] for r in tcp} <= {"hostssl", "hostnossl"}, (host, tcp)
        # hostnossl only to refuse (an explicit answer to a client without TLS).
        refusals = [r for r in tcp if r[0] == "hostnossl"]
        assert all(r[-1] == "reject" for r in refusals), host
        assert {r[1] for r in refusals} == {"all", "replication"}, host
        assert any(r[1] == "replication" for r in tcp if r[0] == "hostssl"), host


def test_postgresql_serves_tls_with_the_host_certificate(plan: Plan) -> None:
    for host in _hosts(plan, "database"):
        conf = _config(plan, host, "etc/postgresql/15/main/conf.d/egovinfra.conf")
        assert re.search(r"^ssl = on$", conf, re.M), host
        assert "ssl_cert_file = '/etc/egovinfra/tls/fullchain.pem'" in conf
        assert "ssl_key_file = '/etc/egovinfra/tls/key.pem'" in conf


def test_standbys_check_the_primary_with_verify_full(plan: Plan) -> None:
    replication = plan.replication("database")
    primary = plan.host(replication.primary)
    for host in replication.replicas:
        conf = _config(plan, host, "etc/postgresql/15/main/conf.d/egovinfra.conf")
        conninfo = re.search(r"^primary_conninfo = '([^']*)'", conf, re.M)
        assert conninfo, host
        params = dict(p.split("=", 1) for p in conninfo.group(1).split())
        assert params["sslmode"] == "verify-full"
        assert params["sslrootcert"] == "/etc/egovinfra/tls/ca.pem"
        # The name verify-full checks is the one in the primary's certificate.
        assert params["host"] == primary.fqdn and params["hostaddr"] == primary.address


def test_sogo_reaches_its_database_with_verify_full_by_a_certified_name(plan: Plan) -> None:
    for host in _hosts(plan, "groupware_app"):
        env = _config(plan, host, "etc/default/sogo")
        assert "PGSSLMODE=verify-full" in env.splitlines()
        assert "PGSSLROOTCERT=/etc/egovinfra/tls/ca.pem" in env.splitlines()
        urls = re.findall(r"postgresql://[^@]+@([^:]+):", _config(plan, host, "etc/sogo/sogo.conf"))
        assert urls and set(urls) == {plan.tls.database_alias}
        # Whichever datacenter's server the name leads to, its certificate carries it.
        for db in _hosts(plan, "database"):
            assert plan.tls.database_alias in certificate_names(plan.tls, plan.host(db))


def test_directory_clients_use_tls_only(plan: Plan) -> None:
    for host in _hosts(plan, "groupware_app"):
        assert re.search(r'hostname = "ldap://[^"]+/\?\?\?\?!StartTLS"', _config(plan, host, "etc/sogo/sogo.conf"))
    for host in _hosts(plan, "mail"):
        for name in ("passdb", "userdb"):
            assert "tls = yes" in _config(plan, host, f"etc/dovecot/dovecot-ldap-{name}.conf.ext").splitlines()
    for host in _hosts(plan, "directory"):
        ldif = _config(plan, host, "etc/ldap/egovinfra/slapd.ldif")
        assert "olcSecurity: ssf=128 simple_bind=128" in ldif
        if "olcSyncrepl" in ldif:
            assert re.search(r"provider=ldaps://", ldif) and "tls_reqcert=demand" in ldif


def test_the_front_end_reaches_sogo_over_tls(plan: Plan) -> None:
    for host in _hosts(plan, "groupware_web"):
        site = _config(plan, host, "etc/nginx/sites-available/groupware.conf")
        assert re.search(r"proxy_pass https://", site) and "proxy_ssl_verify on;" in site
        assert "proxy_pass http://" not in site
    for host in _hosts(plan, "groupware_app"):
        assert re.search(r'WOPort = "127\.0\.0\.1:\d+"', _config(plan, host, "etc/sogo/sogo.conf"))


def test_mail_replication_runs_over_tls(plan: Plan) -> None:
    for host in _hosts(plan, "mail"):
        conf = _config(plan, host, "etc/dovecot/dovecot.conf")
        assert re.search(r"mail_replica = tcps:", conf), host
        assert re.search(r"inet_listener \{[^}]*ssl = yes", conf), host


@settings(max_examples=20, deadline=None)
@given(
    extra=st.lists(st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True), min_size=0, max_size=3, unique=True),
)
def test_a_rotated_certificate_keeps_its_service_names(
    tmp_path_factory: pytest.TempPathFactory, extra: list[str]
) -> None:
    pki_dir = tmp_path_factory.mktemp("pki")
    init_pki("lab", "intranet.example", pki_dir, None)
    names = tuple(f"{n}.intranet.example" for n in extra)
    first = issue("db.intranet.example", pki_dir, alt_names=names)
    assert dns_names(x509.load_pem_x509_certificate(first.cert.read_bytes())) == ("db.intranet.example", *names)
    again = rotate("db.intranet.example", pki_dir)
    assert dns_names(x509.load_pem_x509_certificate(again.cert.read_bytes())) == ("db.intranet.example", *names)


def test_a_service_name_outside_the_domain_is_refused(tmp_path_factory: pytest.TempPathFactory) -> None:
    pki_dir = tmp_path_factory.mktemp("pki")
    init_pki("lab", "intranet.example", pki_dir, None)
    for name in ("groupware-db", "groupware-db.elsewhere.example"):
        with pytest.raises(PkiError):
            issue("db.intranet.example", pki_dir, alt_names=(name,))
    assert not (pki_dir / "hosts" / "db.intranet.example").exists()
