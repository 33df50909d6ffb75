"""Central logs as rendered: every host ships over TLS to the log host of each datacenter, the
log hosts keep what the topology says, and the daemons log connections and authentication."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from egovinfra.cli.topology_cmds import load_plan
from egovinfra.compile.plan import Plan
from egovinfra.render.configs import render_configs
from egovinfra.render.hostvars import RenderContext
from tests.conftest import DEFAULT_TOPOLOGY


@pytest.fixture
def topology(tmp_path: Path) -> Path:
    copy = tmp_path / "cameroon"
    shutil.copytree(DEFAULT_TOPOLOGY, copy, ignore=shutil.ignore_patterns("state"))
    return copy


def _file(plan: Plan, host: str, path: str) -> str:
    ctx = RenderContext(plan, "production")
    return render_configs(ctx, plan.host(host))[f"configs/{host}/{path}"].decode()


def test_log_hosts_keep_what_the_topology_says(topology: Path) -> None:
    path = topology / "topology.yaml"
    text = path.read_text()
    assert "retention_days: 90" in text
    path.write_text(text.replace("retention_days: 90", "retention_days: 45", 1))
    plan = load_plan(topology, "production")
    assert plan.monitoring.log_servers
    for host in plan.monitoring.log_servers:
        prune = _file(plan, host, "etc/systemd/system/egovinfra-logstore-prune.service")
        assert re.search(r"^ExecStart=/usr/bin/find /var/log/remote .* -mtime \+45 -delete$", prune, re.M), prune


def test_every_host_ships_over_tls_to_each_other_log_host_checking_its_name() -> None:
    plan = load_plan(DEFAULT_TOPOLOGY, "production")
    stores = {plan.host(name) for name in plan.monitoring.log_servers}
    # The platform's hosts: every datacenter host and every site gateway (not the workstations).
    platform = [h for h in plan.hosts if h.managed and (h.kind == "datacenter" or "site_gateway" in h.roles)]
    assert any("site_gateway" in h.roles for h in platform)
    for host in platform:
        conf = _file(plan, host.name, "etc/rsyslog.conf")
        actions = re.findall(r"action\((.*?)\n\)", conf, re.S)
        expected = {(s.address, s.fqdn) for s in stores if s.name != host.name}
        shipped = set()
        for action in actions:
            assert 'StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name"' in action, host.name
            target = re.search(r'target="([^"]+)"', action)
            peer = re.search(r'StreamDriverPermittedPeers="([^"]+)"', action)
            assert target and peer, action
            shipped.add((target.group(1), peer.group(1)))
        assert shipped == expected, host.name


def test_the_daemons_log_connections_and_authentication() -> None:
    plan = load_plan(DEFAULT_TOPOLOGY, "production")
    managed = [h for h in plan.hosts if h.managed]
    for host in managed:
        sshd = _file(plan, host.name, "etc/ssh/sshd_config.d/10-egovinfra.conf")
        assert re.search(r"^LogLevel VERBOSE$", sshd, re.M), host.name  # the key that logged in
    databases = [h for h in managed if "database" in h.roles]
    directories = [h for h in managed if "directory" in h.roles]
    assert databases and directories
    for host in databases:
        conf = _file(plan, host.name, "etc/postgresql/15/main/conf.d/egovinfra.conf")
        assert re.search(r"^log_connections = on$", conf, re.M) and re.search(r"^log_disconnections = on$", conf, re.M)
    for host in directories:
        ldif = _file(plan, host.name, "etc/ldap/egovinfra/slapd.ldif")
        assert re.findall(r"^olcLogLevel: (.*)$", ldif, re.M) == ["stats"], host.name  # connections and binds
