"""A rendered deployment as an in-memory tree, written deterministically: new folders whole, re-renders file by file."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from egovinfra.errors import EgovinfraError

MARKER = ".egovinfra-render"
_BANNER = "rendered by egovinfra; regenerated, do not edit"
_COMPLETE = "complete"
_INCOMPLETE = "incomplete: a render stopped while writing this folder; render it again"

# path (relative, POSIX) → content. Rendering builds this; only `write_tree` touches disk.
Tree = dict[str, bytes]


class RenderError(EgovinfraError):
    """A render that cannot be written (the output folder is not ours, ...)."""


def write_tree(tree: Tree, out: Path) -> None:
    """Make `out` hold exactly `tree`, deterministically.

    A new folder is written beside `out` and renamed into place, so it appears whole. A
    folder that an earlier render wrote is updated in place: a changed file is replaced
    atomically (temporary file, then rename), an unchanged one is left alone (it keeps its
    modification time, so rsync, make and reviewers see only real changes), files the new
    tree lacks are removed. Creating inodes and folders is the dear part of writing tens of
    thousands of files, and a re-render usually changes a handful. While an update runs,
    the folder's marker says it is incomplete; `read_tree` refuses such a folder until a
    render finishes.

    Refuses a non-empty folder that an earlier render did not write, so a mistyped --out
    never deletes someone's files.
    """
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise RenderError(f"{out} exists and is not a folder; choose another --out")
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise RenderError(f"{out} exists and was not written by egovinfra render; choose another --out")
        _update(tree, out)
    else:
        _write_new(tree, out)


def _write_new(tree: Tree, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        os.chmod(staging, 0o755)
        made: set[str] = set()
        for rel, content in sorted(tree.items()):
            target = os.path.join(staging, rel)
            _ensure_parent(target, made)
            with open(target, "wb") as handle:
                handle.write(content)
        _write_marker(Path(staging), _COMPLETE, tree.keys())
        if out.exists():
            out.rmdir()  # empty (checked by the caller)
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _update(tree: Tree, out: Path) -> None:
    previous = _manifest(out)
    # Until the end, the marker names every file either render may have left here.
    _write_marker(out, _INCOMPLETE, previous | tree.keys())
    made: set[str] = set()
    for rel, content in sorted(tree.items()):
        target = os.path.join(out, rel)
        if not _holds(target, content):
            _ensure_parent(target, made)
            _replace(target, content)
    stale = sorted(previous - tree.keys(), reverse=True)
    for rel in stale:
        # Already gone, or the path now belongs to the new tree in another shape.
        with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
            os.unlink(os.path.join(out, rel))
    _remove_empty_parents(out, stale)
    _write_marker(out, _COMPLETE, tree.keys())


def _holds(path: str, content: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(content) + 1) == content
    except OSError:  # absent, or a folder where a file belongs
        return False


def _ensure_parent(path: str, made: set[str]) -> None:
    parent = os.path.dirname(path)
    if parent in made:
        return
    try:
        os.makedirs(parent, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        # A file of an earlier render stands where a folder now belongs: only an
        # update into an existing tree meets one, and the file is stale by definition.
        blocker = parent
        while not os.path.isfile(blocker):
            blocker = os.path.dirname(blocker)
        os.unlink(blocker)
        os.makedirs(parent, exist_ok=True)
    made.add(parent)


def _replace(path: str, content: bytes) -> None:
    temp = f"{path}.{os.getpid()}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)  # a folder of an earlier render where a file now belongs
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def _remove_empty_parents(out: Path, removed: list[str]) -> None:
    folders = {str(Path(rel).parent) for rel in removed}
    for folder in sorted(folders, key=lambda f: f.count("/"), reverse=True):
        current = out / folder
        while current != out:
            try:
                current.rmdir()
            except OSError:  # not empty, or already gone
                break
            current = current.parent


def _write_marker(folder: Path, state: str, files: Iterable[str]) -> None:
    body = "\n".join([_BANNER, state, *sorted(files)]) + "\n"
    temp = folder / f"{MARKER}.tmp"
    temp.write_text(body)
    os.replace(temp, folder / MARKER)


def _manifest(folder: Path) -> set[str]:
    """The files an earlier render wrote into `folder` (walked when its marker has no list)."""
    lines = (folder / MARKER).read_text().splitlines()
    if len(lines) >= 2 and lines[1] in (_COMPLETE, _INCOMPLETE):
        return set(lines[2:])
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != MARKER}


def read_tree(root: Path) -> Tree:
    """A rendered folder back into a tree (for diffs and freshness checks)."""
    marker = root / MARKER
    if marker.exists() and _INCOMPLETE in marker.read_text().splitlines()[1:2]:
        raise RenderError(f"{root}: {_INCOMPLETE}")
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MARKER
    }
