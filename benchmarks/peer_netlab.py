"""Peer benchmark: netlab generating the same hub-and-spoke intranet as egovinfra.

netlab (PyPI `networklab`) lives in its own venv, `.venv-netlab` at the repository root, made by
`benchmarks/setup-netlab`, so its dependencies never mix with the project's. `netlab create` only
writes files (clab.yml, Ansible inventory, FRR configs): it needs neither containerlab nor a
container engine, so it runs on any machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_NETLAB_BIN = Path(__file__).resolve().parent.parent / ".venv-netlab" / "bin" / "netlab"
MISSING_MESSAGE = "netlab not installed: run benchmarks/setup-netlab"
SIZES = (10, 100)


def find_netlab(netlab_bin: Path = DEFAULT_NETLAB_BIN) -> Path | None:
    """Return the netlab executable if it is installed and executable, else None."""
    return netlab_bin if os.access(netlab_bin, os.X_OK) else None


def netlab_topology(n_sites: int) -> str:
    """Return a netlab topology: two FRR hubs linked together, each site linked to both, OSPF."""
    if n_sites < 0:
        raise ValueError(f"n_sites must be >= 0, got {n_sites}")
    sites = [f"site{i}" for i in range(1, n_sites + 1)]
    lines = [
        "name: egovbench",
        "provider: clab",
        "defaults.device: frr",
        "module: [ospf]",
        "nodes: [" + ", ".join(["hub1", "hub2", *sites]) + "]",
        "links:",
        "- hub1-hub2",
    ]
    for site in sites:
        lines += [f"- {site}-hub1", f"- {site}-hub2"]
    return "\n".join(lines) + "\n"


def time_netlab_create(n_sites: int, netlab_bin: Path | str) -> tuple[float, float]:
    """Run `netlab create` for `n_sites` in a fresh temp dir; return (wall seconds, peak RSS MiB).

    The child is reaped with wait4 so the peak RSS is that of this run alone (RUSAGE_CHILDREN
    keeps the maximum over every child ever waited for, which earlier runs would mask).
    """
    with tempfile.TemporaryDirectory(prefix="egov-netlab-") as tmp:
        workdir = Path(tmp)
        (workdir / "topology.yml").write_text(netlab_topology(n_sites))
        log_path = workdir / "netlab.log"
        with log_path.open("wb") as log:
            start = time.perf_counter()
            proc = subprocess.Popen(
                [str(netlab_bin), "create", "topology.yml"],
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"netlab create failed (exit {proc.returncode}):\n{tail}")
        if not (workdir / "clab.yml").is_file():
            raise RuntimeError("netlab create succeeded but wrote no clab.yml")
    # Linux reports ru_maxrss in KiB.
    return wall, usage.ru_maxrss / 1024


def median_netlab_create(n_sites: int, netlab_bin: Path | str, runs: int = 3) -> tuple[float, float]:
    """Median (wall seconds, peak RSS MiB) over `runs` fresh `netlab create` runs."""
    samples = [time_netlab_create(n_sites, netlab_bin) for _ in range(runs)]
    return (
        statistics.median(s[0] for s in samples),
        statistics.median(s[1] for s in samples),
    )


def netlab_version(netlab_bin: Path | str) -> str:
    """Return netlab's version string, e.g. '26.10'."""
    out = subprocess.run([str(netlab_bin), "version"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0].removeprefix("netlab version").strip()


def main() -> int:
    """Print median wall time and peak RSS of `netlab create` at 10 and 100 sites."""
    netlab_bin = find_netlab()
    if netlab_bin is None:
        print(MISSING_MESSAGE, file=sys.stderr)
        return 0
    print(f"netlab {netlab_version(netlab_bin)}: netlab create, provider clab, FRR, OSPF")
    print(f"{'sites':>6} {'nodes':>6} {'links':>6} {'wall s':>8} {'peak MiB':>9}")
    for n in SIZES:
        wall, rss = median_netlab_create(n, netlab_bin)
        print(f"{n:>6} {n + 2:>6} {2 * n + 1:>6} {wall:>8.2f} {rss:>9.1f}")
    print("median of 3 runs; wall time includes netlab's interpreter start-up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
