"""The ports sshd listens on: the management port Ansible uses, and borg's on a repository host.

Management ssh is the out-of-band network's (nftables and the security groups open it from the
management pool only); the backups' ssh is the topology's named port `backup-ssh`, which the
flows open and borg dials. Both are sshd's: a repository host listens on each, so that
changing the named port in the topology moves sshd with the firewall and the clients.
"""

from __future__ import annotations

from egovinfra.compile.backup import BORG_PORT
from egovinfra.compile.plan import Host, Plan

# Where Ansible reaches every host: sshd's own default, on the management network only.
MANAGEMENT_SSH_PORT = 22


def borg_port(plan: Plan) -> int:
    """The port borg dials on a repository host (validate requires it when backups exist)."""
    return plan.port(BORG_PORT)


def sshd_ports(plan: Plan, host: Host) -> tuple[int, ...]:
    """Every port sshd listens on at `host`, ascending."""
    ports = {MANAGEMENT_SSH_PORT}
    if any(job.repository == host.name and job.kind != "postgresql" for job in plan.backups.jobs):
        ports.add(borg_port(plan))
    return tuple(sorted(ports))


def known_host(address: str, port: int) -> str:
    """The name ssh looks a server's key up by in known_hosts: `[address]:port` off the default port."""
    return address if port == MANAGEMENT_SSH_PORT else f"[{address}]:{port}"
