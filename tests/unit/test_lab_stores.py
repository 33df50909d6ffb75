"""The drills' view of a replicated store: what was written, what is missing where."""

from __future__ import annotations

import time

import pytest

from egovinfra.lab import failover
from egovinfra.lab.errors import LabError
from egovinfra.lab.stores import Store


class Replicated:
    """Two datacenters' copies; `carry` copies what the platform would replicate."""

    def __init__(self) -> None:
        self.copies: dict[str, set[str]] = {"yde": set(), "dla": set()}
        self.up = {"yde": True, "dla": True}

    def store(self) -> Store:
        def write_one(dc: str, key: str) -> None:
            if not self.up[dc]:
                raise LabError(f"{dc} down")
            self.copies[dc].add(key)

        return Store(
            "files",
            "files",
            "takes a write",
            write_one,
            lambda dc, keys: self.copies[dc] & set(keys),
            lambda dc: self.up[dc],
        )

    def carry(self, source: str, target: str) -> None:
        self.copies[target] |= self.copies[source]


def test_written_items_are_unique_and_timed() -> None:
    repl = Replicated()
    written = repl.store().write("yde", 5)
    assert len(set(written.keys)) == 5 and len(written.at) == 5
    assert list(written.at) == sorted(written.at)


def test_missing_is_what_was_not_replicated() -> None:
    repl = Replicated()
    store = repl.store()
    first = store.write("yde", 2)
    repl.carry("yde", "dla")
    second = store.write("yde", 1)
    assert store.missing("dla", first) == []
    assert store.missing("dla", second) == list(second.keys)


def test_failover_outcome_counts_the_items_lost_before_the_loss() -> None:
    repl = Replicated()
    drill = failover.store_drill(repl.store(), "yde", "dla", count=3, timeout=2)
    drill.prepare()
    # Nothing was pushed before the loss: all three are lost, the RPO reaches the first write.
    repl.up["yde"] = False
    outcome = drill.take_over(lost_at=time.time())
    assert (outcome.lost, outcome.written, outcome.unit) == (3, 3, "files")
    assert outcome.rto_seconds is not None and outcome.rpo_seconds >= 0


def test_failback_fails_when_what_was_written_alone_never_comes_back() -> None:
    repl = Replicated()
    drill = failover.store_drill(repl.store(), "yde", "dla", timeout=1)
    drill.write_alone()
    with pytest.raises(LabError, match="written through dla alone"):
        drill.give_back()
    repl.carry("dla", "yde")
    drill.give_back()


def test_a_secondary_that_never_serves_has_no_rto() -> None:
    repl = Replicated()
    drill = failover.store_drill(repl.store(), "yde", "dla", timeout=1)
    drill.prepare()
    repl.carry("yde", "dla")
    repl.up["dla"] = False
    outcome = drill.take_over(lost_at=0.0)
    assert outcome.rto_seconds is None and outcome.lost == 0


def test_a_secondary_refusing_a_reading_after_the_takeover_is_read_again() -> None:
    repl = Replicated()
    store = repl.store()
    refusals = [2]

    def present(dc: str, keys: tuple[str, ...]) -> set[str]:
        if refusals[0] > 0:
            refusals[0] -= 1
            raise LabError(f"{dc}: mailbox refused the login")
        return repl.copies[dc] & set(keys)

    drill = failover.store_drill(
        Store(store.name, store.unit, store.back_when, store.write_one, present, store.serving),
        "yde",
        "dla",
        timeout=10,
    )
    drill.prepare()
    repl.carry("yde", "dla")
    outcome = drill.take_over(lost_at=time.time())
    assert outcome.lost == 0 and refusals == [0]
