"""A charon's IKE and CHILD SAs, read over vici (strongSwan's own control protocol).

vici answers `list-sas` with one section per IKE_SA, named after its connection: names are
text, values bytes (or lists of bytes), CHILD_SAs a nested section keyed ``<name>-<uniqueid>``.
This module turns that answer into typed SAs, and reads it from a local socket or, over ssh,
from a host's own socket (`relayed_socket`).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import vici
from vici.exception import CommandException, DeserializationException, SessionException

from egovinfra.ssh_relay import SshRoute, relayed_socket

VICI_SOCKET = "/var/run/charon.vici"  # charon's default, where the ipsec role leaves it
# a socket that closes or times out, a daemon that refuses the command, a garbled answer
_VICI_ERRORS = (OSError, SessionException, CommandException, DeserializationException)


class SasError(Exception):
    """The SAs could not be read: no login, no daemon, or an answer vici cannot carry."""


@dataclass(frozen=True, slots=True)
class ChildSa:
    """One CHILD_SA: its state, mode and traffic selectors."""

    name: str
    state: str  # INSTALLED, REKEYED, ...
    mode: str  # TUNNEL, TRANSPORT, BEET
    encap: bool  # ESP in UDP
    local_ts: tuple[str, ...]
    remote_ts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IkeSa:
    """One IKE_SA, its identities, its age and its CHILD_SAs."""

    name: str  # the connection's name
    state: str  # ESTABLISHED, CONNECTING, ...
    version: int
    local_id: str
    remote_id: str
    established: int | None  # seconds since it was established; None while it is not
    children: tuple[ChildSa, ...]


def sas_from_answers(answers: Iterable[Mapping[str, object]]) -> list[IkeSa]:
    """Typed SAs from vici's `list-sas` events (one section per IKE_SA)."""
    return [_ike(name, _section(body, name)) for answer in answers for name, body in answer.items()]


def installed(sas: Iterable[IkeSa], connection: str, child: str) -> ChildSa | None:
    """The INSTALLED CHILD_SA `child` under an ESTABLISHED IKE_SA `connection`, if any."""
    for ike in sas:
        if ike.name == connection and ike.state == "ESTABLISHED":
            for sa in ike.children:
                if sa.name == child and sa.state == "INSTALLED":
                    return sa
    return None


def list_sas(session: vici.Session, ike: str | None = None) -> list[IkeSa]:
    """Every IKE_SA the daemon holds (only connection `ike`'s when given)."""
    return sas_from_answers(session.list_sas({"ike": ike} if ike else None))


def local_sas(path: Path, ike: str | None = None, timeout: float = 30.0) -> list[IkeSa]:
    """The SAs of the daemon whose vici socket is `path` on this machine."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            return list_sas(vici.Session(sock), ike)
    except _VICI_ERRORS as error:
        raise SasError(f"vici at {path}: {error}") from error


def remote_sas(route: SshRoute, ike: str | None = None, remote: str = VICI_SOCKET) -> list[IkeSa]:
    """The SAs of the charon on the route's host, its vici socket relayed over ssh."""
    said = ""
    try:
        with relayed_socket(route, remote) as relayed:
            try:
                return list_sas(vici.Session(relayed.sock), ike)
            finally:
                said = relayed.messages()  # why the relay closed: a refused login, no such socket
    except _VICI_ERRORS as error:
        raise SasError(f"{route.destination}: vici at {remote}: {error}; {said}".rstrip("; ")) from error


def _ike(name: str, body: Mapping[str, object]) -> IkeSa:
    children = _section(body.get("child-sas", {}), f"{name}.child-sas")
    return IkeSa(
        name=name,
        state=_text(body, "state"),
        version=int(_text(body, "version")),
        local_id=_text(body, "local-id"),
        remote_id=_text(body, "remote-id"),
        established=int(_text(body, "established")) if "established" in body else None,
        children=tuple(_child(_section(child, f"{name}.{key}")) for key, child in children.items()),
    )


def _child(body: Mapping[str, object]) -> ChildSa:
    return ChildSa(
        name=_text(body, "name"),
        state=_text(body, "state"),
        mode=_text(body, "mode"),
        encap=body.get("encap") == b"yes",
        local_ts=_texts(body, "local-ts"),
        remote_ts=_texts(body, "remote-ts"),
    )


def _section(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise SasError(f"vici answer: {where} is not a section")
    return value


def _text(body: Mapping[str, object], key: str) -> str:
    value = body.get(key, b"")
    if not isinstance(value, bytes):
        raise SasError(f"vici answer: {key} is not a value")
    return value.decode()


def _texts(body: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, bytes) for item in value):
        raise SasError(f"vici answer: {key} is not a list of values")
    return tuple(item.decode() for item in value)
