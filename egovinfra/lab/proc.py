"""Run system commands with errors that carry the failing command and its stderr."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping, Sequence

from egovinfra.lab.errors import LabError


def run(
    argv: Sequence[str],
    *,
    input_text: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> str:
    """Run ``argv``; return its stdout, or raise LabError with the command and its stderr."""
    try:
        done = subprocess.run(
            list(argv),
            input=input_text,
            capture_output=True,
            text=True,
            env=None if env is None else dict(env),
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise LabError(f"{argv[0]}: command not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"{shlex.join(argv)}: timed out after {timeout} s") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        raise LabError(f"{shlex.join(argv)}: exit {done.returncode}: {detail}")
    return done.stdout
