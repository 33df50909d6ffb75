"""Seeded mutations of a topology folder: what a careless or hostile contributor could send.

Each mutation takes a folder's files (relative path → bytes) and a `random.Random`, changes
one thing and says what it did, so that a finding is reproduced from its seed and read from
its description. Structural mutations work on the parsed YAML (types, keys, references);
textual ones on the bytes (truncation, corruption, control characters, aliases, nesting).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import yaml

Files = dict[str, bytes]
Mutation = Callable[[Files, random.Random], str]

# Values of other types and shapes, each a classic way to break a reader.
ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    2**64,
    1e309,
    "",
    "é" * 3,
    "\u202eevil",  # right-to-left override
    "\x07\x1b[31m",  # bell and a terminal escape
    "a" * 5000,
    "{{ 7 * 7 }}",  # a template expression, in case a renderer evaluates input
    "../../etc/passwd",
    "10.0.0.0/33",
    "::1",
    "tcp/0",
    [],
    {},
    [1, [2, [3]]],
    {"x": {"y": None}},
)
# Text that YAML itself resolves to something surprising.
ODD_SCALARS = ("2024-02-30", "9" * 5000, ".nan", "-.inf", "0x1F", "0o777", "1_000", "~", "!!binary Zm9v", "<<")
ODD_TEXT = (
    "\x00",
    "\x07",
    "\x1b",
    "\ufeff",
    "\u2028",
    "\ud7ff",
    "é",
    "😀",
    "\t",
    "\r",
    "'",
    '"',
    "&a",
    "*a",
    "!!",
    "%",
)


# What PyYAML raises on the inputs of earlier mutations (bad dates and long numbers: ValueError).
_UNREADABLE = (yaml.YAMLError, UnicodeDecodeError, RecursionError, ValueError, OverflowError)


def _load(data: bytes) -> Any:
    return yaml.safe_load(data.decode("utf-8"))


def _dump(value: Any) -> bytes:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).encode("utf-8")


def paths_in(root: Any, cap: int = 5000) -> list[tuple[Any, ...]]:
    """Paths into a parsed document, the root excluded; at most `cap` (aliases can make it endless)."""
    found: list[tuple[Any, ...]] = []
    todo: list[tuple[tuple[Any, ...], Any]] = [((), root)]
    while todo and len(found) < cap:
        path, node = todo.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            found.append((*path, key))
            todo.append(((*path, key), child))
    return found


def parent_of(root: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        root = root[part]
    return root


def _structured(
    files: Files, rng: random.Random, wanted: Callable[[Any], bool] = lambda _: True
) -> tuple[str, Any, tuple[Any, ...]] | None:
    """A file that still parses, its data and a random path to a `wanted` value (None if there is none)."""
    names = sorted(files)
    rng.shuffle(names)
    for name in names:
        try:
            data = _load(files[name])
        except _UNREADABLE:
            continue
        paths = [p for p in paths_in(data) if wanted(parent_of(data, p)[p[-1]])]
        if paths:
            return name, data, rng.choice(paths)
    return None


def retype(files: Files, rng: random.Random) -> str:
    """Replace a value with one of another type or shape."""
    found = _structured(files, rng)
    if found is None:
        return "retype: nothing to change"
    name, data, path = found
    value = rng.choice(ODD_VALUES)
    parent_of(data, path)[path[-1]] = value
    files[name] = _dump(data)
    return f"retype {name}:{list(path)} = {value!r:.40}"


def remove_key(files: Files, rng: random.Random) -> str:
    """Delete a key or a list item."""
    found = _structured(files, rng)
    if found is None:
        return "remove: nothing to remove"
    name, data, path = found
    del parent_of(data, path)[path[-1]]
    files[name] = _dump(data)
    return f"remove {name}:{list(path)}"


def rename_key(files: Files, rng: random.Random) -> str:
    """Rename a mapping key: a typo, another type, unicode or control characters."""
    found = _structured(files, rng)
    if found is None:
        return "rename: nothing to rename"
    name, data, path = found
    parent = parent_of(data, path)
    if not isinstance(parent, dict):
        return "rename: not a mapping key"
    new = rng.choice((f"{path[-1]}x", str(path[-1]).upper(), 7, True, None, 1.5, "é", "a\x1bb", "-", "x" * 300))
    parent[new] = parent.pop(path[-1])
    files[name] = _dump(data)
    return f"rename {name}:{list(path)} -> {new!r:.40}"


def swap_reference(files: Files, rng: random.Random) -> str:
    """Put a string from elsewhere in the topology (a zone, service, site or host name) in place of another."""
    found = _structured(files, rng)
    if found is None:
        return "swap: nothing to swap"
    name, data, path = found
    strings = [
        str(part) for other in files.values() for p in paths_in(_safe(other)) for part in p if isinstance(part, str)
    ]
    if not strings:
        return "swap: no names"
    value = rng.choice(strings)
    parent_of(data, path)[path[-1]] = value if rng.random() < 0.7 else [value]
    files[name] = _dump(data)
    return f"swap {name}:{list(path)} = {value!r}"


def _safe(data: bytes) -> Any:
    try:
        return _load(data)
    except _UNREADABLE:
        return None


def duplicate_entry(files: Files, rng: random.Random) -> str:
    """Copy a mapping entry under a new name (same ids: collisions), or a whole site file."""
    if rng.random() < 0.3:
        sites = [n for n in files if n.startswith("sites/")]
        if sites:
            source = rng.choice(sites)
            target = f"sites/copy{rng.randrange(100)}.yaml"
            files[target] = files[source]
            return f"duplicate file {source} -> {target}"
    found = _structured(files, rng)
    if found is None:
        return "duplicate: nothing to copy"
    name, data, path = found
    parent = parent_of(data, path)
    if isinstance(parent, dict):
        parent[f"{path[-1]}-2"] = parent[path[-1]]
    else:
        parent.append(parent[path[-1]])
    files[name] = _dump(data)
    return f"duplicate {name}:{list(path)}"


def nudge_number(files: Files, rng: random.Random) -> str:
    """Move an integer by one, to zero, negative or far past any range."""
    found = _structured(files, rng, lambda value: isinstance(value, int) and not isinstance(value, bool))
    if found is None:
        return "nudge: nothing to nudge"
    name, data, path = found
    value = parent_of(data, path)[path[-1]]
    new = rng.choice((value + 1, value - 1, 0, -value, value * 2**40))
    parent_of(data, path)[path[-1]] = new
    files[name] = _dump(data)
    return f"nudge {name}:{list(path)} {value} -> {new}"


def _pick(files: Files, rng: random.Random) -> str:
    return rng.choice(sorted(files))


def truncate(files: Files, rng: random.Random) -> str:
    """Cut a file short anywhere, even inside a UTF-8 sequence."""
    name = _pick(files, rng)
    cut = rng.randrange(len(files[name]) + 1)
    files[name] = files[name][:cut]
    return f"truncate {name} at {cut}"


def corrupt_bytes(files: Files, rng: random.Random) -> str:
    """Overwrite a few bytes with random ones."""
    name = _pick(files, rng)
    data = bytearray(files[name])
    if not data:
        return f"corrupt {name}: empty"
    spots = [rng.randrange(len(data)) for _ in range(rng.randint(1, 8))]
    for spot in spots:
        data[spot] = rng.randrange(256)
    files[name] = bytes(data)
    return f"corrupt {name} at {spots}"


def insert_text(files: Files, rng: random.Random) -> str:
    """Insert a control character, unicode, a YAML indicator or a surprising scalar."""
    name = _pick(files, rng)
    data = files[name]
    spot = rng.randrange(len(data) + 1)
    text = rng.choice(ODD_TEXT + ODD_SCALARS).encode("utf-8", "surrogatepass")
    files[name] = data[:spot] + text + data[spot:]
    return f"insert {text[:20]!r} into {name} at {spot}"


def _lines(files: Files, rng: random.Random) -> tuple[str, list[bytes]]:
    name = _pick(files, rng)
    return name, files[name].splitlines(keepends=True)


def edit_lines(files: Files, rng: random.Random) -> str:
    """Duplicate (duplicate keys), delete or swap lines."""
    name, lines = _lines(files, rng)
    if len(lines) < 2:
        return f"lines {name}: too short"
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    action = rng.choice(("duplicate", "delete", "swap"))
    if action == "duplicate":
        lines.insert(i, lines[i])
    elif action == "delete":
        del lines[i]
    else:
        lines[i], lines[j] = lines[j], lines[i]
    files[name] = b"".join(lines)
    return f"{action} line {i} of {name}"


def hostile_block(files: Files, rng: random.Random) -> str:
    """Append an alias bomb, deep nesting, a huge number or a huge scalar under a new or existing key."""
    name = _pick(files, rng)
    levels = rng.randint(4, 12)
    blocks = {
        "aliases": "x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
        + "".join(f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]\n" for i in range(1, levels)),
        "nesting": "deep: " + "[" * (levels * 40) + "]" * (levels * 40) + "\n",
        "number": "id: " + "9" * (levels * 1000) + "\n",
        "scalar": "title: " + "x" * (levels * 100_000) + "\n",
        "merge": "merged: {<<: {a: 1}}\n",
        "documents": "---\nid: 1\n---\nid: 2\n",
    }
    kind = rng.choice(sorted(blocks))
    files[name] = files[name] + b"\n" + blocks[kind].encode()
    return f"append {kind} ({levels}) to {name}"


def drop_file(files: Files, rng: random.Random) -> str:
    """Remove a file, or give a site file a name that is not a DNS label."""
    name = _pick(files, rng)
    data = files.pop(name)
    if name.startswith("sites/") and rng.random() < 0.5:
        files[f"sites/Bad Name{rng.randrange(9)}.yaml"] = data
        return f"rename file {name}"
    return f"drop file {name}"


MUTATIONS: tuple[Mutation, ...] = (
    retype,
    remove_key,
    rename_key,
    swap_reference,
    duplicate_entry,
    nudge_number,
    truncate,
    corrupt_bytes,
    insert_text,
    edit_lines,
    hostile_block,
    drop_file,
)


def mutated(corpus: Files, rng: random.Random) -> tuple[Files, list[str]]:
    """A copy of `corpus` with one to three mutations, and what they were."""
    files = dict(corpus)
    done = [rng.choice(MUTATIONS)(files, rng) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
    if "topology.yaml" not in files:  # a folder without it is refused before anything else
        files["topology.yaml"] = corpus["topology.yaml"]
    return files, done
