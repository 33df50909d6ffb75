"""The fence's decision at boot (roles/fence/files/usr/local/sbin/egovinfra-fence), as a table
of what a returning host knows and what the other datacenter's DNS answers."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "roles/fence/files/usr/local/sbin/egovinfra-fence"


@pytest.fixture(scope="module")
def fence() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("egovinfra_fence", str(SCRIPT))
    spec = importlib.util.spec_from_loader("egovinfra_fence", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


STATE = {"datacenter": "yde", "active": "yde", "generation": 1, "record": "_dr.example.gov", "wait_seconds": 0}


@pytest.mark.parametrize(
    ("answer", "serves"),
    [
        (("yde", 1), True),  # a plain reboot: nothing changed meanwhile
        (("dla", 2), False),  # a failover happened while yde was away
        (("yde", 3), False),  # yde active again, but at a generation this host never saw
        (("dla", 1), False),  # same generation, another datacenter named: cannot know
        (("dla", 0), True),  # the witness is behind this host
    ],
)
def test_a_host_of_the_recorded_active_datacenter(fence: ModuleType, answer: tuple[str, int], serves: bool) -> None:
    assert fence.decide(STATE, answer)[0] is serves


def _run(fence: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state: dict[str, object], answer):  # type: ignore[no-untyped-def]
    facts = tmp_path / "egovinfra_dr.fact"
    facts.write_text(json.dumps(state))
    monkeypatch.setattr(fence, "STATE", str(facts))
    monkeypatch.setattr(fence, "VERDICT", str(tmp_path / "run" / "fence.json"))
    monkeypatch.setattr(fence, "RETRY_SECONDS", 0)
    monkeypatch.setattr(fence, "ask", lambda server, name: answer)
    return fence.main(), json.loads((tmp_path / "run" / "fence.json").read_text())


def test_no_witness_answer_keeps_it_fenced(fence: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, verdict = _run(fence, tmp_path, monkeypatch, {**STATE, "witnesses": ["10.2.2.10"]}, None)
    assert code == 1 and verdict["serve"] is False and "cannot know" in verdict["reason"]


def test_the_passive_datacenter_starts_without_asking(
    fence: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = {**STATE, "datacenter": "dla", "witnesses": ["10.1.2.10"]}
    code, verdict = _run(fence, tmp_path, monkeypatch, state, None)
    assert code == 0 and verdict["serve"] is True


def test_a_passing_verdict_holds_for_the_boot_only_at_its_generation(
    fence: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = {**STATE, "witnesses": ["10.2.2.10"]}
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "fence.json").write_text(json.dumps({"serve": True, "reason": "converged", "generation": 1}))
    code, _ = _run(fence, tmp_path, monkeypatch, state, None)
    assert code == 0  # a converge vouched for generation 1 during this boot
    (tmp_path / "run" / "fence.json").write_text(json.dumps({"serve": True, "reason": "converged", "generation": 0}))
    code, verdict = _run(fence, tmp_path, monkeypatch, state, ("dla", 2))
    assert code == 1 and verdict["serve"] is False
