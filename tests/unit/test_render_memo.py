"""The memo of template output is keyed by every variable the output depends on, includes too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from egovinfra.render import configs


@pytest.fixture
def demo_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A role whose template includes another that reads a variable."""
    templates = tmp_path / "demo" / "templates"
    templates.mkdir(parents=True)
    (templates / "outer.j2").write_text("outer {% include 'inner.j2' %}\n")
    (templates / "inner.j2").write_text("{{ demo_value }}")
    (templates / "dynamic.j2").write_text("{% include demo_name %}\n")
    monkeypatch.setattr(configs, "ROLES_DIR", tmp_path)
    monkeypatch.setattr(configs, "_OUTPUTS", {})
    for cached in (configs._environment, configs.template_inputs):
        cached.cache_clear()
    yield "demo"
    for cached in (configs._environment, configs.template_inputs):
        cached.cache_clear()


def test_an_included_template_s_variables_key_the_memo(demo_role: str) -> None:
    first = configs._render_once(demo_role, "outer.j2", {"demo_value": "one"})
    second = configs._render_once(demo_role, "outer.j2", {"demo_value": "two"})
    assert (first, second) == ("outer one", "outer two")


def test_a_template_chosen_by_the_data_is_never_memoised(demo_role: str) -> None:
    assert configs.template_inputs(demo_role, "dynamic.j2") is None
    assert configs._render_once(demo_role, "dynamic.j2", {"demo_name": "inner.j2", "demo_value": "x"}) == "x"
    assert configs._render_once(demo_role, "dynamic.j2", {"demo_name": "inner.j2", "demo_value": "y"}) == "y"
