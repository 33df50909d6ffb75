"""Every port a configuration uses comes from the topology's services: change it once, every file follows."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.render import Tree, render_all
from tests.conftest import DEFAULT_TOPOLOGY
from tests.support.yamlread import read_yaml

REPOSITORY = Path(__file__).resolve().parents[2]
ROLES = REPOSITORY / "roles"
ROLE_MODULES = REPOSITORY / "egovinfra" / "render" / "roles"


def _render_with(tmp_path: Path, *edits: tuple[str, str]) -> Tree:
    """The default topology rendered after replacing text in topology.yaml."""
    topology = tmp_path / "topology"
    shutil.copytree(DEFAULT_TOPOLOGY, topology)
    main = topology / "topology.yaml"
    text = main.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    main.write_text(text)
    return render_all(compile_plan(load_topology(topology).topology))


def _file(tree: Tree, host: str, path: str) -> str:
    return tree[f"configs/{host}/{path}"].decode()


def _nft(tree: Tree, host: str) -> str:
    return _file(tree, host, "etc/nftables.conf")


def _opens(tree: Tree, host: str, port: int) -> bool:
    """Whether the host's ruleset accepts `port`, alone or in a set."""
    return re.search(rf"dport (\{{ [^}}]*)?\b{port}\b[^\n]* accept", _nft(tree, host)) is not None


def test_groupware_backend_port(tmp_path: Path) -> None:
    """The issue's case: nftables opened 8080 while SOGo and nginx stayed on 20000."""
    tree = _render_with(tmp_path, ("{groupware: tcp/20000}", "{groupware: tcp/8080}"))
    assert "dport 8080" in _nft(tree, "yde-groupware")
    assert 'WOPort = "127.0.0.1:8080"' in _file(tree, "yde-groupware", "etc/sogo/sogo.conf")
    assert "listen 10.1.2.10:8080 ssl;" in _file(tree, "yde-groupware", "etc/nginx/sites-available/sogo-tls.conf")
    assert "https://10.1.2.10:8080" in _file(tree, "yde-web", "etc/nginx/sites-available/groupware.conf")
    assert "20000" not in _file(tree, "yde-web", "etc/nginx/sites-available/groupware.conf")


def test_postgresql_port(tmp_path: Path) -> None:
    tree = _render_with(
        tmp_path,
        ("{postgresql: tcp/5432}\n", "{postgresql: tcp/5433}\n"),
        ("{postgresql: tcp/5432, ldaps", "{postgresql: tcp/5433, ldaps"),
    )
    assert "dport 5433" in _nft(tree, "yde-db")
    config = _file(tree, "dla-db", "etc/postgresql/15/main/conf.d/egovinfra.conf")
    assert "port = 5433" in config and "port=5433" in config
    assert "@groupware-db.intranet.gov.cm:5433/sogo" in _file(tree, "yde-groupware", "etc/sogo/sogo.conf")
    assert "5432" not in _file(tree, "yde-groupware", "etc/sogo/sogo.conf")


def test_ldap_ports(tmp_path: Path) -> None:
    tree = _render_with(
        tmp_path,
        ("{ldap: tcp/389, ldaps: tcp/636}", "{ldap: tcp/1389, ldaps: tcp/1636}"),
        ("ldaps: tcp/636, rsync", "ldaps: tcp/1636, rsync"),
    )
    assert "dport { 1389, 1636 }" in _nft(tree, "yde-ldap") or "dport 1389" in _nft(tree, "yde-ldap")
    assert 'SLAPD_SERVICES="ldap://:1389/ ldaps://:1636/ ldapi:///"' in _file(tree, "yde-ldap", "etc/default/slapd")
    assert "provider=ldaps://ldap.yde.intranet.gov.cm:1636" in _file(tree, "dla-ldap", "etc/ldap/egovinfra/slapd.ldif")
    assert "ldap.yde.intranet.gov.cm:1389/" in _file(tree, "yde-groupware", "etc/sogo/sogo.conf")
    assert "ldap.yde.intranet.gov.cm:1389" in _file(tree, "yde-mail", "etc/dovecot/dovecot-ldap-passdb.conf.ext")


