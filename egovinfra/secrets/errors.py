"""The error every secrets failure raises (the CLI prints it and exits 2)."""

from egovinfra.errors import EgovinfraError


class SecretsError(EgovinfraError):
    """A secret or the vault password cannot be read, written or decrypted."""
