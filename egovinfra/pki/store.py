"""Where the PKI keeps its files, and how they are written (atomically, keys 0600, never in git).

Layout of a deployment's PKI directory (default ``/var/lib/egovinfra/pki/<deployment>``):

    root/cert.pem, root/key.pem           root CA (key encrypted when a passphrase is set)
    issuing/cert.pem, issuing/key.pem     issuing CA, signed by the root, name-constrained
    hosts/<fqdn>/cert.pem, key.pem        the gateway's current certificate and key
    hosts/<fqdn>/previous/cert.pem, ...   the one it replaced, kept valid until retired
"""

import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from egovinfra.pki.errors import PkiError

DEFAULT_BASE = Path("/var/lib/egovinfra/pki")
ENV_DIR = "EGOVINFRA_PKI_DIR"
ENV_PASSPHRASE = "EGOVINFRA_PKI_PASSPHRASE"

CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"


@dataclass(frozen=True)
class CertKeyPaths:
    """A certificate file and the private key file that goes with it."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class PkiLayout:
    """Paths inside one deployment's PKI directory."""

    base: Path

    @property
    def root_ca(self) -> CertKeyPaths:
        """The root CA's certificate and key."""
        return _pair(self.base / "root")

    @property
    def issuing_ca(self) -> CertKeyPaths:
        """The issuing (intermediate) CA's certificate and key."""
        return _pair(self.base / "issuing")

    @property
    def hosts_dir(self) -> Path:
        """The folder holding one sub-folder per gateway identity."""
        return self.base / "hosts"

    def host_current(self, fqdn: str) -> CertKeyPaths:
        """The gateway's current certificate and key (what strongSwan loads)."""
        return _pair(self.hosts_dir / fqdn)

    def host_previous(self, fqdn: str) -> CertKeyPaths:
        """The certificate and key replaced by the last rotation, until retired."""
        return _pair(self.hosts_dir / fqdn / "previous")

    def identities(self) -> list[str]:
        """Every gateway identity that has a folder, sorted."""
        if not self.hosts_dir.is_dir():
            return []
        return sorted(p.name for p in self.hosts_dir.iterdir() if p.is_dir())


def _pair(folder: Path) -> CertKeyPaths:
    return CertKeyPaths(cert=folder / CERT_FILE, key=folder / KEY_FILE)


def resolve_pki_dir(deployment: str, pki_dir: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The deployment's PKI directory: the argument, else ``$EGOVINFRA_PKI_DIR``, else the default.

    The default lives under /var/lib, outside any working tree, so keys cannot be committed by
    accident.
    """
    env = os.environ if environ is None else environ
    if pki_dir is not None:
        return pki_dir
    if env.get(ENV_DIR):
        return Path(env[ENV_DIR])
    return DEFAULT_BASE / deployment


def passphrase_from_env(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The CA key passphrase from ``$EGOVINFRA_PKI_PASSPHRASE``, or None when unset or empty."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_PASSPHRASE, "")
    return value.encode() if value else None


def ensure_outside_repository(pki_dir: Path) -> None:
    """Refuse a PKI directory inside a git working tree unless git ignores that directory."""
    target = pki_dir.absolute()
    top = next((p for p in (target, *target.parents) if (p / ".git").exists()), None)
    if top is None:
        return
    relative = target.relative_to(top).as_posix()
    try:
        ignored = (
            relative != "."
            and subprocess.run(
                ["git", "-C", str(top), "check-ignore", "-q", "--", relative + "/"],
                check=False,
                capture_output=True,
            ).returncode
            == 0
        )
    except OSError as exc:
        raise PkiError(f"cannot ask git whether {target} is ignored: {exc}") from exc
    if not ignored:
        raise PkiError(
            f"PKI directory {target} is inside the git working tree {top} and not ignored; "
            f"use a directory outside it (default {DEFAULT_BASE}/<deployment>) or set {ENV_DIR}"
        )


def make_private_dir(path: Path) -> None:
    """Create `path` and its missing parents with mode 0700 (other users must not list keys)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    # mkdir(parents=True) would give the parents the umask default; create each one 0700.
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to `path` with `mode` via a temporary file and a rename (no torn files)."""
    make_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp creates 0600; set the final mode before any byte lands in the file.
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
