"""Writing a rendered tree: a new folder appears whole; a re-render touches only what changed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import egovinfra.render as render_module
from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Host
from egovinfra.model import load_topology
from egovinfra.render import Output, RenderError, read_tree, render_all, render_changes, write_tree
from egovinfra.render import tree as tree_module
from tests.conftest import DEFAULT_TOPOLOGY

TREE = {
    "inventory/hosts.yml": b"all: {}\n",
    "configs/a/etc/nftables.conf": b"table inet filter {}\n",
    "configs/b/etc/swanctl/swanctl.conf": b"connections {}\n",
}


def test_a_new_folder_is_written_whole_with_ordinary_modes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(TREE, out)
    assert read_tree(out) == TREE
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "inventory/hosts.yml").stat().st_mode) & 0o644 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def test_a_rerender_leaves_unchanged_files_alone_and_replaces_changed_ones(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(TREE, out)
    kept, changed = out / "configs/a/etc/nftables.conf", out / "inventory/hosts.yml"
    kept_inode, changed_inode = kept.stat().st_ino, changed.stat().st_ino
    os.utime(kept, (1_000_000, 1_000_000))
    write_tree({**TREE, "inventory/hosts.yml": b"all: {hosts: {a: null}}\n"}, out)
    assert kept.stat().st_ino == kept_inode and kept.stat().st_mtime == 1_000_000
    assert changed.stat().st_ino != changed_inode  # replaced by rename, never truncated in place
    assert changed.read_bytes() == b"all: {hosts: {a: null}}\n"


def test_files_the_new_tree_lacks_are_removed_with_their_empty_folders(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(TREE, out)
    smaller = {k: v for k, v in TREE.items() if not k.startswith("configs/b/")}
    write_tree(smaller, out)
    assert read_tree(out) == smaller
    assert not (out / "configs/b").exists()
    assert (out / "configs/a/etc").is_dir()


def test_a_file_may_replace_a_folder_of_an_earlier_render(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(TREE, out)
    reshaped = {"inventory/hosts.yml": b"x\n", "configs/b/etc/swanctl": b"now a file\n"}
    write_tree(reshaped, out)
    assert read_tree(out) == reshaped
    write_tree(TREE, out)  # and a folder may replace a file
    assert read_tree(out) == TREE


def test_an_interrupted_update_is_flagged_and_the_next_render_repairs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write_tree(TREE, out)
    changed = {path: content + b"# v2\n" for path, content in TREE.items()}
    calls = 0
    real_replace = tree_module._replace

    def replace_then_fail(path: str, content: bytes) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        real_replace(path, content)

    monkeypatch.setattr(tree_module, "_replace", replace_then_fail)
    with pytest.raises(KeyboardInterrupt):
        write_tree(changed, out)
    with pytest.raises(RenderError, match="incomplete"):
        read_tree(out)
    assert not list(out.rglob("*.tmp"))
    monkeypatch.setattr(tree_module, "_replace", real_replace)
    write_tree(changed, out)
    assert read_tree(out) == changed


def test_an_unchanged_rerender_touches_nothing_not_even_the_marker(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(TREE, out)
    marker = out / tree_module.MARKER
    os.utime(marker, (1_000_000, 1_000_000))
    write_tree(TREE, out)
    assert marker.stat().st_mtime == 1_000_000


def test_a_re_render_writes_only_what_changed(tmp_path: Path) -> None:
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    expected = render_all(plan)
    out = tmp_path / "out"
    write_tree(expected, out)
    edited = "configs/minfi-gw/etc/nftables.conf"
    (out / edited).write_text("flush ruleset\n")
    (out / "inventory/host_vars/minfi-gw.yml").unlink()
    with Output.open(out) as output:
        changes = render_changes(plan, output)
        assert set(changes.write) == {edited, "inventory/host_vars/minfi-gw.yml"}
        assert changes.files() == set(expected)
        output.commit(changes)
    assert read_tree(out) == expected


def test_a_new_folder_appears_whole(tmp_path: Path) -> None:
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    expected = render_all(plan)
    out = tmp_path / "deep" / "out"
    with Output.open(out) as output:
        changes = render_changes(plan, output)
        assert not out.exists() and not changes.write  # staged beside it
        assert changes.staged == set(expected)
        output.commit(changes)
    assert read_tree(out) == expected
    assert [p.name for p in out.parent.iterdir()] == ["out"]


def test_a_failed_render_leaves_no_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    real = render_module.render_configs

    def fail_on_one_host(ctx: object, host: Host) -> dict[str, bytes]:
        if host.name == "spm-gw":
            raise RenderError("roles/ipsec/templates/etc/swanctl/swanctl.conf.j2: 'x' is undefined")
        return real(ctx, host)  # type: ignore[arg-type]

    monkeypatch.setattr(render_module, "render_configs", fail_on_one_host)
    with pytest.raises(RenderError, match="'x' is undefined"), Output.open(tmp_path / "a" / "b" / "out") as output:
        render_changes(plan, output)
    assert list(tmp_path.iterdir()) == []  # neither the staging folder nor the parents made for it


def test_a_folder_filled_during_a_render_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with Output.open(out) as output:
        changes = output.take(TREE)
        out.mkdir()
        (out / "notes.txt").write_text("written meanwhile")
        with pytest.raises(RenderError, match="changed during the render"):
            output.commit(changes)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_files_added_by_hand_are_not_the_renders_to_remove(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(TREE, out)
    (out / "configs/a/README.local").write_text("site notes")
    write_tree(TREE, out)
    assert (out / "configs/a/README.local").read_text() == "site notes"
