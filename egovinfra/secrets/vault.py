"""The vault password and Ansible Vault encryption (AES-256, the format `ansible-vault` reads).

The password is the one key of the controller's secrets and of the CA keys' passphrase. It is
a file outside the secrets folder (default /var/lib/egovinfra/vault/<deployment>.pass, mode
0600), or an executable that prints it (a script asking a password manager or a token), as
Ansible's --vault-password-file accepts; `$EGOVINFRA_VAULT_PASSWORD_FILE` names it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ansible.errors import AnsibleError
from ansible.parsing.vault import VaultLib, VaultSecret, is_encrypted

from egovinfra.pki.store import make_private_dir, write_atomic
from egovinfra.secrets.errors import SecretsError

ENV_PASSWORD_FILE = "EGOVINFRA_VAULT_PASSWORD_FILE"
DEFAULT_VAULT_DIR = Path("/var/lib/egovinfra/vault")
PASSWORD_BYTES = 32


def resolve_password_file(deployment: str, environ: Mapping[str, str] | None = None) -> Path:
    """`$EGOVINFRA_VAULT_PASSWORD_FILE`, else /var/lib/egovinfra/vault/<deployment>.pass."""
    env = os.environ if environ is None else environ
    if env.get(ENV_PASSWORD_FILE):
        return Path(env[ENV_PASSWORD_FILE])
    return DEFAULT_VAULT_DIR / f"{deployment}.pass"


def create_password_file(path: Path) -> bool:
    """Write a new random vault password (0600) unless the file exists; True when written."""
    if path.exists():
        return False
    make_private_dir(path.parent)
    write_atomic(path, (secrets.token_urlsafe(PASSWORD_BYTES) + "\n").encode(), 0o600)
    return True


def read_password(path: Path) -> bytes:
    """The vault password: the file's first line, or what the executable prints."""
    try:
        if os.access(path, os.X_OK) and path.is_file():
            done = subprocess.run([str(path)], capture_output=True, check=False, timeout=60)
            if done.returncode != 0:
                raise SecretsError(f"vault password script {path} failed (exit {done.returncode})")
            text = done.stdout
        else:
            if path.stat().st_mode & 0o077:
                raise SecretsError(f"vault password file {path} is readable by others; chmod 600 it")
            text = path.read_bytes()
    except FileNotFoundError:
        raise SecretsError(
            f"no vault password at {path}: run `egovinfra secrets init` or set {ENV_PASSWORD_FILE}"
        ) from None
    except OSError as exc:
        raise SecretsError(f"cannot read the vault password {path}: {exc.strerror}") from None
    password = text.splitlines()[0].strip() if text.strip() else b""
    if not password:
        raise SecretsError(f"vault password file {path} is empty")
    return password


@dataclass(frozen=True)
class Vault:
    """Encrypts and decrypts with one vault password, in Ansible Vault's format."""

    password: bytes
    password_file: Path

    @classmethod
    def open(cls, path: Path) -> Vault:
        """The vault whose password `path` holds (or prints)."""
        return cls(read_password(path), path)

    @property
    def _lib(self) -> VaultLib:
        return VaultLib([("default", VaultSecret(self.password))])

    def encrypt(self, plaintext: bytes) -> bytes:
        """`plaintext` as an Ansible Vault document (AES256)."""
        return bytes(self._lib.encrypt(plaintext))

    def decrypt(self, document: bytes, where: Path) -> bytes:
        """The plaintext of a vault document; SecretsError naming `where` when it fails."""
        try:
            return bytes(self._lib.decrypt(document))
        except AnsibleError as exc:
            raise SecretsError(f"{where}: cannot decrypt with the vault password {self.password_file}: {exc}") from None


def encrypted(document: bytes) -> bool:
    """True when `document` is an Ansible Vault document."""
    return bool(is_encrypted(document))
