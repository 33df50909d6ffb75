"""Recognising the lab's nspawn processes from their command lines."""

from __future__ import annotations

import pytest

from egovinfra.lab.procs import machine_name_of


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["systemd-nspawn", "-q", "-D", "/x", "-M", "eg-1a2b-h-db", "-b"], "eg-1a2b-h-db"),
        (["/usr/bin/systemd-nspawn", "--machine=eg-1a2b-h-db"], "eg-1a2b-h-db"),
        (["systemd-nspawn", "--machine", "eg-1a2b-h-db"], "eg-1a2b-h-db"),
        (["systemd-nspawn", "-Meg-1a2b-h-db"], "eg-1a2b-h-db"),
        (["systemd-nspawn", "-D", "/x"], None),
        (["vim", "-M", "eg-1a2b-h-db"], None),
        (["sh", "-c", "exec systemd-nspawn -M eg-1a2b-h-db"], None),
        ([], None),
    ],
)
def test_machine_name_of(argv: list[str], expected: str | None) -> None:
    assert machine_name_of(argv) == expected
