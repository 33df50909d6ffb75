"""The lab state file: every namespace, mount and process a lab made, so `down` can undo it.

Resources are recorded *before* they are created: a crash in between leaves an entry that
`down` finds already gone, never a resource nobody knows about.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from egovinfra.lab.errors import LabError

DEFAULT_LABS_DIR = Path("/var/lib/egovinfra/lab")
STATE_FILE = "state.json"


class ProcessRecord(BaseModel):
    """An nspawn process; ``starttime`` (clock ticks since boot, see procs.starttime) guards
    against PID reuse."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pid: int
    starttime: int
    machine: str


class HostRecord(BaseModel):
    """A started host: its machine name and management address, for `status` and `ssh`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    machine: str
    mgmt_address: str


class LabState(BaseModel):
    """What one lab created. Lists keep creation order; teardown walks them in reverse."""

    model_config = ConfigDict(extra="forbid")

    name: str
    prefix: str
    mgmt_ns: str = ""
    netns: list[str] = []
    mounts: list[str] = []
    processes: list[ProcessRecord] = []
    hosts: list[HostRecord] = []

    def add_netns(self, name: str) -> None:
        """Record a namespace (once)."""
        if name not in self.netns:
            self.netns.append(name)

    def add_mount(self, path: Path) -> None:
        """Record a mount point (once)."""
        if str(path) not in self.mounts:
            self.mounts.append(str(path))

    def add_process(self, record: ProcessRecord) -> None:
        """Record a process, replacing an older record for the same machine."""
        self.processes = [p for p in self.processes if p.machine != record.machine]
        self.processes.append(record)

    def add_host(self, record: HostRecord) -> None:
        """Record a host, replacing an older record of the same name."""
        self.hosts = [h for h in self.hosts if h.name != record.name]
        self.hosts.append(record)


def state_path(lab_dir: Path) -> Path:
    """Where the state of the lab living in ``lab_dir`` is kept."""
    return lab_dir / STATE_FILE


def load_state(lab_dir: Path) -> LabState | None:
    """Read the state file, or None when the lab has none; a corrupt file is a LabError."""
    path = state_path(lab_dir)
    try:
        raw = path.read_text()
    except FileNotFoundError:
        return None
    try:
        return LabState.model_validate_json(raw)
    except ValidationError as exc:
        raise LabError(f"{path}: not a valid lab state file: {exc}") from exc


def save_state(lab_dir: Path, state: LabState) -> None:
    """Write the state file atomically (temporary file, fsync, rename)."""
    lab_dir.mkdir(parents=True, exist_ok=True)
    path = state_path(lab_dir)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w") as out:
        json.dump(state.model_dump(mode="json"), out, indent=2, sort_keys=True)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
