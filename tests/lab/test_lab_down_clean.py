"""The default topology's lab, up then down: nothing of it is left on the machine.

The checks look at the machine directly (ip, /proc, mountinfo), not through the lab's own
bookkeeping, so a lab that forgot something it made cannot hide it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from egovinfra.cli.topology_cmds import load_plan
from egovinfra.lab import api, cgroups
from egovinfra.lab.names import lab_prefix

FAMILY = "egc"  # its own prefix: never touches a lab someone else runs


def root_links() -> set[str]:
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}


def machine_traces(prefix: str, lab_dir: Path) -> list[str]:
    """Namespaces, mounts, processes and cgroups that mention the lab's prefix or folder."""
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    found = [f"netns {line.split()[0]}" for line in netns.splitlines() if line.startswith(prefix)]
    found += [
        f"mount {line.split()[4]}"
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
        if str(lab_dir) in line or prefix in line
    ]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if prefix.encode() in argv or str(lab_dir).encode() in argv:
            found.append(f"process {proc.name}: {argv[:120]!r}")
    for hierarchy in cgroups.HIERARCHIES:
        if hierarchy.is_dir():
            found += [f"cgroup {p}" for p in hierarchy.iterdir() if p.name.startswith(prefix)]
    return found


def test_default_lab_down_leaves_nothing(tmp_path: Path) -> None:
    plan = load_plan(None)
    prefix = lab_prefix(plan.name, FAMILY)
    lab_dir = tmp_path / "lab"
    links = root_links()
    try:
        result = api.up(plan, lab_dir=lab_dir, family=FAMILY, health_timeout=180)
        assert len(result.ready) == sum(h.managed for h in plan.hosts)
        assert machine_traces(prefix, lab_dir), "the lab left no trace while up: the check sees nothing"
    finally:
        api.down(plan.name, lab_dir=lab_dir, family=FAMILY)

    assert machine_traces(prefix, lab_dir) == []
    assert root_links() == links
    assert not (lab_dir / "hosts").exists()
    assert not (lab_dir / "state.json").exists()
