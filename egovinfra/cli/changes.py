"""Which hosts a converge must visit after a change: from git, what changed since a revision.

A host's rendered variables (`<inventory>/host_vars/<host>.yml`) changed: that host. A role's
files changed (`roles/<role>/`): every host of `role_<role>`. Anything that reaches every host
(group_vars, hosts.yml, playbooks/, ansible.cfg): every host. Nothing changed: no host.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from egovinfra.errors import EgovinfraError

EVERYTHING = "all"


class ChangesError(EgovinfraError):
    """git could not say what changed."""


def changed_paths(revision: str, root: Path) -> list[str]:
    """Paths (relative to the repository) that differ between `revision` and the work tree,
    untracked files included."""
    commands = (
        ["git", "diff", "--name-only", revision, "--"],
        ["git", "ls-files", "--others", "--exclude-standard"],
    )
    out: list[str] = []
    for argv in commands:
        done = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ChangesError(f"{' '.join(argv)}: {done.stderr.strip() or 'failed'}")
        out += done.stdout.split()
    return sorted(set(out))


def limit_for(paths: list[str], inventory: str) -> str | None:
    """An Ansible host pattern covering what `paths` touch; None when nothing converged changed."""
    prefix = inventory.rstrip("/") + "/"
    hosts: set[str] = set()
    groups: set[str] = set()
    for path in paths:
        if path.startswith(prefix + "host_vars/") and path.endswith(".yml"):
            hosts.add(path.removeprefix(prefix + "host_vars/").removesuffix(".yml"))
        elif path.startswith(prefix) or path.startswith("playbooks/") or path == "ansible.cfg":
            return EVERYTHING
        elif path.startswith("roles/") and path.count("/") >= 2:
            groups.add("role_" + path.split("/")[1])
    patterns = sorted(hosts) + sorted(groups)
    return ",".join(patterns) if patterns else None
