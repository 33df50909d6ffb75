"""Golden cases, one small topology per feature (netlab style), driven by one parametrized test.

- `tests/cases/errors/<case>.yaml` (or a folder `<case>/`) beside `<case>.log`: the exact text
  `render` prints, every problem located `file:line: yaml.path: message (hint)`, exit 2,
  nothing written.
- `tests/cases/features/<case>.yaml` beside `<case>.facts.yaml`: validate passes, render writes,
  and the compiled Plan holds the key facts listed, worked out by hand from the addressing
  rules (docs/addressing.md) and the intent. A facts file maps a Plan collection (`hosts`,
  `sites`, `policy.edges`, ...) to its items by name (or site, or function) to the fields checked.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from egovinfra.compile import Plan, compile_loaded
from egovinfra.model import load_topology
from tests.conftest import CASES

ERRORS = sorted(p for p in (CASES / "errors").iterdir() if p.suffix == ".yaml" or p.is_dir())
FEATURES = sorted(p for p in (CASES / "features").glob("*.yaml") if not p.name.endswith(".facts.yaml"))
CASE_FILES = [*ERRORS, *FEATURES]
KEYS = ("name", "site", "function")


def _expected(case: Path) -> Path:
    if case.parent.name == "features":
        return case.with_name(f"{case.stem}.facts.yaml")
    return case.with_suffix(".log") if case.is_file() else case.parent / f"{case.name}.log"


def _items(plan: Plan, collection: str) -> dict[str, Any]:
    found: Any = plan
    for part in collection.split("."):
        found = getattr(found, part)
    items = {}
    for item in found:
        data = json.loads(json.dumps(asdict(item)))  # tuples as lists, as YAML reads them
        items[next(str(data[k]) for k in KEYS if k in data)] = data
    return items


def _facts(plan: Plan, expected: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """The Plan's values of exactly the fields `expected` lists, in its shape."""
    got: dict[str, Any] = {}
    for collection, wanted in expected.items():
        items = _items(plan, collection)
        got[collection] = {
            key: {field: items[key].get(field) for field in fields} if key in items else "(missing)"
            for key, fields in wanted.items()
        }
    return got


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_case(case: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An error case prints its .log exactly and writes nothing; a feature case renders and has its facts."""
    expected = _expected(case)
    out = tmp_path / "out"
    result = cli("render", str(case.relative_to(Path.cwd())), "--out", str(out))
    assert "Traceback" not in result.stderr + result.stdout
    if case.parent.name == "errors":
        assert (result.code, result.stderr) == (2, expected.read_text())
        assert not out.exists()
        return
    assert result.code == 0, result.stderr
    assert (out / "inventory" / "hosts.yml").is_file()
    facts = yaml.safe_load(expected.read_text())
    assert _facts(compile_loaded(load_topology(case)), facts) == facts


def test_every_case_has_its_expected_file_and_there_are_enough() -> None:
    for case in CASE_FILES:
        assert _expected(case).is_file(), f"{case} has no {_expected(case).name}"
    assert len(FEATURES) >= 7 and len(CASE_FILES) >= 20


def test_missing_topology_is_reported(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("validate", "no/such/topology")
    assert result.code == 2
    assert "no/such/topology: (top): no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_folder_without_topology_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("validate", str(tmp_path))
    assert result.code == 2
    assert "folder has no topology.yaml" in result.stderr


def test_wrong_command_line_is_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("plan", "--format", "xml")
    assert result.code == 2
