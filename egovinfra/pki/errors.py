"""The one exception the PKI raises for conditions a user can fix."""


class PkiError(Exception):
    """A PKI operation cannot proceed; the message says why and what to do."""
