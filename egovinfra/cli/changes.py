"""Which hosts a converge must visit after a change, and which roles: from git, what changed
since a revision.

A host's rendered variables (`<inventory>/host_vars/<host>.yml`) changed: that host. A role's
files changed (`roles/<role>/`): every host of `role_<role>`. Anything that reaches every host
(group_vars, hosts.yml, playbooks/, ansible.cfg): every host. Nothing changed: no host.

Roles: every variable a role reads carries its name as a prefix (`nftables_rules`), so the
variables that changed in a host's file name the roles to run there; a role's own files name
that role. A variable of no role (`ansible_host`), a new host or anything shared: every role.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

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


_MISSING = object()


def _variables(text: str) -> dict[str, Any]:
    loaded = YAML(typ="safe").load(text) if text.strip() else {}
    return loaded if isinstance(loaded, dict) else {}


def changed_variables(revision: str, root: Path, path: str) -> set[str] | None:
    """Top-level variables of the YAML file `path` whose value differs between `revision` and
    the work tree; None when the file is new or gone (everything about the host changed)."""
    before = subprocess.run(
        ["git", "show", f"{revision}:{path}"], cwd=root, capture_output=True, text=True, check=False
    )
    now = root / path
    if before.returncode != 0 or not now.is_file():
        return None
    old, new = _variables(before.stdout), _variables(now.read_text())
    return {key for key in old.keys() | new.keys() if old.get(key, _MISSING) != new.get(key, _MISSING)}


def owner(variable: str, roles: set[str]) -> str | None:
    """The role whose prefix `variable` carries (the longest one), or None."""
    found = [role for role in roles if variable.startswith(role + "_")]
    return max(found, key=len) if found else None


def tags_for(paths: list[str], inventory: str, revision: str, root: Path, roles: set[str]) -> str | None:
    """The roles a converge of `paths`' changes needs, as Ansible tags; None: every role."""
    prefix = inventory.rstrip("/") + "/"
    tags: set[str] = set()
    for path in paths:
        if path.startswith(prefix + "host_vars/") and path.endswith(".yml"):
            changed = changed_variables(revision, root, path)
            if changed is None:
                return None
            owners = {owner(variable, roles) for variable in changed}
            if None in owners:
                return None
            tags |= {o for o in owners if o is not None}
        elif path.startswith("roles/") and path.count("/") >= 2:
            tags.add(path.split("/")[1])
        elif path.startswith(prefix) or path.startswith("playbooks/") or path == "ansible.cfg":
            return None
    return ",".join(sorted(tags)) if tags else None
