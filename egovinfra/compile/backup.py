"""Backups: which host's data goes where, when, and how long it is kept.

Replication copies a mistake within a second; backups are what brings it back. Each kind of
data is backed up into the `backup_repository` host of another datacenter than its own, so
that the loss of one datacenter never takes the data and its backup together. While every
other datacenter is fenced (after a failover), the active datacenter's own repository keeps
the backups going; failback moves them out again.

PostgreSQL is one pgBackRest stanza per deployment: only the active primary archives WAL and
is backed up (a standby has nothing of its own), by the repository host's timers (pgBackRest
runs a backup where the repository is). The directory, mail and file stores of every serving
datacenter are backed up by their own hosts' timers (borg over ssh). A path that no flow
allows could never work: it is a located problem, as for replication.
"""

from __future__ import annotations

from egovinfra.compile.plan import BackupJob, BackupKind, Backups, Datacenter, Host, Plan
from egovinfra.compile.policy.access import flows_reaching
from egovinfra.model.problems import ProblemList
from egovinfra.model.schema import Backup

REPOSITORY = "backup_repository"
# Kind → the host function whose data it is. PostgreSQL is the database's primary only.
SOURCES: dict[BackupKind, str] = {
    "postgresql": "database",
    "directory": "directory",
    "mail": "mail",
    "files": "filestore",
}
# The named ports the backups use: pgBackRest's TLS server (repository and database), borg's ssh.
PGBACKREST_PORT = "pgbackrest"
BORG_PORT = "backup-ssh"
# The account borg logs in as on a repository host (a key per source, `borg serve` only).
BACKUP_USER = "egovbackup"


def compile_backups(plan: Plan, intent: Backup | None, problems: ProblemList) -> Backups:
    """Every backup job of the plan, its repository in another datacenter, its paths checked against the flows."""
    if intent is None:
        return Backups()
    repositories = _repositories(plan, problems)
    endpoints = {e.name for e in plan.endpoints}
    for name in (PGBACKREST_PORT, BORG_PORT):
        if name not in endpoints:
            problems.add(
                ("services",),
                f"backups need a port named '{name}', which no service names",
                f"name it in a service of role {REPOSITORY}, e.g. ports: {{{name}: tcp/...}}",
            )
    if len(plan.datacenters) < 2:
        problems.add(
            ("backup",),
            "backups go to another datacenter than the data, and this topology has one",
            "add a datacenter, or remove `backup`",
        )
    if problems.items or len(repositories) != len(plan.datacenters):
        return Backups()
    schedule = intent.schedule
    jobs: list[BackupJob] = []
    for kind, function in SOURCES.items():
        for host in _sources(plan, kind, function):
            repository = _target(plan, plan.datacenter(host.scope), repositories)
            if kind == "postgresql":
                job = BackupJob(
                    kind, host.name, host.scope, repository.name, repository.name,
                    (("full", schedule.full), ("diff", schedule.diff)),
                )  # fmt: skip
            else:
                calendar = {"directory": schedule.directory, "mail": schedule.mail, "files": schedule.files}[kind]
                job = BackupJob(kind, host.name, host.scope, host.name, repository.name, (("daily", calendar),))
            _check_paths(plan, job, problems)
            jobs.append(job)
    return Backups(
        stanza=plan.name,
        retention_full=intent.retention_full,
        retention_diff=intent.retention_diff,
        keep_daily=intent.keep_daily,
        keep_weekly=intent.keep_weekly,
        jobs=tuple(jobs),
    )


def _repositories(plan: Plan, problems: ProblemList) -> dict[str, Host]:
    """Each datacenter's repository host; a datacenter with none or several is a problem."""
    out: dict[str, Host] = {}
    for dc in plan.datacenters:
        found = [h for h in plan.hosts if h.scope == dc.name and h.kind == "datacenter" and REPOSITORY in h.roles]
        if len(found) != 1:
            names = ", ".join(h.name for h in found) or "none"
            problems.add(
                ("datacenters", dc.name, "hosts"),
                f"backups need exactly one host with role {REPOSITORY} in datacenter {dc.name}, found {names}",
                "the other datacenters keep their backups there",
            )
        else:
            out[dc.name] = found[0]
    return out


def _sources(plan: Plan, kind: BackupKind, function: str) -> list[Host]:
    if kind == "postgresql":
        try:
            return [plan.host(plan.replication("database").primary)]
        except KeyError:
            return []
    return [h for h in plan.hosts if function in h.roles and h.kind == "datacenter" and h.managed and plan.serving(h)]


def _target(plan: Plan, home: Datacenter, repositories: dict[str, Host]) -> Host:
    """Another serving datacenter's repository (the primary's first, then by name), else the home's own."""
    others = sorted(
        (dc for dc in plan.datacenters if dc.name != home.name and dc not in plan.fenced),
        key=lambda dc: (dc.role != "primary", dc.name),
    )
    return repositories[others[0].name] if others else repositories[home.name]


def repository_of(plan: Plan, datacenter: str) -> str:
    """The repository host that keeps the backups of `datacenter`'s data now (for the roles and status)."""
    for job in plan.backups.jobs:
        if job.datacenter == datacenter:
            return job.repository
    raise KeyError(datacenter)


def _check_paths(plan: Plan, job: BackupJob, problems: ProblemList) -> None:
    """The connections the job needs, each allowed by a flow."""
    source, repository = plan.host(job.source), plan.host(job.repository)
    if job.kind == "postgresql":
        port = plan.endpoint(PGBACKREST_PORT).port
        # Any database host may become the primary: each must reach the repository (archive-push).
        databases = [h for h in plan.hosts if "database" in h.roles and h.kind == "datacenter" and h.managed]
        needed = [(d, repository) for d in databases if d is not repository] + [(repository, source)]
    else:
        port = plan.endpoint(BORG_PORT).port
        needed = [(source, repository)] if source is not repository else []
    for client, server in needed:
        if not flows_reaching(plan, server, port, client.address):
            problems.add(
                ("flows",),
                f"{job.kind} backup: no flow lets {client.name} ({client.address}) reach {port} on {server.name}",
                f"add a flow from {client.name}'s zone to a service of {server.name} with port {port}",
            )
