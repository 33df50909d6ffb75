"""The Plan's access facts: administrators, and how each host is reached (compile.access)."""

from __future__ import annotations

from dataclasses import dataclass, field

# The group that marks an account as egovinfra's: its members may sudo, and a member the
# topology no longer lists is removed at the next converge.
ADMIN_GROUP = "egovinfra-admins"


@dataclass(frozen=True, slots=True)
class Administrator:
    """A person with an account on the hosts they administer."""

    login: str
    name: str
    keys: tuple[str, ...]
    datacenters: tuple[str, ...]  # resolved: every datacenter when the topology names none
    sites: bool  # also the site gateways (only administrators of every datacenter)


@dataclass(frozen=True, slots=True)
class HostAccess:
    """How administrators reach one host."""

    name: str  # the host
    accounts: tuple[str, ...]  # logins of the administrators with an account here, sorted
    bastion: str | None  # the host to jump through; None on a bastion (or with no administrator)
    admins_from: tuple[str, ...]  # prefixes sshd accepts the administrators from


@dataclass(frozen=True, slots=True)
class Access:
    """Every administrator and every host's access, resolved once."""

    administrators: tuple[Administrator, ...] = ()
    hosts: tuple[HostAccess, ...] = ()  # every host of the Plan, in its order
    _index: dict[str, HostAccess] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update((h.name, h) for h in self.hosts)

    @property
    def root_login(self) -> bool:
        """Root may log in over ssh only while the topology declares no administrator."""
        return not self.administrators

    def of(self, host: str) -> HostAccess:
        """The access of `host` (KeyError when absent)."""
        return self._index[host]

    def administrator(self, login: str) -> Administrator:
        """The administrator called `login` (KeyError when absent)."""
        for admin in self.administrators:
            if admin.login == login:
                return admin
        raise KeyError(login)
