"""Deterministic YAML output: sorted keys, block style, no aliases, no tags.

The rendered inventory is plain data (mappings, lists, strings, numbers, booleans, null),
so it is emitted here directly: PyYAML's representer spent ~10 s of 11 at 1,000 sites
resolving every scalar. A string is written plain only when it cannot be read back as
anything else (YAML 1.1 booleans and nulls, numbers, indicators); otherwise it is
double-quoted with JSON escapes, which YAML reads identically. A unit test reads every
rendered file back with a YAML parser and compares.

Text that Ansible could take for a template (it holds `{{`, `{%` or `{#`: a person's name, a
site's title) is tagged `!unsafe`, so Ansible keeps it as data, as the offline renderer does,
and never evaluates it. Floats are written in YAML 1.1's float syntax (`1.0e-05`, `.inf`),
which Ansible's PyYAML reads back as the same float.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from typing import Any

# Starts with a letter, underscore or slash (never a number or an indicator), no ": ",
# no " #", no trailing colon or space.
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_.:/@+,()' -]*")
_ADDRESS = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "~"})
# What makes Ansible treat a string as a template (ansible-core's is_possibly_template).
_TEMPLATE_MARKS = ("{{", "{%", "{#")
# What YAML does not allow in a stream, or reads as a line break inside quotes: escaped.
_ESCAPE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


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
    quoted = _ESCAPE.sub(_escape, json.dumps(text, ensure_ascii=False))
    return f"!unsafe {quoted}" if any(mark in text for mark in _TEMPLATE_MARKS) else quoted


def _float(value: float) -> str:
    """A float in YAML 1.1 syntax: a dot in the mantissa and a signed exponent (repr's)."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + e + exponent


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return repr(value)
    if kind is float:
        return _float(value)
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
