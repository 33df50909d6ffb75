"""Administrators of the platform: named people, each with an account and keys on the hosts.

A public key is checked here, where a typo becomes a located error: OpenSSH's one-line format,
and a key type and size that current guidance accepts (Ed25519, ECDSA, RSA of 3,072 bits or more;
NIST SP 800-57 Part 1 gives RSA-3072 128-bit strength, the level of the intranet's other keys).
"""

from __future__ import annotations

import re
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_ssh_public_key
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from egovinfra.model.types import DnsLabel

MIN_RSA_BITS = 3072
# A POSIX portable login (useradd's default NAME_REGEX, lower case), short enough for utmp.
LOGIN = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")
# Accounts an administrator may never be called: the system's own, or the lab's and backups'.
RESERVED_LOGINS = frozenset({"root", "daemon", "bin", "sys", "sync", "nobody", "sshd", "postgres", "egovbackup"})


def _public_key(value: str) -> str:
    parts = value.split()
    if len(parts) < 2:
        raise ValueError("not an OpenSSH public key line such as 'ssh-ed25519 AAAA... comment'")
    if parts[0] not in KEY_TYPES:
        raise ValueError(f"key type {parts[0]} is not accepted ({', '.join(KEY_TYPES)})")
    try:
        key = load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a valid OpenSSH public key ({parts[0]}): {exc}") from None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise ValueError(f"an RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} are required")
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise ValueError(f"key type {parts[0]} is not accepted ({', '.join(KEY_TYPES)})")
    return " ".join(parts)


def _login(value: str) -> str:
    if not LOGIN.match(value):
        raise ValueError(
            f"'{value}' is not a POSIX login (a lower-case letter or _, then lower-case letters, digits, _ or -; "
            "32 characters at most)"
        )
    if value in RESERVED_LOGINS:
        raise ValueError(f"'{value}' is a system account, not a person's login")
    return value


PublicKey = Annotated[str, AfterValidator(_public_key)]
Login = Annotated[str, AfterValidator(_login)]


class Administrator(BaseModel):
    """A person who administers the hosts: a login, keys, and where they work."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)

    login: Login = Field(description="POSIX login, the same on every host")
    name: str = Field(min_length=1, pattern=r"^[^:,\n]+$", description="full name (the account's GECOS)")
    keys: tuple[PublicKey, ...] = Field(description="OpenSSH public keys, one a line")
    datacenters: tuple[DnsLabel, ...] | None = Field(
        None, description="datacenters administered (default: all, and the site gateways)"
    )

    @field_validator("keys")
    @classmethod
    def _some_key(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("an administrator logs in with a key: list at least one")
        return value
