"""The shared wait: how long a condition took to hold, or None after the timeout."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from egovinfra import poll
from egovinfra.lab import outages, waits
from egovinfra.lab.errors import LabError
from egovinfra.lab.stores import Store, Written
from egovinfra.verify import groupware


class Clock:
    """Stands for the `time` module in egovinfra.poll: a monotonic clock only `sleep` advances."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(poll, "time", fake)
    return fake


def holds_from(attempt: int) -> tuple[list[int], Callable[[], bool]]:
    calls: list[int] = []

    def check() -> bool:
        calls.append(len(calls))
        return len(calls) > attempt

    return calls, check


@given(attempt=st.integers(0, 30), step=st.integers(1, 5), timeout=st.integers(0, 60))
def test_returns_the_wait_or_none_after_the_timeout(attempt: int, step: int, timeout: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        fake = Clock()
        patch.setattr(poll, "time", fake)
        calls, check = holds_from(attempt)
        waited = poll.until(check, timeout, step)
    # checks come at 0, step, 2*step...; the last one is the first past the timeout
    if (attempt - 1) * step <= timeout:
        assert waited == attempt * step
        assert len(calls) == attempt + 1
    else:
        assert waited is None
        assert fake.now > timeout
        assert (len(calls) - 2) * step <= timeout
    assert all(s == step for s in fake.sleeps)


def test_a_condition_holding_at_once_does_not_sleep(clock: Clock) -> None:
    assert poll.until(lambda: True, 10) == 0.0
    assert clock.sleeps == []


def test_checks_once_more_after_the_timeout(clock: Clock) -> None:
    calls, check = holds_from(3)
    assert poll.until(check, 2.5, 1.0) == 3.0
    assert len(calls) == 4


def test_tolerated_errors_count_as_not_yet(clock: Clock) -> None:
    errors: list[Exception] = [LabError("refused"), subprocess.TimeoutExpired("ssh", 5)]

    def check() -> bool:
        if errors:
            raise errors.pop(0)
        return True

    assert waits.until_answered(check, 10, step=2.0) == 4.0


def test_other_errors_end_the_wait(clock: Clock) -> None:
    def check() -> bool:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        poll.until(check, 10, tolerate=(LabError,))


def test_must_hold_names_what_it_waited_for(clock: Clock) -> None:
    with pytest.raises(LabError, match=r"timed out after 3 s waiting for the standby"):
        waits.must_hold("the standby", lambda: False, 3, step=1.0)
    assert waits.must_hold("the standby", lambda: True, 3) == 0.0


def test_must_hold_lets_a_failing_check_through(clock: Clock) -> None:
    def check() -> bool:
        raise LabError("ssh: exit 255")

    with pytest.raises(LabError, match="exit 255"):
        waits.must_hold("x", check, 10)


def test_holds_is_a_no_for_a_silent_host() -> None:
    def silent() -> bool:
        raise subprocess.TimeoutExpired("ssh", 5)

    assert waits.holds(silent) is False
    assert waits.holds(lambda: True) is True


def test_groupware_wait_tolerates_a_failed_check(clock: Clock) -> None:
    answers = iter([False, True])

    def check() -> bool:
        if clock.now == 0.0:
            raise groupware.GroupwareCheckError("imap: refused")
        return next(answers)

    assert groupware.wait_for(check, 10, every=2.0) == 4.0
    assert groupware.wait_for(lambda: False, 3, every=2.0) is None


def test_a_wait_counted_from_an_earlier_start(clock: Clock) -> None:
    clock.now = 100.0
    calls, check = holds_from(2)
    # the fault came at 97: 3 s of the 5 s budget are gone, the answer counts from 97
    assert poll.until(check, 5.0, 1.0, since=97.0) == 5.0
    assert len(calls) == 3
    clock.now = 100.0
    assert poll.until(lambda: False, 5.0, 1.0, since=97.0) is None
    assert clock.now == 103.0  # the first check past 97 + 5


def store(name: str, arrives_at: dict[str, float], clock: Clock) -> Store:
    """A store whose items reach the datacenter at a given (fake) time; unreachable before 2 s."""

    def present(datacenter: str, keys: tuple[str, ...]) -> set[str]:
        if clock.now < 2.0:
            raise LabError(f"{name}: connection refused")
        return {k for k in keys if clock.now >= arrives_at[k]}

    return Store(name, "items", "takes writes", lambda dc, key: None, present, lambda dc: True)


def test_catch_up_times_each_store_on_its_own(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    monkeypatch.setattr(outages, "time", clock)
    fast = store("files", {"a": 3.0}, clock)
    slow = store("directory", {"b": 4.0, "c": 7.0}, clock)
    never = store("mail", {"d": 1e9}, clock)
    during = {
        "files": Written(("a",), (0.0,), "dc1"),
        "directory": Written(("b", "c"), (0.0, 0.0), "dc1"),
        "mail": Written(("d",), (0.0,), "dc1"),
    }
    caught = outages._catch_up((fast, slow, never), during, "dc1", restored=0.0, patience=10.0)
    assert caught == {"files": 3.0, "directory": 7.0}
    assert 10.0 < clock.now <= 11.0
