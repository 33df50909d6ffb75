"""Variables of the `backup` role: pgBackRest and borg, each host's part in the Plan's backup jobs.

A database host archives WAL to the stanza's repository and lets it pull backups (pgBackRest
TLS server, the host certificates of the intranet PKI, each side naming the other's CN). A
repository host keeps the stanza (encrypted, retention from the topology) and the borg
repositories of the other datacenter's directory, mail and file stores, and runs the
PostgreSQL timers. A directory, mail or file host backs itself up with borg over ssh (a key
limited to `borg serve` of its own repository). The passphrase comes from the controller's
secrets at converge time; no variable here is a secret.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.backup import BACKUP_USER, PGBACKREST_PORT
from egovinfra.compile.plan import BackupJob, Host, Plan
from egovinfra.compile.ssh import borg_port, known_host
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.roles.filesync import filesync_vars
from egovinfra.render.roles.nearby import host_entries

REPOSITORY_ROOT = "/srv/backup"
# Debian's cluster layout, as the postgresql role has it.
PG_DATA = "/var/lib/postgresql/15/main"
# Seconds after which PostgreSQL closes a WAL segment with writes in it, so that it is
# archived: what a point-in-time restore can reach when the primary itself is lost.
ARCHIVE_TIMEOUT = 60
# What each borg kind saves: the directory as an LDIF export (slapcat), the mail store, the files.
BORG_PATHS = {"directory": "/var/backups/egovinfra/directory.ldif", "mail": "/var/vmail"}


def borg_repository(plan: Plan, job: BackupJob) -> str:
    """The borg URL of a job's repository: the repository host's address, a folder per source host."""
    repository = plan.host(job.repository)
    return f"ssh://{BACKUP_USER}@{repository.address}:{borg_port(plan)}{REPOSITORY_ROOT}/borg/{job.source}"


def _port(plan: Plan, name: str) -> int:
    """A named port; 0 in a topology without backups, where nothing uses it."""
    return next((e.port.first for e in plan.endpoints if e.name == name), 0)


def _path(ctx: RenderContext, job: BackupJob) -> str:
    if job.kind == "files":
        files = filesync_vars(ctx, ctx.plan.host(job.source)) or {}
        return str(files["filesync_path"])
    return BORG_PATHS[job.kind]


def _database_hosts(plan: Plan) -> list[Host]:
    """The hosts of the database's replication (compile.replication): any may archive once promoted."""
    return [plan.host(name) for r in plan.replications if r.function == "database" for name in r.members]


def _database(plan: Plan, host: Host) -> dict[str, Any] | None:
    job = next((j for j in plan.backups.jobs if j.kind == "postgresql"), None)
    if job is None or "database" not in host.roles:
        return None
    repository = plan.host(job.repository)
    return {"repository_fqdn": repository.fqdn}


def _repository(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    plan = ctx.plan
    if "backup_repository" not in host.roles:
        return None
    stanza = next((j for j in plan.backups.jobs if j.kind == "postgresql" and j.repository == host.name), None)
    databases = _database_hosts(plan)
    return {
        # The stanza's database: the active primary, when this host keeps the stanza.
        "database": (
            {"host": stanza.source, "fqdn": plan.host(stanza.source).fqdn, "datacenter": stanza.datacenter}
            if stanza
            else None
        ),
        "schedules": [{"variant": v, "calendar": c} for v, c in stanza.schedules] if stanza else [],
        # Any database host may archive here once it is promoted.
        "archivers": sorted(h.fqdn for h in databases),
        "borg_clients": [
            {"source": j.source, "kind": j.kind, "path": f"{REPOSITORY_ROOT}/borg/{j.source}"}
            for j in plan.backups.jobs
            if j.kind != "postgresql" and j.repository == host.name
        ],
    }


def backup_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A host's part in the backups: database, repository, borg jobs it runs (none of them, in a
    topology without `backup:`: the role then installs nothing)."""
    plan = ctx.plan
    backups = plan.backups
    database, repository = _database(plan, host), _repository(ctx, host)
    jobs = [j for j in backups.jobs if j.runner == host.name and j.kind != "postgresql"]
    # pgBackRest's TLS checks the peer's name: the stanza's repository, or every database host.
    peers = [plan.host(j.repository) for j in backups.jobs if j.kind == "postgresql"] if database else []
    if repository is not None:
        peers += _database_hosts(plan)
    return {
        "backup_stanza": backups.stanza,
        "backup_datacenter": host.scope,
        "backup_user": BACKUP_USER,
        "backup_pgbackrest_port": _port(plan, PGBACKREST_PORT),
        "backup_pg_path": PG_DATA,
        "backup_pg_port": _port(plan, "postgresql"),
        "backup_archive_timeout": ARCHIVE_TIMEOUT,
        "backup_retention_full": backups.retention_full,
        "backup_retention_diff": backups.retention_diff,
        "backup_keep_daily": backups.keep_daily,
        "backup_keep_weekly": backups.keep_weekly,
        "backup_database": database,
        "backup_hosts": host_entries(*peers),
        "backup_repository": repository,
        "backup_jobs": [
            {
                "kind": j.kind,
                "calendar": j.schedules[0][1],
                "repository": j.repository,
                # The repository's name in known_hosts, which carries the port off ssh's default.
                "repository_known_host": known_host(plan.host(j.repository).address, borg_port(plan)),
                "url": borg_repository(plan, j),
                "path": _path(ctx, j),
            }
            for j in jobs
        ],
    }
