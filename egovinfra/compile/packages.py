"""The Debian packages of each Ansible role, and the union a host needs: installed in one step.

Defaults as data: a role declares here what it runs, its tasks never install anything
themselves. One package step at the start of a converge then checks the dpkg database once
per host instead of opening the apt cache once per role (≈ 1 s of CPU each time).
The lab image (egovinfra/lab/packages.txt) bakes in every package listed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

ROLE_PACKAGES: Mapping[str, tuple[str, ...]] = {
    "backup": ("pgbackrest", "borgbackup"),
    "bind_exporter": ("prometheus-bind-exporter",),
    "common": ("openssh-server", "chrony", "sudo", "unattended-upgrades"),
    "dns": ("bind9", "bind9-dnsutils"),
    "fence": ("bind9-dnsutils", "python3"),
    "filesync": ("rsync",),
    # SOGo, and nginx as the TLS front before sogod, which listens on the loopback only.
    "groupware": ("sogo", "memcached", "ldap-utils", "nginx"),
    # netcat: the controller reads charon's SAs over ssh, nc relaying its vici socket (ssh_relay).
    "ipsec": ("charon-systemd", "strongswan-swanctl", "libstrongswan-standard-plugins", "netcat-openbsd"),
    "ldap": ("slapd", "ldap-utils", "python3-ldap"),
    "logging": ("rsyslog", "rsyslog-gnutls"),
    "logstore": ("rsyslog", "rsyslog-gnutls"),
    "mail": ("postfix", "dovecot-imapd", "dovecot-lmtpd", "dovecot-ldap"),
    "monitoring": ("prometheus", "prometheus-alertmanager", "prometheus-blackbox-exporter"),
    "nftables": ("nftables",),
    "node_exporter": ("prometheus-node-exporter",),
    "postgres_exporter": ("prometheus-postgres-exporter",),
    "postgresql": ("postgresql", "postgresql-client", "python3-psycopg2", "acl"),
    # nginx and SOGo's web application (WebServerResources), which nginx serves itself.
    "web": ("nginx", "sogo-common"),
}
# strongSwan's userspace ESP (kernel-libipsec) lives in the extra plugins.
LIBIPSEC_PACKAGES = ("libcharon-extra-plugins",)


def host_packages(roles: Iterable[str], *, libipsec: bool) -> tuple[str, ...]:
    """Every package the given roles need, sorted, each once; `libipsec` adds the userspace ESP."""
    roles = tuple(roles)
    wanted = {p for role in roles for p in ROLE_PACKAGES.get(role, ())}
    if libipsec and "ipsec" in roles:
        wanted.update(LIBIPSEC_PACKAGES)
    return tuple(sorted(wanted))
