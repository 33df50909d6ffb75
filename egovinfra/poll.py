"""Waiting for a condition: the one polling loop the lab and verify share.

A condition is checked at once, then every `step` seconds; the caller learns how long it took
to hold, or that it did not hold within `timeout`. Exceptions the caller names (a host that
does not answer yet) count as "not yet"; any other exception ends the wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def until(
    check: Callable[[], bool],
    timeout: float,
    step: float = 1.0,
    *,
    tolerate: tuple[type[BaseException], ...] = (),
    since: float | None = None,
) -> float | None:
    """Seconds until `check()` held, or None when it still did not after `timeout` seconds.

    `check` runs at least once, and the last check comes after `timeout` has passed, so a
    condition that holds at the deadline is not missed; exceptions of the `tolerate` types
    count as False. Both are counted from now, or from `since` (a time.monotonic() value) when
    the wait started earlier, as a measure that began with a fault.
    """
    start = time.monotonic() if since is None else since
    while True:
        try:
            held = check()
        except tolerate:
            held = False
        elapsed = time.monotonic() - start
        if held:
            return elapsed
        if elapsed > timeout:
            return None
        time.sleep(step)
