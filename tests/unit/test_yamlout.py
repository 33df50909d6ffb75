"""The inventory's YAML writer: whatever it writes, a YAML parser reads back unchanged."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.render import RenderContext, render_all
from egovinfra.render.inventory import host_vars
from egovinfra.render.yamlout import dump_yaml
from tests.conftest import DEFAULT_TOPOLOGY
from tests.support.yamlread import read_yaml

TRICKY = [
    "",
    " ",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "N",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "nan",
    ".inf",
    "NaN",
    "1",
    "-1",
    "1.0",
    "1e3",
    "0x1F",
    "010",
    "0o17",
    "1_000",
    "1:20",
    ".5",
    "10.1",
    "10.1.2",
    "10.1.2.3",
    "10.1.2.0/24",
    "2001:db8::1",
    "a: b",
    "a:b",
    "a:",
    "#x",
    "x #y",
    "x#y",
    "- x",
    "-x",
    "[x]",
    "{x}",
    "*a",
    "&a",
    "!x",
    "%x",
    "@x",
    "`x",
    "|x",
    ">x",
    "'x",
    '"x',
    "x'",
    "\\",
    "\n",
    "a\nb",
    "tab\there",
    "Ministère des Finances",
    "ünïcode",
    "trailing ",
    " leading",
    "/etc/nftables.conf",
    "tcp/443",
    "aes256gcm16-prfsha384-ecp384",
    "flow a: b",
    "<<",
    "=",
    "?x",
    "? x",
    ",x",
    "x,y",
    "(x)",
]


@pytest.mark.parametrize("text", TRICKY)
def test_strings_read_back_as_the_same_string(text: str) -> None:
    data = {"k": text, text or "empty": [text, {"v": text}]}
    assert yaml.safe_load(dump_yaml(data)) == data


def test_scalars_and_nesting_read_back() -> None:
    data: dict[str, Any] = {
        "b": True,
        "n": None,
        "i": 42,
        "f": 1.5,
        "empty_map": {},
        "empty_list": [],
        "nested": [[1, [2, {"x": []}]], {"a": {"b": [{"c": "d", "e": ["f"]}]}}],
    }
    assert yaml.safe_load(dump_yaml(data)) == data


def test_every_host_vars_file_reads_back_as_the_variables_computed() -> None:
    """What Ansible will read is exactly what the providers computed, for every host."""
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    tree = render_all(plan)
    ctx = RenderContext(plan, "production")
    for host in plan.hosts:
        if host.managed:
            expected = json.loads(json.dumps(host_vars(ctx, host)))  # tuples become lists, as in YAML
            assert yaml.safe_load(tree[f"inventory/host_vars/{host.name}.yml"]) == expected, host.name


def test_output_is_sorted_and_deterministic() -> None:
    assert dump_yaml({"b": 1, "a": 2}) == dump_yaml({"a": 2, "b": 1})
    assert dump_yaml({"b": 1, "a": 2}).decode().splitlines()[1:] == ["a: 2", "b: 1"]


TEXT = st.text(st.characters(exclude_categories=("Cs",)))  # lone surrogates are no UTF-8
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
DATA = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(DATA)
def test_any_data_reads_back_unchanged(data: Any) -> None:
    """Round trip through the reader Ansible uses (PyYAML): strings, ints, floats, nesting."""
    assert read_yaml(dump_yaml(data)) == data


@pytest.mark.parametrize("value", [1e-05, 1e16, float("inf"), float("-inf"), 5e-324, -0.0, 2.5])
def test_floats_read_back_as_floats(value: float) -> None:
    """repr's `1e-05` and `inf` are strings to a YAML 1.1 reader."""
    back = yaml.safe_load(dump_yaml({"x": value}))["x"]
    assert type(back) is float and back == value


def test_nan_reads_back_as_nan() -> None:
    assert math.isnan(yaml.safe_load(dump_yaml({"x": float("nan")}))["x"])


@pytest.mark.parametrize("text", ["{{ lookup('pipe', 'id') }}", "a {% if x %}", "{# c #}", "x{{y"])
def test_text_ansible_would_template_is_tagged_unsafe(text: str) -> None:
    assert dump_yaml({"k": text}).decode().splitlines()[1].startswith("k: !unsafe ")
    assert read_yaml(dump_yaml({"k": text})) == {"k": text}
