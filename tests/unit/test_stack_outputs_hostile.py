"""`stack-outputs` reads a JSON file from outside: broken or hostile ones end in an error, never a traceback."""

from __future__ import annotations

import copy
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from egovinfra.cli.cloud import MAX_OUTPUTS_BYTES, read_stack_outputs
from egovinfra.cloud.outputs import cloud_inventory
from egovinfra.errors import EgovinfraError
from tests.support.cloud import default_plan, default_preview
from tests.support.mutate import ODD_VALUES, parent_of, paths_in


def _outputs() -> dict[str, Any]:
    return copy.deepcopy(default_preview("primary").outputs)


def _mutated(rng: random.Random) -> Any:
    """The stack outputs with one value replaced, removed or renamed."""
    data = _outputs()
    path = rng.choice(paths_in(data))
    parent = parent_of(data, path)
    action = rng.choice(("replace", "remove", "rename"))
    if action == "remove":
        del parent[path[-1]]
    elif action == "rename" and isinstance(parent, dict):
        parent[f"{path[-1]}-x"] = parent.pop(path[-1])
    else:
        parent[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
    return json.loads(json.dumps(data))  # as a file would give it back


def _inventory_or_error(data: Any) -> None:
    """The contract: an inventory that YAML can write, or an EgovinfraError; nothing else."""
    try:
        merged = cloud_inventory(default_plan(), data)
    except EgovinfraError:
        return
    yaml.safe_dump(merged.data)


@pytest.mark.parametrize("seed", range(150))
def test_mutated_outputs_give_an_inventory_or_an_error(seed: int) -> None:
    _inventory_or_error(_mutated(random.Random(seed)))


@pytest.mark.parametrize("seed", range(60))
def test_corrupted_files_give_data_or_an_error(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    text = bytearray(json.dumps(_outputs()).encode())
    if seed % 3 == 0:
        text = text[: rng.randrange(len(text))]
    for _ in range(rng.randint(1, 6)):
        text[rng.randrange(len(text))] = rng.randrange(256)
    file = tmp_path / "outputs.json"
    file.write_bytes(bytes(text))
    try:
        data = read_stack_outputs(file)
    except EgovinfraError:
        return
    _inventory_or_error(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b"[" + b"1," * (MAX_OUTPUTS_BYTES // 2) + b"1]", "larger than"),
        (b'{"datacenter": "yde", "hosts": [1, 2]}', "hosts should be an object, not list"),
        (b'{"datacenter": 7}', "datacenter should be a string, not int"),
    ],
)
def test_hostile_outputs_are_refused_with_a_reason(content: bytes, message: str, tmp_path: Path) -> None:
    file = tmp_path / "outputs.json"
    file.write_bytes(content)
    with pytest.raises(EgovinfraError, match=message):
        cloud_inventory(default_plan(), read_stack_outputs(file))


def test_a_fifo_or_a_device_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    for name in ("pipe.json", "zero.json"):
        with pytest.raises(EgovinfraError, match="not a regular file"):
            read_stack_outputs(tmp_path / name)


def test_the_command_exits_2_without_traceback(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "hosts.yml").write_text("all: {}\n")
    broken = tmp_path / "broken.json"
    broken.write_text('{"datacenter": "yde", "hosts": {"yde-db": {"ports": 3}}')
    result = cli("stack-outputs", str(broken), "--inventory", str(tmp_path / "inventory"))
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert "not JSON" in result.stderr
