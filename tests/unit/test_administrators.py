"""Named administrators: the schema's checks, the Plan's access against the intent, the
inventory's path through the bastion, the account converge logs in with, and the role's rule
for removing an administrator the topology no longer lists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from egovinfra.cli.converge import (
    BOOTSTRAP_PLAYBOOK,
    DEFAULT_PLAYBOOK,
    OPERATOR_ENV,
    Access,
    ConvergeError,
    bootstrap_playbook,
    operator,
    production_access,
)
from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Plan
from egovinfra.model import load_topology
from egovinfra.model.admins import Administrator
from egovinfra.model.schema import Topology
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.inventory import all_vars, host_vars
from tests.conftest import DEFAULT_TOPOLOGY

ROOT = Path(__file__).resolve().parents[2]
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey


def openssh(key: PublicKey, comment: str = "someone@example") -> str:
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return f"{line} {comment}"


def ed25519_key() -> str:
    return openssh(ed25519.Ed25519PrivateKey.generate().public_key())


def admin(login: str, keys: list[str] | None = None, datacenters: list[str] | None = None) -> Administrator:
    # As the loader does: YAML sequences arrive as JSON arrays.
    data = {"login": login, "name": login.title(), "keys": keys or [ed25519_key()], "datacenters": datacenters}
    return Administrator.model_validate_json(json.dumps(data))


# Schema


@pytest.mark.parametrize(
    "key",
    [
        ed25519.Ed25519PrivateKey.generate().public_key(),
        ec.generate_private_key(ec.SECP256R1()).public_key(),
        ec.generate_private_key(ec.SECP384R1()).public_key(),
        rsa.generate_private_key(65537, 3072).public_key(),
    ],
    ids=["ed25519", "ecdsa-p256", "ecdsa-p384", "rsa-3072"],
)
def test_current_key_types_are_accepted(key: PublicKey) -> None:
    line = openssh(key, "amina@laptop")
    assert admin("amina", [line]).keys == (line,)


def test_an_rsa_key_under_3072_bits_is_refused() -> None:
    with pytest.raises(ValidationError, match="RSA key of 2048 bits"):
        admin("amina", [openssh(rsa.generate_private_key(65537, 2048).public_key())])


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("ssh-ed25519", "not an OpenSSH public key line"),
        ("ssh-ed25519 AAAA!!notbase64 x@y", "not a valid OpenSSH public key"),
        ("ssh-dss AAAAB3NzaC1kc3MAAACBAP x@y", "key type ssh-dss is not accepted"),
    ],
)
def test_what_is_no_acceptable_key_is_refused(key: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        admin("amina", [key])


def test_a_key_of_one_type_announced_as_another_is_refused() -> None:
    ed_blob = ed25519_key().split()[1]
    with pytest.raises(ValidationError, match="not a valid OpenSSH public key"):
        admin("amina", [f"ssh-rsa {ed_blob}"])


@pytest.mark.parametrize("login", ["Amina", "1amina", "amina.njoya", "a" * 33, "amina njoya", "root", "postgres"])
def test_a_login_that_is_no_person_s_posix_name_is_refused(login: str) -> None:
    with pytest.raises(ValidationError):
        admin(login)


def test_an_administrator_needs_a_key() -> None:
    with pytest.raises(ValidationError, match="at least one"):
        Administrator.model_validate_json('{"login": "amina", "name": "Amina", "keys": []}')


# The Plan, against the intent


@cache
def _topology() -> Topology:
    return load_topology(DEFAULT_TOPOLOGY).topology


def plan_for(admins: tuple[Administrator, ...]) -> Plan:
    return compile_plan(_topology().model_copy(update={"administrators": admins}))


def expected_accounts(topo: Topology, admins: tuple[Administrator, ...], scope: str, kind: str) -> set[str]:
    """From the intent: a datacenter host has the administrators of its datacenter; a site gateway
    those of every datacenter (none named means all)."""
    every = set(topo.datacenters)
    wanted = set()
    for a in admins:
        scopes = set(a.datacenters) if a.datacenters is not None else every
        if (kind == "datacenter" and scope in scopes) or (kind == "site" and scopes >= every):
            wanted.add(a.login)
    return wanted


def bastion_name(topo: Topology, datacenter: str) -> str:
    (name,) = [n for n, h in topo.datacenters[datacenter].hosts.items() if "bastion" in h.roles]
    return f"{datacenter}-{name}"


_ADMINS = st.lists(
    st.tuples(
        st.sampled_from(["amina", "paul", "ngono", "_ops", "eto-o"]),
        st.none() | st.lists(st.sampled_from(["yde", "dla"]), min_size=1, max_size=2, unique=True),
    ),
    max_size=4,
    unique_by=lambda t: t[0],
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ADMINS)
def test_each_host_has_its_datacenter_s_administrators_reached_through_its_bastion(
    chosen: list[tuple[str, list[str] | None]],
) -> None:
    admins = tuple(admin(login, datacenters=dcs) for login, dcs in chosen)
    topo = _topology()
    plan = plan_for(admins)
    assert plan.access.root_login is (not admins)
    for host in plan.hosts:
        access = plan.access.of(host.name)
        if not host.managed or not admins:
            assert (access.accounts, access.bastion, access.admins_from) == ((), None, ())
            continue
        assert set(access.accounts) == expected_accounts(topo, admins, host.scope, host.kind)
        dc = host.scope if host.kind == "datacenter" else plan.active.name
        if host.name == bastion_name(topo, dc):
            assert access.bastion is None and access.admins_from == (topo.addressing.management,)
        else:
            assert access.bastion == bastion_name(topo, dc)
            assert access.admins_from == (f"{plan.host(access.bastion).mgmt_address}/32",)


def test_an_administrator_removed_from_the_topology_has_no_account_anywhere() -> None:
    kept, gone = admin("amina"), admin("paul")
    before, after = plan_for((kept, gone)), plan_for((kept,))
    assert any("paul" in h.accounts for h in before.access.hosts)
    assert not any("paul" in h.accounts for h in after.access.hosts)
    assert all(h.accounts == ("amina",) for h in after.access.hosts if h.accounts)


# The inventory


@pytest.mark.parametrize("env", ["lab", "production"])
def test_the_inventory_jumps_through_the_bastion_as_the_operator(env: str) -> None:
    topo = _topology()
    ctx = RenderContext(plan_for((admin("amina"),)), env)  # type: ignore[arg-type]
    assert "ansible_user" not in all_vars(ctx)  # converge names the account
    for host in ctx.plan.hosts:
        if not host.managed:
            continue
        values = host_vars(ctx, host)
        dc = host.scope if host.kind == "datacenter" else ctx.plan.active.name
        bastion = ctx.plan.host(bastion_name(topo, dc))
        if host.name == bastion.name:
            assert "ansible_ssh_common_args" not in values
        else:
            # %r: ssh puts the login of the connection itself on the jump, no template needed.
            assert values["ansible_ssh_common_args"] == f"-o ProxyJump=%r@{bastion.mgmt_address}"
        root_from = values["common_ssh_root_from"]
        assert root_from == (["10.128.0.1/32"] if env == "lab" else [])


def test_without_administrators_root_keeps_its_login_from_the_management_network() -> None:
    ctx = RenderContext(plan_for(()), "production")
    values = host_vars(ctx, ctx.plan.host("yde-db"))
    assert values["common_ssh_root_from"] == [_topology().addressing.management]
    assert values["common_admin_users"] == [] and "ansible_ssh_common_args" not in values


# Converge's account


def test_an_administrator_becomes_root_with_sudo_and_keeps_the_inventory_s_jump() -> None:
    variables = Access(user="amina").extravars()
    assert variables["ansible_user"] == "amina"
    assert variables["ansible_become"] is True and variables["ansible_become_method"] == "sudo"
    assert "ansible_ssh_common_args" not in variables


def test_root_from_the_lab_s_controller_goes_straight_to_the_host() -> None:
    variables = Access(netns="ns", private_key=Path("/k"), known_hosts=Path("/kh")).extravars()
    assert variables["ansible_user"] == "root" and "ansible_become" not in variables
    assert variables["ansible_ssh_common_args"].startswith("-o UserKnownHostsFile=/kh")


def test_the_account_comes_from_the_option_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OPERATOR_ENV, "paul")
    assert operator(None, False) == "paul"
    assert operator("amina", False) == "amina"
    assert operator(None, True) == "root"
    with pytest.raises(ConvergeError):
        operator("amina", True)
    monkeypatch.delenv(OPERATOR_ENV)
    assert operator(None, False) is None
    with pytest.raises(ConvergeError, match="--user"):
        production_access(None, None)


def test_bootstrap_runs_the_common_base_only() -> None:
    assert bootstrap_playbook(DEFAULT_PLAYBOOK) == BOOTSTRAP_PLAYBOOK
    assert bootstrap_playbook(BOOTSTRAP_PLAYBOOK) == BOOTSTRAP_PLAYBOOK
    with pytest.raises(ConvergeError):
        bootstrap_playbook(ROOT / "playbooks" / "postgresql.yml")


# The role's removal rule, run by Ansible itself


def _departed(tmp_path: Path, members: str, declared: list[str]) -> list[str]:
    tasks = yaml.safe_load((ROOT / "roles/common/tasks/users.yml").read_text())
    (rule,) = [t for t in tasks if "common_departed_admins" in t.get("ansible.builtin.set_fact", {})]
    group = {"ansible_facts": {"getent_group": {"egovinfra-admins": ["x", "998", members]}}}
    show = {"name": "Show", "ansible.builtin.debug": {"msg": "{{ common_departed_admins | to_json }}"}}
    play = [
        {
            "name": "Departed administrators",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {"common_admin_group": group, "common_admin_users": [{"name": n} for n in declared]},
            "tasks": [rule, show],
        }
    ]
    path = tmp_path / "departed.yml"
    path.write_text(yaml.safe_dump(play))
    env = {**os.environ, "ANSIBLE_STDOUT_CALLBACK": "json", "ANSIBLE_LOCALHOST_WARNING": "False"}
    env["PATH"] = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    done = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", str(path)],
        capture_output=True, text=True, check=False, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)["plays"][0]["tasks"][1]["hosts"]["localhost"]["msg"]
    return list(json.loads(result) if isinstance(result, str) else result)


def test_the_role_removes_the_group_s_members_the_inventory_no_longer_lists(tmp_path: Path) -> None:
    assert _departed(tmp_path, "amina,paul,root", ["amina"]) == ["paul"]  # root is never removed
    assert _departed(tmp_path, "", ["amina"]) == []
    assert _departed(tmp_path, "amina", []) == ["amina"]
