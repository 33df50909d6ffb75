"""Free text of the topology reaches Ansible as data: ansible-core itself never evaluates it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.render import RenderContext
from egovinfra.render.inventory import host_vars, render_inventory
from egovinfra.render.tree import write_tree
from tests.conftest import DEFAULT_TOPOLOGY

ANSIBLE = Path(sys.executable).parent / "ansible"


def _hostile_topology(tmp_path: Path, marker: Path) -> Path:
    """The default topology with a site title and a person's name that run a command if evaluated."""
    lookup = "{{ lookup('pipe', 'touch " + str(marker) + "') }}"
    topology = tmp_path / "topology"
    shutil.copytree(DEFAULT_TOPOLOGY, topology)
    site = topology / "sites" / "minfi.yaml"
    text = site.read_text().replace('title: "Ministère des Finances"', f'title: "Ministère {lookup}"')
    site.write_text(text.replace("name: Carine Mballa", f'name: "Carine {lookup} Mballa"'))
    return topology


def _ansible_sees(inventory: Path, host: str, variable: str, cwd: Path) -> Any:
    """The value of `variable` on `host` as ansible-core's debug module reports it."""
    config = cwd / "ansible.cfg"
    config.write_text("[defaults]\n")
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "json",
        "ANSIBLE_LOCAL_TEMP": str(cwd / "tmp"),
        "ANSIBLE_HOME": str(cwd / "home"),
    }
    done = subprocess.run(
        [str(ANSIBLE), "-i", str(inventory), host, "-c", "local", "-m", "debug", "-a", f"var={variable}"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"][host]
    return result[variable]


@pytest.mark.skipif(not ANSIBLE.exists(), reason="ansible-core is not installed beside this interpreter")
def test_ansible_keeps_a_template_in_a_name_as_text(tmp_path: Path) -> None:
    marker = tmp_path / "evaluated"
    plan = compile_plan(load_topology(_hostile_topology(tmp_path, marker)).topology)
    ctx = RenderContext(plan, "production")
    inventory = tmp_path / "inventory"
    write_tree(render_inventory(ctx, prefix=""), inventory)
    people = _ansible_sees(inventory, "yde-ldap", "ldap_people", tmp_path)
    assert not marker.exists(), "Ansible ran the command written in the topology"
    # Ansible and the offline renderer (which feeds host_vars to the templates) hold the same text.
    assert people == host_vars(ctx, plan.host("yde-ldap"))["ldap_people"]
    carine = next(p for p in people if p["uid"] == "cmballa")
    assert carine["cn"] == "Carine {{ lookup('pipe', 'touch " + str(marker) + "') }} Mballa"
    assert carine["organization"].startswith("Ministère {{ lookup('pipe'")
