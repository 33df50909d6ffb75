"""Shared fixtures: the repository root as working directory, and the CLI run in-process."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check invariants, not speed: no per-example deadline (on a machine busy with a
# lab, one example of a topology compile may take longer than hypothesis' default 200 ms).
settings.register_profile("egovinfra", deadline=None)
settings.load_profile("egovinfra")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TOPOLOGY = ROOT / "topology" / "cameroon"
CASES = ROOT / "tests" / "cases"


@dataclass
class CliResult:
    """What one CLI invocation did."""

    code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages name files relative to the working directory: run from the repository root."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `egovinfra ARGS...` in-process through the real entry point, exit code included."""
    from egovinfra.cli import main

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["egovinfra", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
