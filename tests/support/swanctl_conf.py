"""A reader for strongSwan's settings syntax (swanctl.conf), enough to compare two ends."""

from __future__ import annotations

from typing import Any


def parse_settings(text: str) -> dict[str, Any]:
    """Sections become dicts, `key = value` pairs strings; comments and includes are skipped."""
    root: dict[str, Any] = {}
    stack = [root]
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("include "):
            continue
        if line.endswith("{"):
            section: dict[str, Any] = {}
            stack[-1][line[:-1].strip()] = section
            stack.append(section)
        elif line == "}":
            stack.pop()
        else:
            key, _, value = line.partition("=")
            stack[-1][key.strip()] = value.strip()
    if len(stack) != 1:
        raise ValueError("unbalanced braces")
    return root
