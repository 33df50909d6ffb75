"""Every rendered file is what its templates' current sources give for the host's own values.

No output of one render is reused for another: the memo that did so was keyed on the values
a template reads, not on its sources, nor on what makes equal values render differently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.render import RenderContext, configs, render_all
from tests.conftest import DEFAULT_TOPOLOGY


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, dict[str, Any]]]:
    """A role `demo` whose template includes another; every host has it, with `values` as its variables."""
    templates = tmp_path / "demo" / "templates"
    templates.mkdir(parents=True)
    (templates / "outer.j2").write_text("outer {% include 'inner.j2' %}")
    (templates / "inner.j2").write_text("{{ demo_value }}")
    values: dict[str, Any] = {}
    monkeypatch.setattr(configs, "ROLES_DIR", tmp_path)
    monkeypatch.setattr(configs, "ansible_roles", lambda host, plan: ("demo",))
    monkeypatch.setattr(configs, "all_vars", lambda ctx: {})
    monkeypatch.setattr(configs, "host_vars", lambda ctx, host: values)
    # Compiled templates would otherwise come from the user's cache, and the role's list from memory.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for cached in (configs._environment, configs.role_templates, configs._bytecode_cache):
        cached.cache_clear()
    yield templates, values
    for cached in (configs._environment, configs.role_templates, configs._bytecode_cache):
        cached.cache_clear()


def _render(values: dict[str, Any], **new: Any) -> str:
    values.clear()
    values.update(new)
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    host = plan.host("yde-db")
    return configs.render_configs(RenderContext(plan, "production"), host)["configs/yde-db/outer"].decode()


def test_an_included_template_changed_on_disk_is_read_again(demo: tuple[Path, dict[str, Any]]) -> None:
    """A caller that loads the templates again (a new Jinja environment) gets their new text."""
    templates, values = demo
    assert _render(values, demo_value="v") == "outer v"
    inner = templates / "inner.j2"
    inner.write_text("[{{ demo_value }}]")
    os.utime(inner, (1, 1))  # whatever the clock: the source's text is what counts
    configs._environment.cache_clear()
    assert _render(values, demo_value="v") == "outer [v]"


def test_values_equal_to_python_but_written_differently_render_differently(demo: tuple[Path, dict[str, Any]]) -> None:
    assert _render(values := demo[1], demo_value=0.0) == "outer 0.0"
    assert _render(values, demo_value=-0.0) == "outer -0.0"


def test_a_render_is_the_same_in_a_new_process_as_after_another_render() -> None:
    """No state kept between renders in one process changes the output."""
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    first = render_all(plan, "lab")
    render_all(plan, "production")
    assert render_all(plan, "lab") == first
