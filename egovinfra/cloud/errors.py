"""Errors of the cloud layer, reported by the CLI like every other input error."""

from egovinfra.errors import EgovinfraError


class CloudError(EgovinfraError):
    """A stack cannot be built from this Plan and configuration (the message says why)."""
