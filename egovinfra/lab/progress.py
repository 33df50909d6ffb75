"""Stages of a lab operation, shown live with rich and timed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console


class Stages:
    """Run named stages one after another; show a spinner, then the time each one took.

    With ``console=None`` nothing is printed (library use, tests); timings are kept either way.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console
        self.timings: dict[str, float] = {}
        self._notes: list[str] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[Stages]:
        """Time the block as stage ``name``; a failing block is shown as failed and re-raised."""
        self._notes = []
        started = time.monotonic()
        try:
            if self.console is None:
                yield self
            else:
                with self.console.status(f"[bold]{name}[/]…"):
                    yield self
        except BaseException:
            self._report(name, time.monotonic() - started, ok=False)
            raise
        self.timings[name] = time.monotonic() - started
        self._report(name, self.timings[name], ok=True)

    def note(self, text: str) -> None:
        """Add a detail to the current stage's summary line."""
        self._notes.append(text)

    def _report(self, name: str, seconds: float, *, ok: bool) -> None:
        if self.console is None:
            return
        mark = "[green]✔[/]" if ok else "[red]✘[/]"
        detail = f"  [dim]{'; '.join(self._notes)}[/]" if self._notes else ""
        self.console.print(f"{mark} {name:<8} {seconds:6.1f} s{detail}")
