"""A command moves itself into the lab's management namespace in place (setns), and the
processes it starts afterwards are born inside."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="entering a network namespace needs root"),
]

NS = "egvt-joinns"
PROBE = f"""
import subprocess
from egovinfra.lab.netns import join_netns
first, second = join_netns({NS!r}), join_netns({NS!r})
links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
print(first, second, "egvt-marker" in links)
"""


@pytest.fixture
def namespace() -> Iterator[str]:
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        subprocess.run(
            ["ip", "-n", NS, "link", "add", "egvt-marker", "type", "veth", "peer", "name", "egvt-peer"], check=True
        )
        yield NS
    finally:
        subprocess.run(["ip", "netns", "del", NS], check=False)


def test_a_process_joins_once_and_its_children_are_inside(namespace: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False", "True"]
    # The machine's own namespace never held the marker.
    assert "egvt-marker" not in subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout


def test_joining_with_threads_running_is_refused(namespace: str) -> None:
    code = (
        "import threading, time\n"
        "from egovinfra.lab.netns import join_netns\n"
        "threading.Thread(target=time.sleep, args=(2,), daemon=True).start()\n"
        f"join_netns({NS!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "already runs other threads" in done.stderr
