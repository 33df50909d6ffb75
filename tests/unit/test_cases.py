"""Golden error cases: each small topology beside its exact expected messages (netlab style)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CASES

ERROR_CASES = sorted(p for p in (CASES / "errors").iterdir() if p.suffix == ".yaml" or p.is_dir())


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda p: p.stem)
def test_error_case_matches_golden(case: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Exit 2, the exact located messages, no traceback, and nothing written."""
    log = case.with_suffix(".log") if case.is_file() else case.parent / f"{case.name}.log"
    expected = log.read_text()
    out = tmp_path / "out"
    result = cli("render", str(case.relative_to(Path.cwd())), "--out", str(out))
    assert result.code == 2
    assert result.stderr == expected
    assert "Traceback" not in result.stderr + result.stdout
    assert not out.exists()


def test_every_error_case_has_a_golden_log() -> None:
    for case in ERROR_CASES:
        log = case.with_suffix(".log") if case.is_file() else case.parent / f"{case.name}.log"
        assert log.is_file(), f"{case} has no expected .log"


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
