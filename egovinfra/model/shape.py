"""The size a YAML text will have once built, measured from the parser's events before any node exists.

An alias costs nothing to write and everything to expand: ten lines of nested aliases make a
billion nodes ("billion laughs"). Walking the event stream with the size and height of every
anchored node known, the first event that would take the document past a limit is found in
time and memory proportional to the text, never to its expansion.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml


@dataclass(frozen=True, slots=True)
class FileLimits:
    """What one file may hold: bytes, YAML nodes (aliases expanded) and nesting depth."""

    bytes: int
    nodes: int
    depth: int


class ShapeError(Exception):
    """A file goes past one of its limits at `line`, in the node at `path`."""

    def __init__(self, limit: str, message: str, line: int, path: tuple[str | int, ...]) -> None:
        self.limit = limit
        self.message = message
        self.line = line
        self.path = path
        super().__init__(message)


@dataclass(slots=True)
class _Open:
    """A collection being read: its anchor, the node count when it began, its deepest level so far,
    and where its reading is (children done; the last key of a mapping) to name a path."""

    anchor: str | None
    nodes_before: int
    deepest: int
    mapping: bool
    children: int = 0
    key: str = ""


def _path(stack: list[_Open]) -> tuple[str | int, ...]:
    """The YAML path of the node being read: a mapping's value is named by its key."""
    path: list[str | int] = []
    for level in stack:
        if not level.mapping:
            path.append(level.children)
        elif level.children % 2:
            path.append(level.key)
        else:
            break  # inside a key: its mapping is as precise as a path gets
    return tuple(path)


_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def check_shape(text: str, limits: FileLimits) -> None:
    """Raise ShapeError at the first event that takes `text` past `limits.nodes` or `limits.depth`.

    Syntax errors are left to the composer that reads the text next (yaml.MarkedYAMLError).
    """
    anchors: dict[str, tuple[int, int]] = {}  # anchor → (nodes, height) of the node it names
    stack: list[_Open] = []
    nodes = 0
    # One pass over up to a million events: a dispatch on the exact type, the cheapest test.
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        kind = type(event)
        if type(event) is yaml.ScalarEvent:
            nodes += 1
            reached = len(stack) + 1
            if event.anchor is not None:
                anchors[event.anchor] = (1, 0)
        elif type(event) is yaml.AliasEvent:
            size, height = anchors.get(event.anchor or "", (1, 0))  # an unknown anchor: the composer reports it
            nodes += size
            reached = len(stack) + 1 + height
        elif kind in _STARTS:
            nodes += 1
            reached = len(stack) + 1
        elif kind in _ENDS and stack:
            done = stack.pop()
            if done.anchor is not None:
                anchors[done.anchor] = (nodes - done.nodes_before, done.deepest - len(stack) - 1)
            if stack:
                stack[-1].deepest = max(stack[-1].deepest, done.deepest)
                stack[-1].children += 1
            continue
        else:
            continue
        if nodes > limits.nodes or reached > limits.depth:
            raise _crossed(event, nodes, limits, stack)
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append(_Open(event.anchor, nodes - 1, reached, kind is yaml.MappingStartEvent))
        elif stack:
            parent = stack[-1]
            parent.deepest = max(parent.deepest, reached)
            if parent.mapping and not parent.children % 2:  # a key: remembered to name its value's path
                parent.key = event.value if isinstance(event, yaml.ScalarEvent) else "*alias"
            parent.children += 1


def _crossed(event: yaml.Event, nodes: int, limits: FileLimits, stack: list[_Open]) -> ShapeError:
    """The error for the event that went past a limit."""
    line = event.start_mark.line + 1 if event.start_mark else 1
    if nodes > limits.nodes:
        return ShapeError("nodes", f"more than {limits.nodes:,} YAML nodes, aliases expanded", line, _path(stack))
    return ShapeError("depth", f"nested deeper than {limits.depth} levels", line, _path(stack))
