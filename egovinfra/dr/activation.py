"""The order in which `egovinfra dr` brings the service back where the state says it is
active: one play of playbooks/dr-activate.yml per stage, each on the hosts chosen here.

1. The database and the names: the active datacenter's database is promoted and every serving
   DNS server points the service names at it, and nothing else runs in that play. A client's
   writes wait for these two alone (database RTO).
2. The directory and the groupware, side by side: the active datacenter's directory server
   becomes the provider while SOGo starts where it is active (and stops elsewhere). SOGo needs
   the database promoted and the names moved, both done; it reads people from its own
   datacenter's directory server, which answered reads as a consumer all along, and no longer
   waits for the swap's tasks. The swap restarts slapd, which may come after SOGo has started:
   a login in that second is refused and must be tried again (docs/disaster-recovery.md).

Hosts of a fenced datacenter are in no stage: no play reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass

from egovinfra.compile.plan import Host, Plan
from egovinfra.render.assignments import ansible_roles


@dataclass(frozen=True)
class Stage:
    """One play of dr-activate.yml: the hosts it runs on (`dr_stage_<name>`), in stage order."""

    name: str
    hosts: tuple[str, ...]

    @property
    def variable(self) -> str:
        """The extra variable naming the play's hosts."""
        return f"dr_stage_{self.name}"

    @property
    def pattern(self) -> str:
        """The play's host pattern (a stage without hosts matches none: the play is skipped)."""
        return ",".join(self.hosts) or "all:!all"


def _with_role(plan: Plan, role: str, *, active_only: bool = False) -> tuple[str, ...]:
    def chosen(host: Host) -> bool:
        if not host.managed or not plan.serving(host):
            return False
        return (not active_only or host.scope == plan.active.name) and role in ansible_roles(host, plan)

    return tuple(sorted(h.name for h in plan.hosts if chosen(h)))


def activation(plan: Plan) -> tuple[Stage, ...]:
    """The stages that bring the service back in `plan.active` (the state already recorded)."""
    return (
        Stage(
            "database_and_names",
            tuple(sorted({*_with_role(plan, "postgresql", active_only=True), *_with_role(plan, "dns")})),
        ),
        Stage(
            "directory_and_groupware",
            tuple(sorted({*_with_role(plan, "ldap"), *_with_role(plan, "groupware")})),
        ),
    )


def extravars(stages: tuple[Stage, ...]) -> dict[str, str]:
    """The playbook's variables: each stage's host pattern."""
    return {stage.variable: stage.pattern for stage in stages}
