"""The one exception type the lab raises."""

from __future__ import annotations

from egovinfra.errors import EgovinfraError


class LabError(EgovinfraError):
    """A lab operation failed; the message names the command or check and why."""
