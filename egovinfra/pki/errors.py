"""The one exception the PKI raises for conditions a user can fix."""

from egovinfra.errors import EgovinfraError


class PkiError(EgovinfraError):
    """A PKI operation cannot proceed; the message says why and what to do."""
