"""The lab's suites and the benchmarks import: a name one of them takes from the package and the
package no longer has fails here, not at the end of a lab's first converge."""

from __future__ import annotations

import ast
import importlib
import importlib.util

import pytest

from tests.conftest import ROOT

SUITES = sorted(f"tests.infra.{p.stem}" for p in (ROOT / "tests" / "infra").glob("*.py"))
BENCHMARKS = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("module", SUITES)
def test_a_lab_suite_imports(module: str) -> None:
    importlib.import_module(module)


@pytest.mark.parametrize("script", BENCHMARKS)
def test_what_a_benchmark_takes_from_the_package_exists(script: str) -> None:
    tree = ast.parse((ROOT / "benchmarks" / script).read_text(), script)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("egovinfra"):
            module = importlib.import_module(node.module)
            missing = [
                a.name
                for a in node.names
                if not hasattr(module, a.name) and importlib.util.find_spec(f"{node.module}.{a.name}") is None
            ]
            assert not missing, f"{script}: {node.module} has no {', '.join(missing)}"
