"""The lab state file: round trip, atomic writes, corrupt files, record replacement."""

from __future__ import annotations

from pathlib import Path

import pytest

from egovinfra.lab.errors import LabError
from egovinfra.lab.state import (
    HostRecord,
    LabState,
    ProcessRecord,
    load_state,
    save_state,
    state_path,
)


def test_missing_state_is_none(tmp_path: Path) -> None:
    assert load_state(tmp_path / "nowhere") is None


def test_round_trip_keeps_everything_in_order(tmp_path: Path) -> None:
    state = LabState(name="cameroon", prefix="eg-1a2b", mgmt_ns="eg-1a2b-mgmt")
    state.add_netns("eg-1a2b-mgmt")
    state.add_netns("eg-1a2b-wan")
    state.add_netns("eg-1a2b-mgmt")
    state.add_mount(tmp_path / "hosts/a/merged")
    state.add_process(ProcessRecord(pid=42, starttime=1000, machine="eg-1a2b-h-a"))
    state.add_host(HostRecord(name="a", machine="eg-1a2b-h-a", mgmt_address="10.128.0.2"))
    save_state(tmp_path, state)

    loaded = load_state(tmp_path)

    assert loaded == state
    assert loaded is not None
    assert loaded.netns == ["eg-1a2b-mgmt", "eg-1a2b-wan"]
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_restarted_host_replaces_its_process_record() -> None:
    state = LabState(name="x", prefix="eg-0000")
    state.add_process(ProcessRecord(pid=1, starttime=1, machine="eg-0000-h-a"))
    state.add_process(ProcessRecord(pid=2, starttime=5, machine="eg-0000-h-b"))
    state.add_process(ProcessRecord(pid=3, starttime=9, machine="eg-0000-h-a"))
    assert sorted((p.machine, p.pid) for p in state.processes) == [
        ("eg-0000-h-a", 3),
        ("eg-0000-h-b", 2),
    ]


@pytest.mark.parametrize("content", ["{not json", '{"name": "x"}', '{"name": "x", "prefix": "p", "bogus": 1}'])
def test_corrupt_state_is_a_clear_error(tmp_path: Path, content: str) -> None:
    state_path(tmp_path).write_text(content)
    with pytest.raises(LabError, match=r"state\.json: not a valid lab state file"):
        load_state(tmp_path)
