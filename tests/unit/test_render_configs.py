"""Role templates rendered offline: Jinja as Ansible runs it."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, StrictUndefined, UndefinedError

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.render import configs
from egovinfra.render.assignments import ansible_roles
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.inventory import all_vars, host_vars
from tests.conftest import DEFAULT_TOPOLOGY


def test_every_host_gets_what_a_fresh_render_of_each_template_gives() -> None:
    """A host's templates share one scope (as Ansible's templar does): none leaks into another."""
    ctx = RenderContext(compile_plan(load_topology(DEFAULT_TOPOLOGY).topology), "lab")
    for host in ctx.plan.hosts:
        if not host.managed:
            continue
        rendered = configs.render_configs(ctx, host)
        variables = {**all_vars(ctx), **host_vars(ctx, host), "inventory_hostname": host.name}
        for role in ansible_roles(host, ctx.plan):
            for template in configs.role_templates(role):
                fresh = configs.render_template(role, template, variables)
                assert rendered[f"configs/{host.name}/{template.removesuffix('.j2')}"] == fresh.encode()


@pytest.mark.parametrize(
    ("source", "data"),
    [
        ("{{ d.name }}", {"name": "hub"}),
        ("{{ d.items }}", {"items": "a key that a dict method shadows"}),
        ("{{ d.keys() | list }}", {"keys": 1, "b": 2}),
        ("{{ d.name.upper() }}", {"name": "hub"}),
        ("{{ d['name'] }}", {"name": "hub"}),
    ],
)
def test_attribute_lookups_give_what_jinja_gives(source: str, data: dict[str, Any]) -> None:
    ours = configs._environment("common").from_string(source).render(d=data)
    assert ours == Environment(undefined=StrictUndefined).from_string(source).render(d=data)


def test_a_missing_key_is_still_an_undefined_error() -> None:
    with pytest.raises(UndefinedError, match="'dict object' has no attribute 'name'"):
        configs._environment("common").from_string("{{ d.name }}").render(d={})


def test_compiled_templates_are_cached_only_in_a_folder_private_to_the_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    configs._bytecode_cache.cache_clear()
    try:
        assert configs._bytecode_cache() is not None
        folder = tmp_path / "egovinfra" / "jinja2"
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        folder.chmod(0o777)
        configs._bytecode_cache.cache_clear()
        assert configs._bytecode_cache() is None
    finally:
        configs._bytecode_cache.cache_clear()
