"""SSH key material of a lab: the operator's key pair and one host key per host.

Keys are made at `lab up` time in the lab's state directory (outside git) and in each host's
overlay; nothing is baked into the shared image, so no two labs or hosts share a secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class KeyPair:
    """An ed25519 key pair in OpenSSH formats."""

    private_openssh: bytes
    public_openssh: str


def new_keypair(comment: str) -> KeyPair:
    """Generate an ed25519 key pair; ``comment`` ends the public key line."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return KeyPair(private_openssh=private, public_openssh=f"{public.decode()} {comment}")


def write_private(path: Path, data: bytes) -> None:
    """Write a private key readable by its owner only, never briefly world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)


def ensure_operator_key(state_dir: Path) -> Path:
    """The lab's operator key (``state_dir/id_ed25519``), created on first use."""
    private = state_dir / "id_ed25519"
    public = private.with_suffix(".pub")
    if not (private.is_file() and public.is_file()):
        pair = new_keypair(f"lab-operator@{state_dir.name}")
        write_private(private, pair.private_openssh)
        public.write_text(pair.public_openssh + "\n")
    return private


def known_hosts_line(names: list[str], host_public: str) -> str:
    """A known_hosts entry for ``names`` (hostnames, addresses) and a host's public key."""
    key_type, key_b64 = host_public.split()[:2]
    return f"{','.join(names)} {key_type} {key_b64}"
