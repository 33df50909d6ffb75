"""A rendered deployment as an in-memory tree, written deterministically: new folders whole, re-renders file by file."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from egovinfra.errors import EgovinfraError

MARKER = ".egovinfra-render"
_BANNER = "rendered by egovinfra; regenerated, do not edit"
_COMPLETE = "complete"
_INCOMPLETE = "incomplete: a render stopped while writing this folder; render it again"

# path (relative, POSIX) → content. Rendering builds this; only an `Output` changes the disk.
Tree = dict[str, bytes]


class RenderError(EgovinfraError):
    """A render that cannot be written (the output folder is not ours, ...)."""


@dataclass
class Changes:
    """A rendered tree held against its output folder.

    `write`: contents the commit must write; `kept`: files the folder already holds as
    rendered; `staged`: files already written into a new folder's staging area.
    """

    write: Tree = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)
    staged: set[str] = field(default_factory=set)

    def merge(self, other: Changes) -> None:
        """Add the changes of another part of the same render (disjoint paths)."""
        self.write.update(other.write)
        self.kept |= other.kept
        self.staged |= other.staged

    def files(self) -> set[str]:
        """Every path of the rendered tree."""
        return self.write.keys() | self.kept | self.staged


class Output:
    """The folder a render writes into: opened before rendering, committed once all of it rendered.

    A new folder is built in a hidden staging folder beside it and renamed into place when
    complete, so it appears whole. A folder that an earlier render wrote is held file by file
    against the render, and updated in place at the commit: a changed file is replaced atomically
    (temporary file, then rename), an unchanged one is left alone (it keeps its modification
    time, so rsync, make and reviewers see only real changes), files the new render lacks are
    removed. While an update runs, the folder's marker says it is incomplete; `read_tree`
    refuses such a folder until a render finishes. Leaving the `with` block without a commit
    (an error, an interrupt) removes the staging folder and changes nothing.
    """

    def __init__(self, out: Path, previous: frozenset[str] | None, complete: bool) -> None:
        self.out = out
        # The files the earlier render wrote; None for a new folder.
        self.previous = previous
        self.complete = complete
        self._staging: str | None = None
        self._made: list[Path] = []  # parent folders made for a new folder, removed on failure

    @classmethod
    def open(cls, out: Path) -> Output:
        """Look at `out` before rendering into it (and prepare a new folder's staging area).

        Refuses a non-empty folder that an earlier render did not write, so a mistyped --out
        never deletes someone's files.
        """
        out = out.resolve()
        if out.exists() and not out.is_dir():
            raise RenderError(f"{out} exists and is not a folder; choose another --out")
        if out.exists() and any(out.iterdir()):
            if not (out / MARKER).exists():
                raise RenderError(f"{out} exists and was not written by egovinfra render; choose another --out")
            files, complete = _manifest(out)
            return cls(out, frozenset(files), complete)
        return cls(out, None, False)

    def __enter__(self) -> Output:
        if self.previous is None:
            missing = [p for p in self.out.parents if not p.exists()]
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self._made = missing
            self._staging = tempfile.mkdtemp(prefix=f".{self.out.name}.", dir=self.out.parent)
            os.chmod(self._staging, 0o755)
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if self._staging is not None:  # never committed
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
            for folder in self._made:  # innermost first
                with contextlib.suppress(OSError):
                    folder.rmdir()

    def take(self, tree: Tree) -> Changes:
        """Hold a render against the folder: stage it (new folder) or compare it."""
        if self._staging is not None:
            made: set[str] = set()
            for rel, content in tree.items():
                target = os.path.join(self._staging, rel)
                _ensure_parent(target, made)
                with open(target, "wb") as handle:
                    handle.write(content)
            return Changes(staged=set(tree))
        root = str(self.out)
        found = Changes()
        for rel, content in tree.items():
            if _holds(os.path.join(root, rel), content):
                found.kept.add(rel)
            else:
                found.write[rel] = content
        return found

    def commit(self, changes: Changes) -> None:
        """Make the folder hold exactly the rendered tree of `changes`."""
        if self.previous is not None:
            _update(changes, self.out, self.previous, self.complete)
            return
        if self._staging is None:
            raise RenderError(f"{self.out}: commit outside of the `with` block, or twice")
        # `take` staged every file of a new folder already: only the marker and the swap remain.
        _write_marker(Path(self._staging), _COMPLETE, changes.files())
        try:
            if self.out.exists():
                self.out.rmdir()  # empty when opened
            os.rename(self._staging, self.out)
        except OSError as exc:
            raise RenderError(f"{self.out} changed during the render ({exc.strerror}); nothing was written") from None
        self._staging = None


def write_tree(tree: Tree, out: Path) -> None:
    """Make `out` hold exactly `tree`, deterministically (see `Output`)."""
    with Output.open(out) as output:
        output.commit(output.take(tree))


def _update(changes: Changes, out: Path, previous: frozenset[str], complete: bool) -> None:
    files = changes.files()
    stale = sorted(previous - files, reverse=True)
    if complete and not changes.write and not stale:
        return  # the folder already holds this render: touch nothing, not even the marker
    # Until the end, the marker names every file either render may have left here.
    _write_marker(out, _INCOMPLETE, previous | files)
    made: set[str] = set()
    for rel, content in sorted(changes.write.items()):
        target = os.path.join(out, rel)
        _ensure_parent(target, made)
        _replace(target, content)
    for rel in stale:
        # Already gone, or the path now belongs to the new tree in another shape.
        with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
            os.unlink(os.path.join(out, rel))
    _remove_empty_parents(out, stale)
    _write_marker(out, _COMPLETE, files)


def _holds(path: str, content: bytes) -> bool:
    # Raw descriptors: for ten thousand small files, a buffered file object costs more
    # than the read.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # absent
        return False
    try:
        return os.read(fd, len(content) + 1) == content
    except OSError:  # a folder where a file belongs
        return False
    finally:
        os.close(fd)


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


def _manifest(folder: Path) -> tuple[set[str], bool]:
    """The files an earlier render wrote into `folder`, and whether that render finished.

    A marker without a list (an older render's) is treated as unfinished and the folder walked.
    """
    lines = (folder / MARKER).read_text().splitlines()
    if len(lines) >= 2 and lines[1] in (_COMPLETE, _INCOMPLETE):
        return set(lines[2:]), lines[1] == _COMPLETE
    walked = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != MARKER}
    return walked, False


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
