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
