"""Validate + render at national scale: 10, 100, 1000 and 5000 ministry sites, netlab beside.

Each figure is a whole `egovinfra render` process (interpreter start-up included, like the
peer's), median of several runs: wall seconds and peak resident memory. An in-process
breakdown (load, compile, render) shows where the time goes and that it grows linearly.

    .venv/bin/python benchmarks/render.py [--sizes 10,100,1000,5000] [--runs 3] [--no-peer]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from peer_netlab import MISSING_MESSAGE, find_netlab, median_netlab_create  # noqa: E402

from tests.support.synth import synthesise  # noqa: E402

EGOVINFRA = ROOT / ".venv" / "bin" / "egovinfra"


def run_once(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


def breakdown(topology: Path) -> tuple[float, float, float, int]:
    """In-process seconds for load, compile and render, and the number of files."""
    from egovinfra.compile import compile_plan
    from egovinfra.model import load_topology
    from egovinfra.render import render_all

    t0 = time.perf_counter()
    loaded = load_topology(topology)
    t1 = time.perf_counter()
    plan = compile_plan(loaded.topology)
    t2 = time.perf_counter()
    tree = render_all(plan)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(tree)


def main() -> int:
    """Print the scaling table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000,5000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true", help="skip netlab")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    netlab = None if args.no_peer else find_netlab()
    if netlab is None and not args.no_peer:
        print(MISSING_MESSAGE, file=sys.stderr)
    print(
        f"{'sites':>6} {'files':>7} {'wall s':>8} {'peak MiB':>9} {'load s':>7} {'compile s':>9} "
        f"{'render s':>8} {'ms/site':>8} | {'netlab s':>8} {'netlab MiB':>10}"
    )
    with tempfile.TemporaryDirectory(prefix="egov-bench-") as tmp:
        for n in sizes:
            topology = synthesise(Path(tmp) / f"t{n}", n)
            out = Path(tmp) / f"out{n}"
            runs = [run_once([str(EGOVINFRA), "render", str(topology), "--out", str(out)]) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            peak = statistics.median(r[1] for r in runs)
            load_s, compile_s, render_s, files = breakdown(topology)
            peer = ""
            if netlab is not None and n <= 100:
                nwall, npeak = median_netlab_create(n, netlab, runs=args.runs)
                peer = f"{nwall:8.2f} {npeak:10.1f}"
            print(
                f"{n:>6} {files:>7} {wall:8.2f} {peak:9.1f} {load_s:7.2f} {compile_s:9.2f} {render_s:8.2f} "
                f"{1000 * wall / n:8.2f} | {peer}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
