"""A rendered deployment as an in-memory tree, written atomically and deterministically."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from egovinfra.errors import EgovinfraError

MARKER = ".egovinfra-render"

# path (relative, POSIX) → content. Rendering builds this; only `write_tree` touches disk.
Tree = dict[str, bytes]


class RenderError(EgovinfraError):
    """A render that cannot be written (the output folder is not ours, ...)."""


def write_tree(tree: Tree, out: Path) -> None:
    """Replace `out` with exactly `tree`: render into a sibling temp folder, then swap.

    Refuses to replace a non-empty folder that an earlier render did not write,
    so a mistyped --out never deletes someone's files.
    """
    out = out.resolve()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise RenderError(f"{out} exists and was not written by egovinfra render; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, content in sorted(tree.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (staging / MARKER).write_text("rendered by egovinfra; regenerated, do not edit\n")
        old = out.parent / f".{out.name}.old"
        if old.exists():
            shutil.rmtree(old)
        if out.exists():
            os.rename(out, old)
        os.rename(staging, out)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_tree(root: Path) -> Tree:
    """A rendered folder back into a tree (for diffs and freshness checks)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MARKER
    }
