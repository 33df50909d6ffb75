"""Root tests of the lab: they boot real nspawn hosts in network namespaces."""

from __future__ import annotations

import os
import shutil

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip everything here unless run as root on a machine with nspawn and ip."""
    missing = [tool for tool in ("systemd-nspawn", "ip", "debootstrap") if not shutil.which(tool)]
    reason = None
    if os.geteuid() != 0:
        reason = "lab tests need root"
    elif missing:
        reason = f"lab tests need {', '.join(missing)}"
    for item in items:
        item.add_marker(pytest.mark.root)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
