"""What the data roles do with the default topology, checked against the intent.

The intent (topology/cameroon): yde is the primary datacenter, dla the secondary; the
database, filestore and DNS hosts exist in both; the data zones may reach each other's
replication ports; replication is synchronous. Expectations below are written from that,
not read back from the providers.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Plan
from egovinfra.model import load_topology
from egovinfra.model.problems import TopologyError
from egovinfra.render.configs import render_configs, render_template
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.inventory import all_vars, host_vars
from tests.conftest import DEFAULT_TOPOLOGY


@cache
def plan_with(mode: str = "synchronous", drop_flow: str = "") -> Plan:
    topology = load_topology(DEFAULT_TOPOLOGY).topology
    flows = {k: v for k, v in topology.flows.items() if k != drop_flow}
    replication = topology.replication.model_copy(update={"mode": mode})
    return compile_plan(topology.model_copy(update={"replication": replication, "flows": flows}))


def config(host: str, path: str, plan: Plan | None = None, env: str = "lab") -> str:
    ctx = RenderContext(plan or plan_with(), env)  # type: ignore[arg-type]
    return render_configs(ctx, ctx.plan.host(host))[f"configs/{host}/{path}"].decode()


def variables(host: str, plan: Plan | None = None) -> dict[str, Any]:
    ctx = RenderContext(plan or plan_with(), "lab")
    return host_vars(ctx, ctx.plan.host(host))


def hba_rules(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line and not line.startswith("#")]


# PostgreSQL


def test_the_primary_is_in_the_primary_datacenter_and_streams_to_the_secondary() -> None:
    assert variables("yde-db")["postgresql_role"] == "primary"
    assert variables("dla-db")["postgresql_role"] == "standby"
    standby = config("dla-db", "etc/postgresql/15/main/conf.d/egovinfra.conf")
    assert "primary_conninfo = 'host=db.yde.intranet.gov.cm hostaddr=10.1.3.10 port=5432 user=replicator" in standby
    assert "primary_slot_name = 'dla_db'" in standby
    assert variables("yde-db")["postgresql_slots"] == ["dla_db"]


def test_synchronous_replication_waits_for_the_standby_and_asynchronous_does_not() -> None:
    sync = config("yde-db", "etc/postgresql/15/main/conf.d/egovinfra.conf", plan_with("synchronous"))
    assert "synchronous_standby_names = 'ANY 1 (dla_db)'" in sync
    asynchronous = config("yde-db", "etc/postgresql/15/main/conf.d/egovinfra.conf", plan_with("asynchronous"))
    assert "synchronous_standby_names = ''" in asynchronous


def test_pg_hba_allows_replication_only_from_the_peer_and_databases_from_the_flows() -> None:
    rules = hba_rules(config("yde-db", "etc/postgresql/15/main/pg_hba.conf"))
    replication = [r for r in rules if r[0] == "hostssl" and r[1] == "replication"]
    assert replication == [["hostssl", "replication", "replicator", "10.2.3.10/32", "scram-sha-256"]]
    clients = {r[3] for r in rules if r[0] == "hostssl" and r[1] == "all"} - {"127.0.0.1/32", "::1/128"}
    # backends-to-data (app zones) and datacenter-replication (data zones) reach tcp/5432.
    assert clients == {"10.1.2.0/24", "10.2.2.0/24", "10.1.3.0/24", "10.2.3.0/24"}
    assert not any(r[-1] in ("trust", "password", "md5") for r in rules)


def test_replication_without_a_flow_is_refused_by_the_compiler() -> None:
    with pytest.raises(TopologyError, match=r"dla-db .*tcp/5432.*yde-db"):
        plan_with(drop_flow="datacenter-replication")


def test_no_replication_password_in_the_rendered_files() -> None:
    text = config("dla-db", "etc/postgresql/15/main/conf.d/egovinfra.conf")
    assert "passfile=" in text
    conninfo = next(line for line in text.splitlines() if line.startswith("primary_conninfo"))
    assert "password=" not in conninfo


# File replication


def test_files_are_pushed_from_the_primary_to_the_secondary_only() -> None:
    assert variables("yde-files")["filesync_role"] == "source"
    assert variables("dla-files")["filesync_role"] == "target"
    unit = config("yde-files", "etc/systemd/system/egovinfra-filesync.service")
    assert re.search(r"ExecStart=\S+ /srv/groupware/files groupware-files filesync 10\.2\.3\.12:873$", unit, re.M)
    daemon = config("dla-files", "etc/rsyncd.conf")
    assert "hosts allow = 10.1.3.12/32" in daemon
    assert "hosts deny = *" in daemon
    assert "write only = yes" in daemon
    assert "address = 10.2.3.12" in daemon


# DNS


def zone(host: str = "yde-dns", active: str | None = None) -> dict[str, list[str]]:
    ctx = RenderContext(plan_with(), "lab")
    values = {**all_vars(ctx), **host_vars(ctx, ctx.plan.host(host)), "inventory_hostname": host}
    if active:
        values["dns_active_datacenter"] = active
    text = render_template("dns", "etc/bind/egovinfra/db.intranet.j2", values)
    records: dict[str, list[str]] = {}
    for line in text.splitlines():
        fields = line.split()
        if "A" in fields and "IN" in fields:
            records.setdefault(fields[0], []).append(fields[-1])
    return records


def test_every_host_fqdn_has_its_address() -> None:
    records = zone()
    for host in plan_with().hosts:
        name = host.fqdn.removesuffix(".intranet.gov.cm")
        assert records.get(name) == [host.address], host.fqdn


def test_service_names_point_at_the_primary_and_the_failover_switches_them() -> None:
    assert zone()["groupware"] == ["10.1.1.10"]  # yde-web
    assert zone()["mail"] == ["10.1.2.11"]  # yde-mail
    switched = zone(active="dla")
    assert switched["groupware"] == ["10.2.1.10"]
    assert switched["mail"] == ["10.2.2.11"]
    assert switched["db.yde"] == ["10.1.3.10"]  # host names never move


def test_both_datacenters_serve_the_same_zone() -> None:
    assert config("yde-dns", "etc/bind/egovinfra/db.intranet") == config("dla-dns", "etc/bind/egovinfra/db.intranet")
    options = config("dla-dns", "etc/bind/named.conf.options")
    assert "listen-on port 53 { 127.0.0.1; 10.2.1.11; };" in options
    assert "recursion no;" in options
    # Every ministry LAN may query (flow ministries-to-groupware reaches dns).
    for site in plan_with().sites:
        assert f" {site.lan};" in options


def test_a_service_spread_over_different_functions_gets_no_name() -> None:
    assert "replication" not in zone()


# Common


def test_sshd_accepts_administrators_through_the_bastion_and_root_nowhere() -> None:
    sshd = "etc/ssh/sshd_config.d/10-egovinfra.conf"
    text = config("yde-db", sshd, env="production").splitlines()
    # The example's administrator, from yde's bastion (10.129.4.10) only; no root, no wildcard.
    assert "AllowUsers ebela@10.129.4.10/32" in text
    assert "PermitRootLogin no" in text
    bastion = config("yde-bastion", sshd, env="production").splitlines()
    assert "AllowUsers ebela@10.128.0.0/11" in bastion
    # The lab's controller (the management pool's first address) keeps root, for its tools.
    lab = config("yde-db", sshd).splitlines()
    assert "AllowUsers ebela@10.129.4.10/32 root@10.128.0.1/32" in lab
    assert "PermitRootLogin prohibit-password" in lab
    assert "PasswordAuthentication no" in text
    assert "AllowTcpForwarding no" in text
    assert "AllowTcpForwarding yes" in config("yde-bastion", "etc/ssh/sshd_config.d/10-egovinfra.conf")


def test_lab_and_production_differ_only_where_the_lab_cannot_do_it() -> None:
    ctx_lab = RenderContext(plan_with(), "lab")
    ctx_prod = RenderContext(plan_with(), "production")
    lab = host_vars(ctx_lab, ctx_lab.plan.host("yde-db"))
    prod = host_vars(ctx_prod, ctx_prod.plan.host("yde-db"))
    assert lab["common_kernel_sysctls"] is False and prod["common_kernel_sysctls"] is True
    assert lab["common_ntp_servers"] == [] and prod["common_ntp_servers"]
    assert lab["common_unattended_upgrades"] is False and prod["common_unattended_upgrades"] is True
