"""What the backup commands read and check: a host's record of its last backup, its age, and
the restore target an operator typed. Pure, so that the rules are tested without hosts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from egovinfra.compile.backup import SOURCES
from egovinfra.errors import EgovinfraError

KINDS = tuple(SOURCES)
# The alert's threshold (the monitoring's "backup older than 26 h"): a nightly backup plus slack.
STALE_AFTER_HOURS = 26.0


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


def stale(record: Record, now: float) -> bool:
    """True when the last good backup is older than the alert's threshold, or there is none."""
    return age_hours(record, now) > STALE_AFTER_HOURS


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
