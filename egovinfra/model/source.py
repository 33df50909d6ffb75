"""YAML reading that remembers where every key and item came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from egovinfra.model.problems import Problem, TopologyError, YamlPath


@dataclass(frozen=True, slots=True)
class Location:
    """A file and a 1-based line."""

    file: str
    line: int


@dataclass
class SourceMap:
    """YAML path → where it was written. Unknown paths fall back to their nearest parent."""

    entries: dict[YamlPath, Location] = field(default_factory=dict)

    def locate(self, path: YamlPath) -> Location | None:
        """The location of `path` or of its closest ancestor that has one."""
        for cut in range(len(path), -1, -1):
            found = self.entries.get(path[:cut])
            if found is not None:
                return found
        return None

    def resolve(self, problem: Problem) -> Problem:
        """The same problem with file and line filled in."""
        if problem.file:
            return problem
        loc = self.locate(problem.path)
        if loc is None:
            return problem
        return Problem(problem.path, problem.message, problem.hint, loc.file, loc.line)

    def resolve_all(self, error: TopologyError) -> TopologyError:
        """Locate every problem of an error."""
        return TopologyError([self.resolve(p) for p in error.problems])


def _plain(node: Any, path: YamlPath, file: str, smap: SourceMap) -> Any:
    """Convert ruamel's round-trip nodes to plain dicts/tuples, recording positions."""
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            line = node.lc.key(key)[0] + 1
            child = (*path, str(key)) if not isinstance(key, int) else (*path, key)
            smap.entries[child] = Location(file, line)
            out[key] = _plain(value, child, file, smap)
        return out
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, value in enumerate(node):
            line = node.lc.item(index)[0] + 1
            smap.entries[(*path, index)] = Location(file, line)
            items.append(_plain(value, (*path, index), file, smap))
        # Sequences become tuples: the models are frozen and validate strictly.
        return tuple(items)
    if isinstance(node, str):
        return str(node)
    return node


def read_yaml(file: Path, display: str, base: YamlPath, smap: SourceMap) -> Any:
    """Read one YAML file into plain data, recording every key's line under `base`.

    Any failure (missing, unreadable, binary, syntax) becomes a located Problem.
    """
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise TopologyError([Problem(base, f"cannot read file: {exc.strerror}", file=display, line=1)]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TopologyError(
            [Problem(base, "not a UTF-8 text file", "a topology file is YAML text", display, 1)]
        ) from None
    if "\x00" in text:
        raise TopologyError([Problem(base, "binary content (NUL byte)", "a topology file is YAML text", display, 1)])
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        node = yaml.load(text)
    except DuplicateKeyError as exc:
        first = exc.context_mark.line + 1 if exc.context_mark is not None else 0
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
        key = (exc.problem or "").split('"')[1] if '"' in (exc.problem or "") else "?"
        raise TopologyError([Problem(base, f"duplicate key '{key}' (the mapping starts at line {first})",
                                     "each name may appear once in a mapping", display, line)]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "invalid YAML"
        raise TopologyError([Problem(base, f"YAML syntax error: {what}", file=display, line=line)]) from None
    except YAMLError as exc:
        raise TopologyError([Problem(base, f"YAML error: {exc}", file=display, line=1)]) from None
    smap.entries.setdefault(base, Location(display, 1))
    return _plain(node, base, display, smap)
