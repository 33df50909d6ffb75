"""The inventory's YAML writer: whatever it writes, a YAML parser reads back unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.render import RenderContext, render_all
from egovinfra.render.inventory import host_vars
from egovinfra.render.yamlout import dump_yaml
from tests.conftest import DEFAULT_TOPOLOGY

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
