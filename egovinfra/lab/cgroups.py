"""A cgroup subtree per lab host.

With no systemd on the machine, every nspawn host would start in the same cgroup, and each
host's systemd would then manage the same `system.slice/<unit>` directories: when a converge
restarts one unit on many hosts at once, one host removes a cgroup another is attaching to
(`status=219/CGROUP`). Starting each host in its own subtree, named after its machine (which
carries the lab's prefix), keeps them apart; `lab down` removes the subtrees by prefix.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from egovinfra.lab.names import owned

HIERARCHIES = (Path("/sys/fs/cgroup/systemd"), Path("/sys/fs/cgroup/unified"))


def enter_script(machine: str) -> str:
    """Shell that moves the current shell (and so the nspawn it execs) into the host's subtrees."""
    steps = []
    for root in HIERARCHIES:
        target = shlex.quote(str(root / machine))
        steps.append(
            f"if [ -d {shlex.quote(str(root))} ]; then mkdir -p {target} && echo $$ > {target}/cgroup.procs; fi"
        )
    return "; ".join(steps)


def remove_subtrees(prefix: str) -> list[str]:
    """Remove the (empty) cgroup subtrees of the lab's hosts, deepest first; return what was removed."""
    removed: list[str] = []
    for root in HIERARCHIES:
        if not root.is_dir():
            continue
        for top in sorted(p for p in root.iterdir() if p.is_dir() and owned(prefix, p.name)):
            for folder, _, _ in sorted(os.walk(top), key=lambda entry: entry[0].count("/"), reverse=True):
                try:
                    os.rmdir(folder)
                except OSError:
                    continue  # still populated: reported by the leftovers check through its processes
                removed.append(folder)
    return removed