def test_mail_ports(tmp_path: Path) -> None:
    tree = _render_with(
        tmp_path,
        (
            "{smtp: tcp/25, submission: tcp/587, imaps: tcp/993}",
            "{smtp: tcp/2525, submission: tcp/1587, imaps: tcp/1993}",
        ),
        ("{imap: tcp/143, smtp: tcp/25}", "{imap: tcp/1143, smtp: tcp/2525}"),
        ("{doveadm: tcp/12345}", "{doveadm: tcp/12346}"),
    )
    master = _file(tree, "yde-mail", "etc/postfix/master.cf")
    assert master.splitlines()[2].startswith("2525 ") and "\n1587 inet" in master
    dovecot = _file(tree, "yde-mail", "etc/dovecot/dovecot.conf")
    assert "port = 1143" in dovecot and "port = 1993" in dovecot and "port = 12346" in dovecot
    assert "tcps:mail.dla.intranet.gov.cm:12346" in dovecot
    sogo = _file(tree, "yde-groupware", "etc/sogo/sogo.conf")
    assert "mail.yde.intranet.gov.cm:1143" in sogo and "mail.yde.intranet.gov.cm:2525" in sogo
    assert "2525" in _nft(tree, "yde-mail") and "12346" in _nft(tree, "yde-mail")


def test_filesync_port(tmp_path: Path) -> None:
    tree = _render_with(tmp_path, ("rsync: tcp/873", "rsync: tcp/8873"))
    assert "port = 8873" in _file(tree, "dla-files", "etc/rsyncd.conf")
    unit = _file(tree, "yde-files", "etc/systemd/system/egovinfra-filesync.service")
    assert "10.2.3.12:8873" in unit
    assert "8873" in _nft(tree, "dla-files")


def test_dns_port(tmp_path: Path) -> None:
    tree = _render_with(tmp_path, ("{dns: udp/53, dns-tcp: tcp/53}", "{dns: udp/5353, dns-tcp: tcp/5353}"))
    assert "listen-on port 5353 {" in _file(tree, "yde-dns", "etc/bind/named.conf.options")
    assert "udp dport 5353" in _nft(tree, "yde-dns")


def test_https_port(tmp_path: Path) -> None:
    tree = _render_with(tmp_path, ("{https: tcp/443}", "{https: tcp/8443}"))
    nginx = _file(tree, "yde-web", "etc/nginx/sites-available/groupware.conf")
    assert "10.1.1.10:8443 ssl" in nginx and "x-webobjects-server-port 8443;" in nginx
    assert "dport 8443" in _nft(tree, "yde-web")


def test_backup_ports(tmp_path: Path) -> None:
    """borg dialled the topology's `backup-ssh` port while sshd listened on its default only."""
    tree = _render_with(
        tmp_path,
        ("{pgbackrest: tcp/8432, backup-ssh: tcp/22}", "{pgbackrest: tcp/8433, backup-ssh: tcp/2222}"),
        ("{pgbackrest: tcp/8432}", "{pgbackrest: tcp/8433}"),
    )
    sshd = _file(tree, "dla-files", "etc/ssh/sshd_config.d/10-egovinfra.conf").splitlines()
    assert "Port 22" in sshd and "Port 2222" in sshd  # Ansible's, and borg's on the repository
    assert "Port 2222" not in _file(tree, "yde-db", "etc/ssh/sshd_config.d/10-egovinfra.conf")
    assert _opens(tree, "dla-files", 2222)
    job = next(j for j in read_yaml(tree["inventory/host_vars/yde-mail.yml"])["backup_jobs"])
    assert job["url"].startswith("ssh://egovbackup@10.2.3.12:2222/")
    assert job["repository_known_host"] == "[10.2.3.12]:2222"  # ssh's key lookup off port 22
    assert "tls-server-port=8433" in _file(tree, "yde-db", "etc/pgbackrest/pgbackrest.conf")
    assert _opens(tree, "dla-files", 8433) and _opens(tree, "yde-db", 8433)


