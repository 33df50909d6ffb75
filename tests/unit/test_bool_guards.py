"""Guards cannot be switched off by accident: a boolean that reaches a role as a string
(`-e postgresql_reseed=false`, an inventory written by hand) means what it says.

Every `type: bool` option of every role is coerced with `| bool` wherever a task, a handler or a
template reads it; the role's argument spec refuses a string that is no boolean at all; and the
offline renderer's `bool` filter is Ansible's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from egovinfra.render.configs import ansible_bool

ROLES = Path(__file__).resolve().parents[2] / "roles"
EXPRESSION = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.S)


def bool_options() -> list[tuple[str, str]]:
    """(role, option) for every option its argument spec types as bool."""
    found = []
    for spec in sorted(ROLES.glob("*/meta/argument_specs.yml")):
        data = yaml.safe_load(spec.read_text())
        for entry in data["argument_specs"].values():
            for name, option in (entry.get("options") or {}).items():
                if option.get("type") == "bool":
                    found.append((spec.parts[-3], name))
    return found


def _strings(node: Any, key: str = "") -> list[tuple[str, str]]:
    """(key, text) of every string in a task file; `when`-like keys are whole expressions."""
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in _strings(v, str(k))]
    if isinstance(node, list):
        return [pair for item in node for pair in _strings(item, key)]
    return [(key, node)] if isinstance(node, str) else []


def expressions(path: Path) -> list[str]:
    """The Jinja expressions of a task file or a template."""
    if path.suffix == ".j2":
        return [a or b for a, b in EXPRESSION.findall(path.read_text())]
    found: list[str] = []
    for key, text in _strings(yaml.safe_load(path.read_text())):
        if key in ("when", "changed_when", "failed_when", "until"):
            found.append(text)
        else:
            found += [a or b for a, b in EXPRESSION.findall(text)]
    return found


def uncoerced(expression: str, option: str) -> bool:
    """True when `option` appears in `expression` without a `| bool` right after it."""
    return any(
        not re.match(r"\s*\|\s*bool\b", expression[m.end() :])
        for m in re.finditer(rf"(?<![\w.]){re.escape(option)}\b", expression)
    )


@pytest.mark.parametrize(("role", "option"), bool_options(), ids=str)
def test_every_read_of_a_boolean_option_is_coerced(role: str, option: str) -> None:
    files = [p for p in (ROLES / role).rglob("*") if p.suffix in (".yml", ".j2") and "meta" not in p.parts]
    files += list((ROLES.parent / "playbooks").glob("*.yml"))
    bad = [f"{p.relative_to(ROLES.parent)}: {e.strip()}" for p in files for e in expressions(p) if uncoerced(e, option)]
    assert not bad, f"{option} read without `| bool`:\n" + "\n".join(bad)


def test_the_scan_sees_an_uncoerced_read() -> None:
    assert uncoerced(" 'yes' if ipsec_make_before_break else 'no' ", "ipsec_make_before_break")
    assert not uncoerced(" not (postgresql_reseed | bool)", "postgresql_reseed")
    assert uncoerced("postgresql_reseed", "postgresql_reseed")


def test_some_roles_declare_booleans() -> None:
    assert ("postgresql", "postgresql_reseed") in bool_options()


@settings(deadline=None)  # the first call imports Ansible
@given(st.one_of(st.booleans(), st.integers(-2, 2), st.sampled_from(["true", "false", "yes", "no", "on", "off", "0",
       "1", "True", "FALSE", "Yes", " true", "flase", "", "y", "t"]), st.text(max_size=6)))  # fmt: skip
def test_the_offline_bool_filter_is_ansibles(value: object) -> None:
    from ansible.plugins.filter.core import to_bool

    assert ansible_bool(value) is to_bool(value)


GUARD_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: The role's own argument spec, as Ansible checks it when the role starts
      ansible.builtin.validate_argument_spec:
        argument_spec: "{{ spec }}"
    - name: What the standby looked like (promoted after a failover, cloned before)
      ansible.builtin.set_fact:
        postgresql_standby_signal: {stat: {exists: false}}
        postgresql_cloned: {stat: {exists: true}}
"""


def _guard_playbook(tmp_path: Path) -> Path:
    """A play running the postgresql role's real guard task, copied from its task file."""
    tasks = yaml.safe_load((ROLES / "postgresql" / "tasks" / "standby.yml").read_text())
    guard = next(t for t in tasks if t.get("name") == "Refuse to wipe a promoted standby")
    play = yaml.safe_load(GUARD_PLAY)
    play[0]["tasks"].append(guard)
    play[0]["tasks"].append({"name": "reached", "ansible.builtin.debug": {"msg": "RESEED ALLOWED"}})
    spec = yaml.safe_load((ROLES / "postgresql" / "meta" / "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    play[0]["vars"] = {"spec": {"postgresql_reseed": options["postgresql_reseed"]}, "postgresql_primary_host": "x"}
    path = tmp_path / "guard.yml"
    path.write_text(yaml.safe_dump(play))
    return path


def _play(playbook: Path, value: str) -> subprocess.CompletedProcess[str]:
    quiet = ("DEPRECATION_WARNINGS", "LOCALHOST_WARNING", "INVENTORY_UNPARSED_WARNING")
    env = {**os.environ, **{f"ANSIBLE_{name}": "False" for name in quiet}}
    env["PATH"] = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    return subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook), "-e", f"postgresql_reseed={value}"],
        capture_output=True, text=True, check=False, env=env, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("value", ["false", "False", "no", "0", "off"])
def test_reseed_guard_holds_when_false_comes_as_a_string(tmp_path: Path, value: str) -> None:
    result = _play(_guard_playbook(tmp_path), value)
    assert result.returncode != 0
    assert "Re-seeding wipes its data" in result.stdout, result.stdout[-2000:]
    assert "RESEED ALLOWED" not in result.stdout


def test_reseed_guard_opens_for_true(tmp_path: Path) -> None:
    result = _play(_guard_playbook(tmp_path), "true")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "RESEED ALLOWED" in result.stdout


def test_a_misspelt_boolean_is_refused_before_any_task(tmp_path: Path) -> None:
    result = _play(_guard_playbook(tmp_path), "flase")
    assert result.returncode != 0
    assert "postgresql_reseed" in result.stdout and "bool" in result.stdout, result.stdout[-2000:]
    assert "Re-seeding" not in result.stdout and "RESEED ALLOWED" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
