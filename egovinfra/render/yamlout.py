"""Deterministic YAML output: sorted keys, block style, no aliases, no tags.

The rendered inventory is plain data (mappings, lists, strings, numbers, booleans, null),
so it is emitted here directly: PyYAML's representer spent ~10 s of 11 at 1,000 sites
resolving every scalar. A string is written plain only when it cannot be read back as
anything else (YAML 1.1 booleans and nulls, numbers, indicators); otherwise it is
double-quoted with JSON escapes, which YAML reads identically. A unit test reads every
rendered file back with a YAML parser and compares.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

# Starts with a letter, underscore or slash (never a number or an indicator), no ": ",
# no " #", no trailing colon or space.
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_.:/@+,()' -]*")
_ADDRESS = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "~"})


# Names, addresses and ports repeat across thousands of host_vars files: decide each once.
@lru_cache(maxsize=1 << 16)
def _string(text: str) -> str:
    if _ADDRESS.fullmatch(text):
        return text
    if (
        _PLAIN.fullmatch(text)
        and text.lower() not in _RESERVED
        and ": " not in text
        and " #" not in text
        and not text.endswith((":", " "))
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return repr(value)
    if isinstance(value, str):  # a str subclass (an enum member)
        return _string(str.__str__(value))
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, list | tuple) and not value:
        return "[]"
    raise TypeError(f"cannot write {type(value).__name__} to YAML")


def _mapping(data: dict[Any, Any], pad: str, out: list[str], first: str | None = None) -> None:
    """Block mapping at indent `pad`; `first` replaces the indent of its first line ("- ")."""
    inner = pad + "  "
    for key in sorted(data, key=str):
        value = data[key]
        lead = pad if first is None else first
        first = None
        name = _string(str(key))
        kind = type(value)
        if (kind is dict or kind is list or kind is tuple) and value:
            out.append(f"{lead}{name}:")
            if kind is dict:
                _mapping(value, inner, out)
            else:
                _sequence(value, pad, out)
        elif kind is str:
            out.append(f"{lead}{name}: {_string(value)}")
        else:
            out.append(f"{lead}{name}: {_scalar(value)}")


def _sequence(items: list[Any] | tuple[Any, ...], pad: str, out: list[str]) -> None:
    dash = pad + "- "
    inner = pad + "  "
    for item in items:
        kind = type(item)
        if kind is str:
            out.append(dash + _string(item))
        elif kind is dict and item:
            _mapping(item, inner, out, first=dash)
        elif (kind is list or kind is tuple) and item:
            nested: list[str] = []
            _sequence(item, inner, nested)
            nested[0] = dash + nested[0][len(inner) :]
            out.extend(nested)
        else:
            out.append(dash + _scalar(item))


def dump_yaml(data: Any, header: str = "") -> bytes:
    """YAML text of `data`, byte-identical for equal input."""
    lines = ["---"]
    lines.extend(f"# {line}" for line in header.splitlines())
    if isinstance(data, dict) and data:
        _mapping(data, "", lines)
    elif isinstance(data, list | tuple) and data:
        _sequence(data, "", lines)
    else:
        lines.append(_scalar(data))
    return ("\n".join(lines) + "\n").encode()
