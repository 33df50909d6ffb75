"""YAML reading that remembers where every key and item came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from egovinfra.bounded import FileRefused, read_bounded
from egovinfra.model.limits import raise_hint
from egovinfra.model.problems import Problem, TopologyError, YamlPath
from egovinfra.model.shape import FileLimits, ShapeError, check_shape


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
        return TopologyError([self.resolve(p) for p in error.problems], error.omitted)


def _plain(node: yaml.Node, path: YamlPath, file: str, smap: SourceMap) -> Any:
    """Build plain dicts/tuples from composed YAML nodes, recording every key's line."""
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        first: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = _plain(key_node, path, file, smap)
            line = key_node.start_mark.line + 1
            if isinstance(key, dict | tuple):
                raise TopologyError(
                    [Problem(path, "a mapping key must be a name, not a structure", file=file, line=line)]
                )
            if key in first:
                raise TopologyError(
                    [
                        Problem(
                            (*path, str(key)),
                            f"duplicate key '{key}' (first written at line {first[key]})",
                            "each name may appear once in a mapping",
                            file,
                            line,
                        )
                    ]
                )
            first[key] = line
            child = (*path, key if isinstance(key, int) else str(key))
            smap.entries[child] = Location(file, line)
            out[key] = _plain(value_node, child, file, smap)
        return out
    if isinstance(node, yaml.SequenceNode):
        items: list[Any] = []
        for index, item in enumerate(node.value):
            smap.entries[(*path, index)] = Location(file, item.start_mark.line + 1)
            items.append(_plain(item, (*path, index), file, smap))
        # Sequences become tuples: the models are frozen and validate strictly.
        return tuple(items)
    try:
        return _LOADER.construct_object(node, deep=True)  # a scalar, resolved as YAML 1.1 does
    except (ValueError, OverflowError) as exc:  # 2001-13-45 as a date, an integer of 5,000 digits
        kind = node.tag.rsplit(":", 1)[-1]
        reason = str(exc).split(";")[0]
        raise TopologyError(
            [
                Problem(
                    path,
                    f"cannot read {_preview(node.value)} as {kind}: {reason}",
                    "quote it to make it a string",
                    file,
                    node.start_mark.line + 1,
                )
            ]
        ) from None


def _preview(value: object, room: int = 40) -> str:
    """A value's repr cut to `room` characters: a message never echoes a whole hostile scalar."""
    text = repr(value)
    return text if len(text) <= room else f"{text[: room - 5]}...{text[-2:]}"


class _Loader(yaml.CSafeLoader):
    """libyaml's parser; scalars are resolved by the safe constructor."""


_LOADER = _Loader("")


def _read(file: Path, display: str, base: YamlPath, limits: FileLimits) -> bytes:
    """The file's bytes, or a located problem: unreadable, not a regular file, too large."""
    try:
        return read_bounded(file, limits.bytes)
    except FileRefused as exc:
        hint = _raise_hint("file_bytes", base) if exc.reason == "size" else "a topology file is YAML text"
        raise TopologyError([Problem(base, str(exc), hint, display, 1)]) from None
    except OSError as exc:
        raise TopologyError([Problem(base, f"cannot read file: {exc.strerror}", file=display, line=1)]) from None


def _raise_hint(limit: str, base: YamlPath) -> str:
    """Where the limit a problem names is raised: only topology.yaml raises them, for site files."""
    if base:
        return raise_hint(limit)
    return "topology.yaml is read under the default limits; its own `limits` apply to site files"


def read_yaml(file: Path, display: str, base: YamlPath, smap: SourceMap, limits: FileLimits) -> Any:
    """Read one YAML file into plain data, recording every key's line under `base`.

    Any failure (missing, unreadable, binary, syntax, duplicate key, past one of `limits`)
    becomes a located Problem, found before the file costs more than its limits allow.
    Anchors and aliases work; merge keys (`<<`) are not part of the format.
    """
    raw = _read(file, display, base, limits)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TopologyError(
            [Problem(base, "not a UTF-8 text file", "a topology file is YAML text", display, 1)]
        ) from None
    if "\x00" in text:
        raise TopologyError([Problem(base, "binary content (NUL byte)", "a topology file is YAML text", display, 1)])
    try:
        check_shape(text, limits)
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except ShapeError as exc:
        where = (*base, *exc.path)
        raise TopologyError([Problem(where, exc.message, _raise_hint(exc.limit, base), display, exc.line)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "invalid YAML"
        raise TopologyError([Problem(base, f"YAML syntax error: {what}", file=display, line=line)]) from None
    except yaml.YAMLError as exc:
        raise TopologyError([Problem(base, f"YAML error: {exc}", file=display, line=1)]) from None
    smap.entries.setdefault(base, Location(display, 1))
    if node is None:
        return None
    try:
        return _plain(node, base, display, smap)
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
        raise TopologyError([Problem(base, f"YAML error: {exc.problem}", file=display, line=line)]) from None