def test_monitoring_and_log_ports(tmp_path: Path) -> None:
    tree = _render_with(
        tmp_path,
        ("{node-exporter: tcp/9100}", "{node-exporter: tcp/19100}"),
        ("{postgres-exporter: tcp/9187}", "{postgres-exporter: tcp/19187}"),
        ("{bind-exporter: tcp/9119}", "{bind-exporter: tcp/19119}"),
        ("{prometheus: tcp/9090}", "{prometheus: tcp/19090}"),
        (
            "alertmanager: tcp/9093, alertmanager-cluster: tcp/9094",
            "alertmanager: tcp/19093, alertmanager-cluster: tcp/19094",
        ),
        ("{syslog-tls: tcp/6514}", "{syslog-tls: tcp/16514}"),
    )
    assert "10.1.3.10:19100" in _file(tree, "yde-db", "etc/default/prometheus-node-exporter")
    assert "10.1.3.10:19187" in _file(tree, "yde-db", "etc/default/prometheus-postgres-exporter")
    assert "10.1.1.11:19119" in _file(tree, "yde-dns", "etc/default/prometheus-bind-exporter")
    alertmanager = _file(tree, "yde-mon", "etc/default/prometheus-alertmanager")
    assert "10.1.4.11:19093" in alertmanager and "10.1.4.11:19094" in alertmanager
    assert "10.1.4.11:19090" in _file(tree, "yde-mon", "etc/default/prometheus")
    prometheus = _file(tree, "yde-mon", "etc/prometheus/prometheus.yml")
    assert all(f"10.1.3.10:{port}" in prometheus for port in (19100, 19187))
    assert 'port="16514"' in _file(tree, "yde-db", "etc/rsyslog.conf")
    assert 'port="16514"' in _file(tree, "yde-mon", "etc/rsyslog.d/10-egovinfra-store.conf")
    assert all(_opens(tree, "yde-mon", port) for port in (19090, 19093, 19094, 16514, 19100))
    for old in ("9100", "9187", "9119", "9090", "9093", "6514"):
        assert f":{old}" not in prometheus + alertmanager, old


def test_the_bind_statistics_channel_is_one_fact() -> None:
    """named opens the channel its exporter reads: both files take it from the Plan."""
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    tree = render_all(plan)
    address, port = plan.monitoring.bind_statistics_listen
    assert f"inet {address} port {port} allow" in _file(tree, "yde-dns", "etc/bind/named.conf.options")
    exporter = _file(tree, "yde-dns", "etc/default/prometheus-bind-exporter")
    assert f"--bind.stats-url=http://{address}:{port}/" in exporter


# The topology's ports, and the loopback ones the monitoring roles open.
PORTS = ("20000", "5432", "389", "636", "873", "12345", "143", ":25", "443", "53)", "8432", "9100", "9187")
PORTS += ("9119", "9090", "9093", "9094", "6514", "9115", "8053")


@pytest.mark.parametrize("module", sorted(p.name for p in ROLE_MODULES.glob("*.py")))
def test_no_role_module_holds_a_port_constant(module: str) -> None:
    source = (ROLE_MODULES / module).read_text()
    for port in PORTS:
        assert port not in source, (module, port)


@pytest.mark.parametrize("template", sorted(ROLES.glob("*/templates/**/*.j2")), ids=lambda p: str(p.relative_to(ROLES)))
def test_no_template_holds_a_port(template: Path) -> None:
    """A template reads its ports from variables: a literal one would stay put when the topology moves it."""
    text = template.read_text()
    for port in PORTS:
        assert re.search(rf"(?<![\d.]){re.escape(port)}(?!\d)", text) is None, port
