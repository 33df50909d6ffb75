"""The operational state file: the next state of an action, written atomically."""

from __future__ import annotations

import getpass
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from egovinfra.model.operations import Action, Change, Operations
from egovinfra.render.yamlout import dump_yaml

HEADER = (
    "Operational state of this environment: which datacenter serves and which is fenced.\n"
    "Written only by `egovinfra dr` (failover, failback, switchover); commit every change."
)


def operator() -> str:
    """Who runs the command: the login behind sudo when there is one."""
    return os.environ.get("SUDO_USER") or getpass.getuser()


def advance(
    ops: Operations, *, action: Action, active: str, fenced: tuple[str, ...], reason: str, at: datetime | None = None
) -> Operations:
    """The state after `action`: the next generation, with the change recorded in the history."""
    when = (at or datetime.now(UTC)).replace(microsecond=0).isoformat()
    generation = ops.generation + 1
    change = Change(
        generation=generation, action=action, active=active, fenced=fenced, at=when, by=operator(), reason=reason
    )
    return Operations(active=active, generation=generation, fenced=fenced, history=(*ops.history, change))


def write_state(path: Path, ops: Operations) -> None:
    """Write `ops` to `path` atomically (a reader sees the old file or the new one)."""
    data = ops.model_dump(mode="json")
    data["history"] = [{k: v for k, v in change.items() if v not in ("", [], ())} for change in data["history"]]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(dump_yaml(data, HEADER))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
