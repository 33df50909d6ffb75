"""One package step per host: it holds every package each of the host's roles used to install,
and the roles themselves install nothing."""

from __future__ import annotations

from functools import cache

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from egovinfra.compile import compile_plan
from egovinfra.compile.packages import LIBIPSEC_PACKAGES, ROLE_PACKAGES, host_packages
from egovinfra.compile.plan import Plan
from egovinfra.lab.image import PACKAGES_FILE, read_packages
from egovinfra.model import load_topology
from egovinfra.render.hostvars import Environment, RenderContext
from egovinfra.render.inventory import host_vars
from tests.conftest import DEFAULT_TOPOLOGY, ROOT

# What each role needs to run, written from its tasks and templates (the daemons they configure,
# the tools they call), not read from the compiler's table.
NEEDS: dict[str, set[str]] = {
    "common": {"openssh-server", "chrony", "sudo", "unattended-upgrades"},
    "nftables": {"nftables"},
    "fence": {"bind9-dnsutils", "python3"},
    # nc: verify and the drills read charon's vici socket through it, over ssh
    "ipsec": {"charon-systemd", "strongswan-swanctl", "libstrongswan-standard-plugins", "netcat-openbsd"},
    "postgresql": {"postgresql", "postgresql-client", "python3-psycopg2", "acl"},
    "backup": {"pgbackrest", "borgbackup"},
    "filesync": {"rsync"},
    "dns": {"bind9", "bind9-dnsutils"},
    "ldap": {"slapd", "ldap-utils", "python3-ldap"},
    "mail": {"postfix", "dovecot-imapd", "dovecot-lmtpd", "dovecot-ldap"},
    "groupware": {"sogo", "memcached", "ldap-utils"},
    "web": {"nginx", "sogo-common"},
    "monitoring": {"prometheus", "prometheus-alertmanager", "prometheus-blackbox-exporter"},
    "node_exporter": {"prometheus-node-exporter"},
    "postgres_exporter": {"prometheus-postgres-exporter"},
    "bind_exporter": {"prometheus-bind-exporter"},
    "logging": {"rsyslog", "rsyslog-gnutls"},
    "logstore": {"rsyslog", "rsyslog-gnutls"},
}
# tlscert hands the key to the daemons of the host's TLS functions: their users must exist.
TLS_DAEMONS = {"directory": {"slapd"}, "mail": {"postfix", "dovecot-imapd"}, "groupware_web": {"nginx"}}
# In the image as dependencies of a listed package (apt pulls them in).
IMAGE_DEPENDENCIES = {"sogo-common": "sogo"}
ENVS: tuple[Environment, ...] = ("production", "lab")


@cache
def default_plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


@pytest.mark.parametrize("env", ENVS)
def test_every_host_gets_every_package_of_its_roles(env: Environment) -> None:
    ctx = RenderContext(default_plan(), env)
    checked = 0
    for host in ctx.plan.hosts:
        if not host.managed:
            continue
        hv = host_vars(ctx, host)
        names = hv["packages_names"]
        assert hv["egovinfra_roles"][0] == "packages", f"{host.name}: packages must come before every role"
        assert names == sorted(set(names))
        for role in hv["egovinfra_roles"]:
            missing = NEEDS.get(role, set()) - set(names)
            assert not missing, f"{host.name} ({role}): {sorted(missing)} not installed"
            checked += 1
        if "tlscert" in hv["egovinfra_roles"]:
            for function in host.roles:
                assert TLS_DAEMONS.get(function, set()) <= set(names), f"{host.name}: TLS daemons of {function}"
        # The userspace ESP only where the kernel has none (the lab).
        tunnels = "ipsec" in hv["egovinfra_roles"]
        assert (set(LIBIPSEC_PACKAGES) <= set(names)) == (tunnels and env == "lab"), host.name
    assert checked > 100


def test_a_workstation_gets_only_the_base() -> None:
    ctx = RenderContext(default_plan(), "production")
    host = next(h for h in ctx.plan.hosts if h.managed and h.roles == ("workstation",))
    assert set(host_vars(ctx, host)["packages_names"]) == NEEDS["common"] | NEEDS["nftables"]


def test_no_role_installs_a_package_itself() -> None:
    for path in sorted((ROOT / "roles").glob("*/tasks/*.yml")):
        if path.parts[-3] == "packages":
            continue
        text = path.read_text()
        for module in ("ansible.builtin.apt:", "ansible.builtin.package:", "ansible.builtin.dnf:"):
            assert module not in text, f"{path.relative_to(ROOT)} installs packages ({module})"


def test_the_lab_image_holds_every_package_a_role_needs() -> None:
    image = set(read_packages(PACKAGES_FILE.read_text()))
    wanted = {p for needs in NEEDS.values() for p in needs} | set(LIBIPSEC_PACKAGES)
    wanted |= {p for role_packages in ROLE_PACKAGES.values() for p in role_packages}
    absent = {p for p in wanted if p not in image and IMAGE_DEPENDENCIES.get(p) not in image}
    assert not absent, f"not baked into the lab image: {sorted(absent)}"


def test_the_package_play_runs_first_and_always() -> None:
    site = yaml.safe_load((ROOT / "playbooks" / "site.yml").read_text())
    imported = [entry["ansible.builtin.import_playbook"] for entry in site]
    assert imported[0] == "packages.yml"
    (play,) = yaml.safe_load((ROOT / "playbooks" / "packages.yml").read_text())
    assert "always" in play["roles"][0]["tags"]


@given(st.lists(st.sampled_from(sorted(ROLE_PACKAGES)), max_size=8), st.booleans())
def test_the_union_is_sorted_unique_and_covers_each_role(roles: list[str], libipsec: bool) -> None:
    names = host_packages(roles, libipsec=libipsec)
    assert list(names) == sorted(set(names))
    for role in roles:
        assert set(ROLE_PACKAGES[role]) <= set(names)
    assert (set(LIBIPSEC_PACKAGES) <= set(names)) == (libipsec and "ipsec" in roles)
    assert set(names) <= {p for r in roles for p in ROLE_PACKAGES[r]} | set(LIBIPSEC_PACKAGES)
