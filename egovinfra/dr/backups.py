"""What the backup commands read and check: a host's record of its last backup, its age, and
the restore target an operator typed. Pure, so that the rules are tested without hosts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from egovinfra.compile.backup import SOURCES
from egovinfra.compile.plan import Plan
from egovinfra.errors import EgovinfraError

KINDS = tuple(SOURCES)


class BackupInputError(EgovinfraError):
    """An operator's argument the backup commands cannot use."""


@dataclass(frozen=True)
class Record:
    """A host's record of its last backup of one kind (/var/lib/egovinfra/backup/<kind>.json)."""

    host: str
    kind: str
    datacenter: str
    repository: str
    result: str
    last_success: float | None
    size: int

    @classmethod
    def from_json(cls, host: str, data: dict[str, Any]) -> Record:
        """The record as the backup script wrote it (KeyError, TypeError, ValueError when malformed)."""
        success = data.get("last_success")
        return cls(
            host=host,
            kind=str(data["kind"]),
            datacenter=str(data["datacenter"]),
            repository=str(data.get("repository", "")),
            result=str(data.get("result", "unknown")),
            last_success=float(success) if success is not None else None,
            size=int(data.get("size", 0)),
        )


def age_hours(record: Record, now: float) -> float:
    """Hours since the last good backup (infinite when there was none)."""
    return float("inf") if record.last_success is None else max(0.0, now - record.last_success) / 3600


def stale(record: Record, now: float, max_age_hours: float) -> bool:
    """True when the last good backup is older than `max_age_hours` (the Plan's alert threshold,
    `monitoring.backup_max_age_hours`), or there is none."""
    return age_hours(record, now) > max_age_hours


def restore_target(text: str, now: datetime | None = None) -> str:
    """An ISO 8601 time as pgBackRest's --target wants it, in UTC; a naive time is refused
    (which zone would it be?), and so is a time in the future."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BackupInputError(f"--to-time {text!r} is not an ISO 8601 time such as 2026-11-30T19:20:00Z") from None
    if moment.tzinfo is None:
        raise BackupInputError(f"--to-time {text!r} has no time zone: add Z (UTC) or +01:00")
    moment = moment.astimezone(UTC)
    if moment > (now or datetime.now(UTC)):
        raise BackupInputError(f"--to-time {text!r} is in the future")
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00")


@dataclass(frozen=True)
class StatusRow:
    """One line of `egovinfra backup status`: a backup the Plan expects and what its host says."""

    kind: str
    datacenter: str
    runner: str
    repository: str
    record: Record | None  # None: no record read (the host is silent, or never backed up)
    silent: bool  # the runner did not answer the probe
    late: bool  # missing, failed, or older than the alert's threshold


def status_rows(
    plan: Plan, records: dict[tuple[str, str], Record], silent: frozenset[str], now: float
) -> list[StatusRow]:
    """Every backup the Plan expects, by kind and datacenter, with its last record; late at the
    same threshold as the monitoring's BackupTooOld alert (`monitoring.backup_max_age_hours`)."""
    max_age = plan.monitoring.backup_max_age_hours
    rows = []
    for job in sorted(plan.backups.jobs, key=lambda j: (j.kind, j.datacenter)):
        quiet = job.runner in silent
        record = None if quiet else records.get((job.kind, job.datacenter))
        rows.append(
            StatusRow(
                kind=job.kind,
                datacenter=job.datacenter,
                runner=job.runner,
                repository=record.repository if record and record.repository else job.repository,
                record=record,
                silent=quiet,
                late=quiet or record is None or stale(record, now, max_age),
            )
        )
    return rows
