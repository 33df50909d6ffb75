"""Turn pydantic's validation errors into located, readable problems."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from egovinfra.model.problems import MAX_REPORTED, Problem, YamlPath

_TYPE_NAMES = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "string_type": "a string",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "tuple_type": "a list",
    "list_type": "a list",
}


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, tuple | list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return f"{type(value).__name__} {value!r}"


def _model_at(root: type[BaseModel], loc: YamlPath) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc`, walking field annotations."""
    current: Any = root
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for name, f in current.model_fields.items() if (f.alias or name) == part), None)
            if field is None:
                return None
            current = field.annotation
            continue
        current = _unwrap_container(current)
        if current is None:
            return None
    current = _unwrap_container(current) if not _is_model(current) else current
    return current if _is_model(current) else None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _unwrap_container(tp: Any) -> Any:
    """dict[K, V] → V, tuple[V, ...] → V, V | None → V."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is dict:
        return args[1]
    if origin is tuple:
        return args[0]
    if origin in (typing.Union, types.UnionType):
        models = [a for a in args if _is_model(a)]
        return models[0] if models else None
    return tp if _is_model(tp) else None


def _real_path(loc: tuple[int | str, ...], data: Any) -> YamlPath:
    """Keep only the parts of pydantic's loc that exist in the input (drops union branch names)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if part == "[key]":
            break
        in_map = isinstance(node, dict) and part in node
        in_list = isinstance(node, tuple) and isinstance(part, int) and part < len(node)
        if in_map or in_list:
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and "[" not in part:
            path.append(part)  # a missing or unknown key
            node = None
    return tuple(path)


def _message(err: ErrorDetails, root: type[BaseModel], path: YamlPath) -> tuple[str, str]:
    kind = err["type"]
    if kind == "missing":
        return "missing required key", ""
    if kind == "extra_forbidden":
        model = _model_at(root, path[:-1])
        allowed = sorted((f.alias or n) for n, f in model.model_fields.items()) if model else []
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else ""
        if allowed:
            hint = (hint + " " if hint else "") + "allowed: " + ", ".join(allowed)
        return f"unknown key '{path[-1]}'", hint
    if kind in _TYPE_NAMES:
        return f"expected {_TYPE_NAMES[kind]}, got {_describe(err['input'])}", ""
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"got {err['input']!r}, expected {expected}", ""
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, "), ""
    if kind in _BOUNDS:
        return str(err["msg"]), _range_hint(root, path)
    return str(err["msg"]), ""


_BOUNDS = ("less_than_equal", "greater_than_equal", "less_than", "greater_than")


def _range_hint(root: type[BaseModel], path: YamlPath) -> str:
    """`from 16 to 27: <the field's description>` for a number out of its field's bounds."""
    model = _model_at(root, path[:-1])
    field = next((f for n, f in model.model_fields.items() if (f.alias or n) == path[-1]), None) if model else None
    if field is None:
        return ""
    low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)  # pydantic's Field(ge=, le=)
    high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
    span = f"from {low} to {high}" if low is not None and high is not None else ""
    return ": ".join(part for part in (span, field.description or "") if part)


def problems_from_validation(error: ValidationError, root: type[BaseModel], data: Any) -> tuple[list[Problem], int]:
    """One problem per distinct path, union alternatives merged into one message; at most
    MAX_REPORTED of them, in the input's order, and how many more paths had problems."""
    by_path: dict[YamlPath, tuple[list[str], str]] = {}
    omitted: set[YamlPath] = set()
    located: list[tuple[YamlPath, ErrorDetails]] = []
    for err in error.errors(include_url=False):
        loc = err["loc"]
        path = _real_path(loc, data)
        if "[key]" in loc:
            key = loc[loc.index("[key]") - 1]
            path = (*path, key) if not path or path[-1] != key else path
        located.append((path, err))
    deeper = {path[:i] for path, _ in located for i in range(len(path))}
    for path, err in located:
        if err["type"] in _TYPE_NAMES and path in deeper:
            continue  # a union alternative of another type: the one that took the value says what is wrong
        if path not in by_path and len(by_path) >= MAX_REPORTED:
            omitted.add(path)
            continue
        message, hint = _message(err, root, path)
        messages, old_hint = by_path.setdefault(path, ([], hint))
        if message not in messages:
            messages.append(message)
        if hint and not old_hint:
            by_path[path] = (messages, hint)
    return [Problem(path, " or ".join(msgs), hint) for path, (msgs, hint) in by_path.items()], len(omitted)
