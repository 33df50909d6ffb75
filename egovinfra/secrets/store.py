"""The deployment's secrets folder: which secrets the Plan needs, each a vault-encrypted file.

<secrets dir>/sogo-db          SOGo's PostgreSQL password
<secrets dir>/doveadm          the doveadm replication secret between the mail servers
<secrets dir>/users/<uid>      each person's initial password (the ldap role sets it once)
"""

from __future__ import annotations

import os
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from egovinfra.compile.plan import Plan
from egovinfra.pki.store import ensure_outside_repository, make_private_dir, write_atomic
from egovinfra.secrets.errors import SecretsError
from egovinfra.secrets.vault import Vault, encrypted

ENV_DIR = "EGOVINFRA_SECRETS_DIR"
DEFAULT_BASE = Path("/var/lib/egovinfra/secrets")
ALPHABET = string.ascii_letters + string.digits
# Lengths as the roles generated them before the secrets were encrypted.
SERVICE_LENGTH = 40
BACKUP_LENGTH = 64
PERSON_LENGTH = 24
MAX_SECRET_BYTES = 1 << 16


def resolve_secrets_dir(deployment: str, environ: Mapping[str, str] | None = None) -> Path:
    """`$EGOVINFRA_SECRETS_DIR`, else /var/lib/egovinfra/secrets/<deployment> (as the roles)."""
    env = os.environ if environ is None else environ
    return Path(env[ENV_DIR]) if env.get(ENV_DIR) else DEFAULT_BASE / deployment


def needed_secrets(plan: Plan) -> dict[str, int]:
    """Name → length of every secret a converge of `plan` reads."""
    functions = {f for h in plan.hosts for f in h.roles}
    needed: dict[str, int] = {}
    if "groupware_app" in functions:
        needed["sogo-db"] = SERVICE_LENGTH
    if "mail" in functions:
        needed["doveadm"] = SERVICE_LENGTH
    if "directory" in functions or "mail" in functions:
        needed |= {f"users/{p.uid}": PERSON_LENGTH for p in plan.directory.people}
    if plan.backups.jobs:
        # Encrypts the pgBackRest and borg repositories alike; losing it loses every backup.
        needed["backup-passphrase"] = BACKUP_LENGTH
    return needed


@dataclass(frozen=True)
class SecretEntry:
    """One secret as `secrets list` shows it: never its value."""

    name: str
    encrypted: bool
    modified: datetime
    needed: bool


def _generate(length: int) -> bytes:
    return "".join(secrets.choice(ALPHABET) for _ in range(length)).encode()


@dataclass(frozen=True)
class SecretsStore:
    """One deployment's secrets folder, read and written through `vault`."""

    base: Path
    vault: Vault

    def path(self, name: str) -> Path:
        """The file of secret `name` (checked to stay inside the folder)."""
        path = (self.base / name).resolve()
        if not path.is_relative_to(self.base.resolve()) or name.startswith("/"):
            raise SecretsError(f"secret name {name!r} leaves the secrets folder {self.base}")
        return path

    def _read_raw(self, name: str) -> bytes:
        path = self.path(name)
        try:
            if path.stat().st_size > MAX_SECRET_BYTES:
                raise SecretsError(f"{path}: larger than a secret ({MAX_SECRET_BYTES} bytes)")
            return path.read_bytes()
        except FileNotFoundError:
            raise SecretsError(f"no secret {name!r} in {self.base}: run `egovinfra secrets init`") from None

    def read(self, name: str) -> str:
        """The value of secret `name` (decrypted; a legacy plaintext file is refused)."""
        raw = self._read_raw(name)
        if not encrypted(raw):
            raise SecretsError(f"{self.path(name)} is in clear: run `egovinfra secrets init` to encrypt it")
        # Ansible's password lookup appended ` salt=...` to some files: the value is the first word.
        return self.vault.decrypt(raw, self.path(name)).decode().split()[0]

    def write(self, name: str, value: bytes) -> Path:
        """Encrypt `value` into secret `name` (0600, atomic)."""
        ensure_outside_repository(self.base)
        path = self.path(name)
        make_private_dir(path.parent)
        write_atomic(path, self.vault.encrypt(value + b"\n"), 0o600)
        return path

    def names(self) -> list[str]:
        """Every secret file in the folder, as names relative to it, sorted."""
        if not self.base.is_dir():
            return []
        return sorted(p.relative_to(self.base).as_posix() for p in self.base.rglob("*") if p.is_file())

    def init(self, needed: Mapping[str, int]) -> tuple[list[str], list[str]]:
        """Generate the missing secrets and encrypt those found in clear (kept as they are:
        services and people already use them). Returns (generated, encrypted) names."""
        ensure_outside_repository(self.base)
        make_private_dir(self.base)
        generated, sealed = [], []
        for name in self.names():
            raw = self._read_raw(name)
            if not encrypted(raw):
                self.write(name, raw.split()[0] if raw.split() else raw)
                sealed.append(name)
        for name, length in sorted(needed.items()):
            if not self.path(name).exists():
                self.write(name, _generate(length))
                generated.append(name)
        return generated, sealed

    def rotate(self, name: str, length: int) -> Path:
        """A new random value for secret `name`; the next converge applies it."""
        self._read_raw(name)  # only an existing secret
        return self.write(name, _generate(length))

    def entries(self, needed: Mapping[str, int]) -> list[SecretEntry]:
        """Every secret present, and every needed one, with its state (no value)."""
        rows = []
        for name in sorted(set(self.names()) | set(needed)):
            path = self.path(name)
            if path.exists():
                rows.append(
                    SecretEntry(
                        name,
                        encrypted(self._read_raw(name)),
                        datetime.fromtimestamp(path.stat().st_mtime, UTC),
                        name in needed,
                    )
                )
        return rows

    def plaintext(self) -> list[str]:
        """Names of the files of the folder that are not vault documents."""
        return [n for n in self.names() if not encrypted(self._read_raw(n))]
