"""Role templates rendered offline: Jinja as Ansible runs it, each scalar-only template once per value set."""

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

JOURNALD = ("common", "etc/systemd/journald.conf.d/10-egovinfra.conf.j2")


def test_the_inputs_of_a_template_are_the_variables_it_reads() -> None:
    assert configs.template_inputs(*JOURNALD) == ("common_journald_max_use",)
    # Loop variables and names a template sets are its own, not inputs.
    inputs = configs.template_inputs("ipsec", "etc/swanctl/swanctl.conf.j2")
    assert "ipsec_connections" in inputs and "conn" not in inputs and "child" not in inputs


@pytest.mark.parametrize(("value", "other"), [("1G", "2G"), (True, 1), (["a", "b"], ["a", "c"]), (("a",), ["a"])])
def test_a_changed_input_is_a_new_render(value: Any, other: Any) -> None:
    key = configs._input_key(*JOURNALD, {"common_journald_max_use": value})
    assert key is not None
    assert key != configs._input_key(*JOURNALD, {"common_journald_max_use": other})


def test_structured_inputs_are_rendered_every_time() -> None:
    rules = [{"name": "input", "rules": ["accept"]}]
    assert configs._input_key("nftables", "etc/nftables.conf.j2", {"nftables_chains": rules}) is None


def test_every_host_gets_what_a_fresh_render_of_each_template_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(configs, "_OUTPUTS", {})
    ctx = RenderContext(compile_plan(load_topology(DEFAULT_TOPOLOGY).topology), "lab")
    shared = 0
    for host in ctx.plan.hosts:
        if not host.managed:
            continue
        rendered = configs.render_configs(ctx, host)
        variables = {**all_vars(ctx), **host_vars(ctx, host), "inventory_hostname": host.name}
        for role in ansible_roles(host, ctx.plan):
            for template in configs.role_templates(role):
                fresh = configs.render_template(role, template, variables)
                assert rendered[f"configs/{host.name}/{template.removesuffix('.j2')}"] == fresh.encode()
                shared += configs._input_key(role, template, variables) is not None
    assert shared > 0 and len(configs._OUTPUTS) < shared


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
