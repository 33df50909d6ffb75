"""Finding the converged lab of the default topology that `nox -s lab` brought up."""

from __future__ import annotations

import os

import pytest

# Set by `nox -s lab`: there, a lab that is missing or not converged is a failure, not a skip.
REQUIRED_ENV = "EGOVINFRA_LAB_REQUIRED"


def no_lab(reason: str) -> None:
    """Skip when run by hand without a lab; fail where the lab is required."""
    if os.environ.get(REQUIRED_ENV):
        pytest.fail(f"{reason} (${REQUIRED_ENV} is set)")
    pytest.skip(reason)
