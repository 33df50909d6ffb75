"""Ansible's own checks on the roles and playbooks, and freshness of the committed inventories."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.render import read_tree
from egovinfra.render.hostvars import Environment, RenderContext
from egovinfra.render.inventory import render_inventory
from tests.conftest import DEFAULT_TOPOLOGY, ROOT

BIN = Path(sys.executable).parent
PLAYBOOKS = sorted((ROOT / "playbooks").glob("*.yml"))


def ansible_env() -> dict[str, str]:
    return {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "PATH": f"{BIN}:{os.environ['PATH']}"}


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda p: p.name)
def test_playbook_syntax(playbook: Path) -> None:
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "--syntax-check", "-i", str(ROOT / "inventories" / "lab"), str(playbook)],
        cwd=ROOT,
        env=ansible_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ansible_lint_production_profile_is_clean() -> None:
    done = subprocess.run(
        [str(BIN / "ansible-lint"), "--offline", "--profile", "production", "--nocolor", "roles", "playbooks"],
        cwd=ROOT,
        env=ansible_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]


@pytest.mark.parametrize("env", ["lab", "production"])
def test_committed_inventory_is_fresh(env: Environment) -> None:
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    expected = render_inventory(RenderContext(plan, env), prefix="")
    committed = {p: c for p, c in read_tree(ROOT / "inventories" / env).items() if not p.startswith(".")}
    stale = sorted(p for p in expected.keys() | committed.keys() if expected.get(p) != committed.get(p))
    assert not stale, (
        f"inventories/{env} is stale ({', '.join(stale[:5])}...): "
        f"run `egovinfra inventory --env {env} --out inventories/{env}`"
    )


def _tasks(node: object) -> list[dict[str, object]]:
    """Every task of a tasks file or play, blocks and handlers included."""
    found: list[dict[str, object]] = []
    if isinstance(node, list):
        for item in node:
            found += _tasks(item)
    elif isinstance(node, dict):
        found.append(node)
        for key in ("block", "rescue", "always", "tasks", "handlers", "pre_tasks", "post_tasks"):
            found += _tasks(node.get(key))
    return found


def test_no_ansible_module_reads_a_password_hash_back() -> None:
    """slapd's Argon2 hashes end in a NUL and a stray byte, not always UTF-8: a community.general
    LDAP module that reads userPassword back (to report a diff, or all attributes of a search)
    fails after its change, now and then. Only ldapmodify and the password module touch it."""
    import yaml

    readers = ("community.general.ldap_attrs", "community.general.ldap_entry", "community.general.ldap_search")
    offending = []
    for path in sorted([*(ROOT / "roles").glob("*/tasks/*.yml"), *(ROOT / "playbooks").glob("*.yml")]):
        for task in _tasks(yaml.safe_load(path.read_text())):
            for module in readers:
                args = task.get(module)
                if not isinstance(args, dict):
                    continue
                names = [*(args.get("attributes") or {}), *(args.get("attrs") or [])]
                if module.endswith("ldap_search") and not args.get("attrs"):
                    names.append("* (every attribute)")
                if any(n == "userPassword" or n.startswith("*") for n in names):
                    offending.append(f"{path.relative_to(ROOT)}: {task.get('name')}")
    assert not offending, offending
