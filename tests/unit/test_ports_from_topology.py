"""Every port a configuration uses comes from the topology's services: change it once, every file follows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.render import Tree, render_all
from tests.conftest import DEFAULT_TOPOLOGY


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


@pytest.mark.parametrize("module", ["dns", "filesync", "groupware", "ldap", "mail", "postgresql", "web"])
def test_no_role_module_holds_a_port_constant(module: str) -> None:
    source = (Path(__file__).resolve().parents[2] / "egovinfra" / "render" / "roles" / f"{module}.py").read_text()
    for port in ("20000", "5432", "389", "636", "873", "12345", "143", ":25", "443", "53)"):
        assert port not in source, (module, port)
