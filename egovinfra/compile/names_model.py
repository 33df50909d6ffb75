"""The intranet zone's service names, as the Plan holds them (built by `egovinfra.compile.names`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServiceName:
    """`label.<domain>` points at the hosts of `service` in the datacenter that serves."""

    label: str
    service: str
    function: str  # the one job of every host behind the name
    addresses: tuple[tuple[str, tuple[str, ...]], ...]  # datacenter → its hosts' addresses

    def in_datacenter(self, datacenter: str) -> tuple[str, ...]:
        """The addresses the name has while `datacenter` serves."""
        return dict(self.addresses).get(datacenter, ())


@dataclass(frozen=True, slots=True)
class Names:
    """Every service name of the zone, and the name people type for each front-end function."""

    domain: str = ""
    services: tuple[ServiceName, ...] = ()
    fronts: tuple[tuple[str, str], ...] = ()  # function → the label people type for it

    def fqdn(self, label: str) -> str:
        """`groupware` → `groupware.<domain>`."""
        return f"{label}.{self.domain}"

    def front(self, function: str) -> str:
        """The name people type for the hosts of `function` (KeyError when it has none)."""
        return self.fqdn(dict(self.fronts)[function])

    def has_front(self, function: str) -> bool:
        """Whether people have a name for the hosts of `function`."""
        return function in dict(self.fronts)
