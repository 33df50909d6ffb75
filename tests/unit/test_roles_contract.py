"""The roles and the rendered inventory agree: specs, required variables, offline templates.

Every role documents its variables in meta/argument_specs.yml; every variable a provider puts
into host_vars is documented there, and every required one is provided for every host that
runs the role, so `ansible-playbook` never stops on a missing variable.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Plan
from egovinfra.model import load_topology
from egovinfra.render.assignments import ansible_roles
from egovinfra.render.configs import render_configs
from egovinfra.render.hostvars import Environment, RenderContext
from egovinfra.render.providers import PROVIDERS
from tests.conftest import DEFAULT_TOPOLOGY, ROOT

GO_TEMPLATE = re.compile(rb"\{\{ \$[^}]*\}\}")
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())
ENVS: tuple[Environment, ...] = ("production", "lab")


@cache
def default_plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


def spec(role: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return dict(data["argument_specs"])


def test_the_platform_roles_exist() -> None:
    assert {"common", "nftables", "ipsec", "pki", "postgresql", "filesync", "dns"} <= set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_argument_specs_with_descriptions(role: str) -> None:
    entry = spec(role)["main"]
    assert entry.get("short_description")
    for name, option in entry["options"].items():
        assert name.startswith(f"{role}_"), f"{role}: {name} is not prefixed with the role name"
        assert option.get("description"), f"{role}: {name} has no description"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_is_conventional(role: str) -> None:
    base = ROOT / "roles" / role
    assert (base / "meta" / "main.yml").is_file()
    assert (base / "tasks" / "main.yml").is_file()
    meta = yaml.safe_load((base / "meta" / "main.yml").read_text())
    assert meta["galaxy_info"]["role_name"] == role


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("role", [r for r in ROLES if r in PROVIDERS])
def test_provided_variables_match_the_spec(role: str, env: Environment) -> None:
    ctx = RenderContext(default_plan(), env)
    options = spec(role)["main"]["options"]
    required = {name for name, option in options.items() if option.get("required")}
    hosts = [h for h in ctx.plan.hosts if role in ansible_roles(h, ctx.plan)]
    assert hosts, f"no host of the default topology runs {role}"
    for host in hosts:
        provided = PROVIDERS[role](ctx, host) or {}
        undocumented = set(provided) - set(options)
        assert not undocumented, f"{role} on {host.name}: not in argument_specs: {sorted(undocumented)}"
        missing = required - set(provided)
        assert not missing, f"{role} on {host.name}: required but not provided: {sorted(missing)}"


@pytest.mark.parametrize("env", ENVS)
def test_every_template_renders_for_every_host(env: Environment) -> None:
    ctx = RenderContext(default_plan(), env)
    rendered = 0
    for host in ctx.plan.hosts:
        if not host.managed:
            continue
        tree = render_configs(ctx, host)  # StrictUndefined: a missing variable raises
        rendered += len(tree)
        for path, content in tree.items():
            # Prometheus' alert annotations are Go templates ({{ $labels.x }}), left for Prometheus.
            jinja = GO_TEMPLATE.sub(b"", content)
            assert b"{{" not in jinja and b"{%" not in jinja, f"{path}: unrendered Jinja"
    assert rendered > 0


def test_assigned_roles_all_exist() -> None:
    for host in default_plan().hosts:
        for role in ansible_roles(host, default_plan()):
            assert (ROOT / "roles" / role).is_dir(), f"{host.name} is assigned missing role {role}"


def test_every_role_has_a_play_in_site_yml() -> None:
    imported = [
        entry["ansible.builtin.import_playbook"]
        for entry in yaml.safe_load((ROOT / "playbooks" / "site.yml").read_text())
    ]
    played: dict[str, list[str]] = {}
    for name in imported:
        for play in yaml.safe_load((ROOT / "playbooks" / name).read_text()):
            for role in play.get("roles", []):
                played.setdefault(role["role"], []).append(play["hosts"])
    assert set(played) == set(ROLES)
    for role, patterns in played.items():
        group = f"role_{role}"
        if len(patterns) == 1:
            assert patterns == [group], f"{role} is played on {patterns}, not on {group}"
            continue
        # A role split into ordered plays must still cover its whole group exactly once:
        # "group:&X" then "group:!X" is a partition of the group.
        assert len(patterns) == 2, f"{role} is played {len(patterns)} times"
        first, second = patterns
        assert first.startswith(f"{group}:&"), first
        assert second == f"{group}:!{first.removeprefix(f'{group}:&')}", second


def templates_of(role: str) -> list[Path]:
    return sorted((ROOT / "roles" / role / "templates").rglob("*.j2"))


@pytest.mark.parametrize("role", ["common", "nftables", "postgresql", "filesync", "dns"])
def test_templates_are_installed_by_the_tasks(role: str) -> None:
    """Every template is used by a task, and dest mirrors the template's path."""
    tasks = "\n".join(p.read_text() for p in (ROOT / "roles" / role / "tasks").glob("*.yml"))
    for template in templates_of(role):
        relative = template.relative_to(ROOT / "roles" / role / "templates").as_posix()
        assert relative in tasks or relative.rsplit("/", 1)[-1] in tasks or "{{ item }}.j2" in tasks, (
            f"{relative} is not installed by any task of {role}"
        )


def test_rendered_configs_do_not_hold_secrets(tmp_path: Path) -> None:
    ctx = RenderContext(default_plan(), "production")
    for host in ctx.plan.hosts:
        if not host.managed:
            continue
        for path, content in render_configs(ctx, host).items():
            text = content.decode()
            assert "password=" not in text.replace("passfile=", ""), path
            assert "PRIVATE KEY" not in text, path
