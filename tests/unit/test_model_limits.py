"""Limits of loading: measured before anything is built, raised only by topology.yaml, within ceilings."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from egovinfra.model import TopologyError, load_topology
from egovinfra.model.schema import LIMIT_CEILINGS, LIMIT_DEFAULTS
from egovinfra.model.shape import FileLimits, ShapeError, check_shape
from tests.conftest import DEFAULT_TOPOLOGY

UNLIMITED = 10**12


def _expanded(node: Any, depth: int = 1) -> tuple[int, int]:
    """Nodes and depth of a loaded document as the loader builds it: keys count, aliases expand."""
    if isinstance(node, dict):
        parts = [_expanded(k, depth + 1) for k in node] + [_expanded(v, depth + 1) for v in node.values()]
    elif isinstance(node, list):
        parts = [_expanded(v, depth + 1) for v in node]
    else:
        return 1, depth
    return 1 + sum(n for n, _ in parts), max([depth, *(d for _, d in parts)])


def _random_document(rng: random.Random) -> str:
    """A small YAML text with anchors, aliases to collections and scalars, and nesting."""
    lines, anchors = [], []
    for i in range(rng.randint(1, 6)):
        if anchors and rng.random() < 0.6:
            items = ", ".join(
                f"*{rng.choice(anchors)}" if rng.random() < 0.7 else "s" for _ in range(rng.randint(1, 4))
            )
            value = f"[{items}]" if rng.random() < 0.5 else f"{{k: [{items}], j: {{m: *{rng.choice(anchors)}}}}}"
        else:
            value = rng.choice(("[1, [2, [3]]]", "{a: {b: c}}", "plain", "[x, y]"))
        lines.append(f"k{i}: &a{i} {value}")
        anchors.append(f"a{i}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(40))
def test_shape_counts_what_the_loader_would_build(seed: int) -> None:
    """For random documents with aliases, the limits fall exactly at the expanded node count and depth."""
    text = _random_document(random.Random(seed))
    nodes, depth = _expanded(yaml.safe_load(text))
    check_shape(text, FileLimits(UNLIMITED, nodes, depth))
    with pytest.raises(ShapeError, match="YAML nodes"):
        check_shape(text, FileLimits(UNLIMITED, nodes - 1, depth))
    with pytest.raises(ShapeError, match="nested deeper"):
        check_shape(text, FileLimits(UNLIMITED, nodes, depth - 1))


def test_shape_names_where_the_limit_is_crossed() -> None:
    text = "a: 1\nb:\n  - x\n  - {c: &big [1, 2, 3, 4]}\n  - *big\n"
    with pytest.raises(ShapeError) as err:
        check_shape(text, FileLimits(UNLIMITED, 14, 10))
    assert (err.value.line, err.value.path, err.value.limit) == (5, ("b", 2), "nodes")


def test_an_alias_reaching_deep_counts_its_depth() -> None:
    """A shallow alias to a deep anchor nests as deep as its expansion."""
    text = "a: &deep [[[[x]]]]\nb: {c: {d: *deep}}\n"
    check_shape(text, FileLimits(UNLIMITED, 100, 8))
    with pytest.raises(ShapeError, match="deeper than 7") as err:
        check_shape(text, FileLimits(UNLIMITED, 100, 7))
    assert err.value.path == ("b", "c", "d")


def test_the_default_topology_is_far_within_every_limit() -> None:
    for file in sorted(DEFAULT_TOPOLOGY.rglob("*.yaml")):
        check_shape(file.read_text(), FileLimits(LIMIT_DEFAULTS["file_bytes"], 5_000, 8))


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "topo"
    shutil.copytree(DEFAULT_TOPOLOGY, folder)
    return folder


def _messages(folder: Path) -> list[str]:
    with pytest.raises(TopologyError) as err:
        load_topology(folder)
    return [p.format() for p in err.value.problems]


def test_a_fifo_or_a_device_is_not_read(tmp_path: Path) -> None:
    """Opening a FIFO would wait forever and /dev/zero never ends: both are refused at once."""
    folder = _copy(tmp_path)
    os.mkfifo(folder / "sites" / "pipe.yaml")
    (folder / "sites" / "zero.yaml").symlink_to("/dev/zero")
    found = _messages(folder)
    assert [m.split(": ", 1)[0].rsplit("/", 1)[-1] for m in found] == ["pipe.yaml:1", "zero.yaml:1"]
    assert all("not a regular file" in m for m in found)


def test_topology_yaml_raises_the_limits_of_site_files(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    big = LIMIT_DEFAULTS["file_bytes"] + 1
    padding = "# " + "x" * 97 + "\n"
    (folder / "sites" / "minfi.yaml").write_text(
        (folder / "sites" / "minfi.yaml").read_text() + padding * (big // len(padding) + 1)
    )
    assert any(f"larger than {LIMIT_DEFAULTS['file_bytes']:,} bytes" in m for m in _messages(folder))
    main = folder / "topology.yaml"
    main.write_text(main.read_text() + f"limits:\n  file_bytes: {2 * big}\n")
    assert load_topology(folder).topology.limits.file_bytes == 2 * big


def test_a_site_file_cannot_raise_limits(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "sites" / "minfi.yaml").write_text("id: 2\ntitle: Finances\nlimits: {nodes: 16000000}\n")
    assert any("sites.minfi.limits: unknown key 'limits'" in m for m in _messages(folder))


def test_limits_stop_at_their_ceilings(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    main = folder / "topology.yaml"
    main.write_text(main.read_text() + f"limits: {{sites: {LIMIT_CEILINGS['sites'] + 1}}}\n")
    assert any("limits.sites: Input should be less than or equal to" in m for m in _messages(folder))


def test_topology_yaml_itself_is_read_under_the_defaults(tmp_path: Path) -> None:
    """Its own `limits` cannot allow the file that declares them: they are read after it."""
    folder = _copy(tmp_path)
    main = folder / "topology.yaml"
    deep = "[" * LIMIT_DEFAULTS["depth"] + "]" * LIMIT_DEFAULTS["depth"]
    main.write_text(main.read_text() + f"limits: {{depth: 100}}\nextra: {deep}\n")
    found = _messages(folder)
    assert len(found) == 1
    assert f"nested deeper than {LIMIT_DEFAULTS['depth']} levels" in found[0]
    assert "topology.yaml is read under the default limits" in found[0]


def test_a_flood_of_problems_is_counted_not_kept(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """One problem per item of a long list: the first MAX_REPORTED are shown, the rest counted."""
    from egovinfra.model.problems import MAX_REPORTED

    folder = _copy(tmp_path)
    extra = 500
    (folder / "sites" / "minfi.yaml").write_text(
        "id: 2\ntitle: Finances\nusers: [" + "7, " * (MAX_REPORTED + extra) + "]\n"
    )
    result = cli("validate", str(folder))
    lines = result.stderr.splitlines()
    assert result.code == 2
    assert len(lines) == MAX_REPORTED + 2
    assert lines[-2:] == [
        f"... and {extra} more, not shown",
        f"{MAX_REPORTED + extra:,} problem(s) found; nothing was written.",
    ]
