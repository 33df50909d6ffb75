"""The one exception type the lab raises."""

from __future__ import annotations


class LabError(RuntimeError):
    """A lab operation failed; the message names the command or check and why."""
