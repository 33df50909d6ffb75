"""The directory of civil servants: people and mail domains, resolved from the sites.

Each administration (site) has a mail domain, `<site>.<domain>` unless the site names one, and
its civil servants. A login (uid) is unique in the whole deployment: it names the directory
entry, the mailbox and the groupware account, whichever ministry the person belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass

from egovinfra.model.problems import ProblemList
from egovinfra.model.schema import Topology


@dataclass(frozen=True, slots=True)
class MailDomain:
    """The mail domain of one administration."""

    name: str  # minfi.intranet.gov.cm
    site: str
    title: str  # the administration's name


@dataclass(frozen=True, slots=True)
class Person:
    """A civil servant: one directory entry, one mailbox."""

    uid: str
    name: str  # cn
    given_name: str
    surname: str
    mail: str
    site: str
    organization: str  # the site's title


@dataclass(frozen=True, slots=True)
class Directory:
    """Everyone who may log in, under one LDAP suffix derived from the intranet domain."""

    suffix: str = ""  # dc=intranet,dc=gov,dc=cm
    domains: tuple[MailDomain, ...] = ()
    people: tuple[Person, ...] = ()
    removal_grace_days: int = 30  # disabled → deleted, for people the topology no longer lists

    @property
    def people_dn(self) -> str:
        """The branch holding every person."""
        return f"ou=people,{self.suffix}"

    @property
    def disabled_dn(self) -> str:
        """The branch where people removed from the topology wait out the grace period."""
        return f"ou=disabled,{self.suffix}"

    def dn(self, person: Person) -> str:
        """A person's distinguished name."""
        return f"uid={person.uid},{self.people_dn}"


def ldap_suffix(domain: str) -> str:
    """`intranet.gov.cm` → `dc=intranet,dc=gov,dc=cm` (RFC 2247)."""
    return ",".join(f"dc={label}" for label in domain.split("."))


def _names(full: str, surname: str | None) -> tuple[str, str]:
    """(given name, surname): the surname given, else the last word of the full name."""
    words = full.split()
    family = surname or words[-1]
    given = full.removesuffix(family).strip() if full.endswith(family) else " ".join(words[:-1])
    return given, family


def compile_directory(topo: Topology, problems: ProblemList) -> Directory:
    """People and mail domains of every site; duplicate logins or domains are problems."""
    domains: list[MailDomain] = []
    people: list[Person] = []
    seen_domains: dict[str, str] = {}
    seen_uids: dict[str, str] = {}
    for site_name, site in sorted(topo.sites.items()):
        domain = site.mail_domain or f"{site_name}.{topo.domain}"
        if domain in seen_domains:
            problems.add(
                ("sites", site_name, "mail_domain"),
                f"mail domain {domain} is already the domain of site {seen_domains[domain]}",
                "each administration needs a mail domain of its own",
            )
        seen_domains[domain] = site_name
        domains.append(MailDomain(domain, site_name, site.title))
        for index, user in enumerate(site.users):
            if user.uid in seen_uids:
                problems.add(
                    ("sites", site_name, "users", index, "uid"),
                    f"login {user.uid} is already used at site {seen_uids[user.uid]}",
                    "a login is unique in the whole deployment; pick another uid",
                )
                continue
            seen_uids[user.uid] = site_name
            given, surname = _names(user.name, user.surname)
            people.append(
                Person(
                    uid=user.uid,
                    name=user.name,
                    given_name=given,
                    surname=surname,
                    mail=f"{user.uid}@{domain}",
                    site=site_name,
                    organization=site.title,
                )
            )
    return Directory(
        ldap_suffix(topo.domain),
        tuple(domains),
        tuple(sorted(people, key=lambda p: p.uid)),
        topo.directory.removal_grace_days,
    )
