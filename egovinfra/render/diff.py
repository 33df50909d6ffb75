"""What changes between two rendered deployments, grouped by host."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from egovinfra.render.tree import Tree

SHARED = "(inventory)"


@dataclass(frozen=True)
class HostChange:
    """How one host's rendered files change."""

    host: str
    status: str  # added, removed, changed
    files: tuple[str, ...]


def _owner(path: str) -> str:
    parts = path.split("/")
    if parts[0] == "configs" and len(parts) > 2:
        return parts[1]
    if parts[:2] == ["inventory", "host_vars"]:
        return parts[2].removesuffix(".yml")
    return SHARED


def host_changes(old: Tree, new: Tree) -> list[HostChange]:
    """Hosts whose files differ, with the files; shared inventory files under `(inventory)`."""
    changed: dict[str, set[str]] = {}
    for path in set(old) | set(new):
        if old.get(path) != new.get(path):
            changed.setdefault(_owner(path), set()).add(path)
    old_hosts = {_owner(p) for p in old}
    new_hosts = {_owner(p) for p in new}
    out = []
    for host in sorted(changed):
        status = "added" if host not in old_hosts else "removed" if host not in new_hosts else "changed"
        out.append(HostChange(host, status, tuple(sorted(changed[host]))))
    return out


def unified(old: Tree, new: Tree, path: str) -> str:
    """A unified diff of one file."""
    before = old.get(path, b"").decode(errors="replace").splitlines(keepends=True)
    after = new.get(path, b"").decode(errors="replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(before, after, f"a/{path}", f"b/{path}"))
