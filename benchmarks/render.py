"""Validate + render at national scale: 10, 100, 1000 and 5000 ministry sites, netlab beside.

Each figure is a whole `egovinfra render` process (interpreter start-up included, like the
peer's), median of several runs: wall seconds and peak resident memory (largest process).
"cold" renders into a new folder, so every file is created; "re-render" renders the same
topology over its earlier output, which is what a network team does all day; "cold tmpfs"
is a cold render into memory (/dev/shm), the tool's own cost without the disk's. An in-process
breakdown (load, compile, render in memory) shows where the time goes and that it grows
linearly. The first line measures what creating one new file costs on the output's file
system, which bounds every cold figure (and netlab's, which writes its files anew).

    .venv/bin/python benchmarks/render.py [--sizes 10,100,1000,5000] [--runs 3] [--no-peer]
"""

from __future__ import annotations

import argparse
import os
import shutil
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


def create_cost_ms(folder: Path, count: int = 2000) -> float:
    """Milliseconds to create one new small file under `folder` (median of three batches)."""
    batches = []
    for batch in range(3):
        target = folder / f"probe{batch}"
        target.mkdir()
        start = time.perf_counter()
        for i in range(count):
            (target / str(i)).write_bytes(b"x" * 512)
        batches.append((time.perf_counter() - start) * 1000 / count)
        shutil.rmtree(target)
    return statistics.median(batches)


def tmpfs() -> Path | None:
    """/dev/shm when it is a tmpfs (a cold render there costs no disk inode creation)."""
    with open("/proc/mounts") as mounts:
        for line in mounts:
            fields = line.split()
            if fields[1] == "/dev/shm" and fields[2] == "tmpfs":
                return Path("/dev/shm")
    return None


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
    memory = tmpfs()
    with (
        tempfile.TemporaryDirectory(prefix="egov-bench-") as tmp,
        tempfile.TemporaryDirectory(prefix="egov-bench-", dir=memory) as in_memory,
    ):
        print(f"creating a file on {tmp}: {create_cost_ms(Path(tmp)):.3f} ms per new file", flush=True)
        print(
            f"{'sites':>6} {'files':>7} {'cold s':>7} {'re-render s':>11} {'cold tmpfs s':>12} {'peak MiB':>9} "
            f"{'load s':>7} {'compile s':>9} {'render s':>8} {'ms/site':>8} | {'netlab s':>8} {'netlab MiB':>10}"
        )
        for n in sizes:
            topology = synthesise(Path(tmp) / f"t{n}", n)
            cmd = [str(EGOVINFRA), "render", str(topology), "--out"]
            cold = [run_once([*cmd, str(Path(tmp) / f"cold{n}-{i}")]) for i in range(args.runs)]
            warm_out = str(Path(tmp) / f"cold{n}-0")
            warm = [run_once([*cmd, warm_out]) for _ in range(args.runs)]
            ram = [run_once([*cmd, str(Path(in_memory) / f"cold{n}-{i}")]) for i in range(args.runs)] if memory else []
            ram_s = f"{statistics.median(r[0] for r in ram):12.2f}" if ram else f"{'-':>12}"
            cold_s = statistics.median(r[0] for r in cold)
            warm_s = statistics.median(r[0] for r in warm)
            peak = max(r[1] for r in cold + warm)
            load_s, compile_s, render_s, files = breakdown(topology)
            peer = ""
            if netlab is not None and n <= 100:
                nwall, npeak = median_netlab_create(n, netlab, runs=args.runs)
                peer = f"{nwall:8.2f} {npeak:10.1f}"
            print(
                f"{n:>6} {files:>7} {cold_s:7.2f} {warm_s:11.2f} {ram_s} {peak:9.1f} {load_s:7.2f} {compile_s:9.2f} "
                f"{render_s:8.2f} {1000 * warm_s / n:8.2f} | {peer}",
                flush=True,
            )
            for i in range(args.runs):
                shutil.rmtree(Path(tmp) / f"cold{n}-{i}")
                shutil.rmtree(Path(in_memory) / f"cold{n}-{i}", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
