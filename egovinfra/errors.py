"""The one base class of errors that the CLI reports as a message and exit status 2."""


class EgovinfraError(Exception):
    """An error caused by input or environment, explained by its message (no traceback)."""
