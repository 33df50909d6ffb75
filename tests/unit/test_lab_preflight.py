"""The inotify budget a lab asks of the machine."""

from __future__ import annotations

from egovinfra.lab.preflight import inotify_needed


def test_budget_grows_with_hosts_and_is_rounded() -> None:
    small, large = inotify_needed(2, 20), inotify_needed(40, 20)
    assert small % 512 == 0
    assert large % 512 == 0
    assert large > small
    # the kernel default (128) is not enough for the 27-host example lab
    assert inotify_needed(27, 150) > 128
