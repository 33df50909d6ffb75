"""The console script as users run it: a separate process, its exit code and its streams."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _egovinfra(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "egovinfra", *args], check=False, capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_a_render_reports_what_it_wrote_and_exits_0(tmp_path: Path) -> None:
    first = _egovinfra("render", "--out", str(tmp_path / "out"))
    again = _egovinfra("render", "--out", str(tmp_path / "out"))
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert " written, 0 unchanged)" in first.stdout
    assert "(0 written, " in again.stdout


def test_invalid_input_exits_2_with_its_message_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nname: y\n")
    result = _egovinfra("render", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "duplicate key 'name'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_foreign_output_folder_is_refused_before_rendering(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    result = _egovinfra("render", "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "was not written by egovinfra render" in result.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]
