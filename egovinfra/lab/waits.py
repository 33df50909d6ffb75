"""The drills' waits: the shared poll (`egovinfra.poll`), with what the lab counts as "not yet"."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from egovinfra.lab.errors import LabError
from egovinfra.poll import until

# A host that refuses or does not answer in time: down, rebooting or being converged.
UNANSWERED: tuple[type[BaseException], ...] = (LabError, subprocess.TimeoutExpired)


def holds(check: Callable[[], bool]) -> bool:
    """`check()`, where a host that does not answer (yet) is a no."""
    try:
        return check()
    except UNANSWERED:
        return False


def until_answered(check: Callable[[], bool], timeout: float, step: float = 1.0) -> float | None:
    """Seconds until `check()` held, or None after `timeout`; a host not answering is a no."""
    return until(check, timeout, step, tolerate=UNANSWERED)


def must_hold(what: str, check: Callable[[], bool], timeout: float, step: float = 1.0) -> float:
    """Seconds until `check()` held; LabError naming `what` after `timeout`. Errors of
    `check` itself end the wait."""
    waited = until(check, timeout, step)
    if waited is None:
        raise LabError(f"timed out after {timeout:.0f} s waiting for {what}")
    return waited
