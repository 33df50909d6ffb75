"""Hostile topologies against `egovinfra validate`: the alias bomb and one file past each limit of loading.

Each line is one whole `python -m egovinfra validate` process (interpreter start-up included):
exit code, wall and CPU seconds, peak resident memory, and the first line it printed. A child
runs under a 4 GiB address-space limit and a 30 s timeout, so that the figures of a tree
without limits (`--root` of an older checkout) end in a measurement, not in the machine's
memory.

    .venv/bin/python benchmarks/hostile_input.py [--root PATH] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "topology" / "cameroon"
ADDRESS_SPACE = 4 << 30
TIMEOUT_S = 30.0

# The limits' defaults (egovinfra.model.schema.LIMIT_DEFAULTS), written out so that the same
# files can be measured against a tree that has no limits.
FILE_BYTES, NODES, DEPTH, SITES, HOSTS, FLOWS = 4 << 20, 200_000, 32, 20_000, 500, 250


def _base() -> str:
    return (DEFAULT / "topology.yaml").read_text()


def alias_bomb(folder: Path) -> None:
    """Nine lines of aliases expanding to 10^9 nodes, under a key of topology.yaml."""
    lines = ["  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    (folder / "topology.yaml").write_text("name: bomb\ndomain: bomb.example.org\nbomb:\n" + "\n".join(lines) + "\n")


def site_bomb(folder: Path) -> None:
    """The same bomb in a ministry's site file, beside the default topology."""
    shutil.copytree(DEFAULT, folder, dirs_exist_ok=True)
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    (folder / "sites" / "minfi.yaml").write_text("id: 2\ntitle: Finances\n" + "\n".join(lines) + "\n")


def file_bytes(folder: Path) -> None:
    """A site file one byte over the size limit (a comment: cheap to parse, not to hold)."""
    shutil.copytree(DEFAULT, folder, dirs_exist_ok=True)
    head = b"id: 2\ntitle: Finances\n#"
    (folder / "sites" / "minfi.yaml").write_bytes(head + b"x" * (FILE_BYTES + 1 - len(head)))


def nodes(folder: Path) -> None:
    """A site file of plain scalars, no alias, one node past the limit (2 MB)."""
    shutil.copytree(DEFAULT, folder, dirs_exist_ok=True)
    (folder / "sites" / "minfi.yaml").write_text("id: 2\ntitle: Finances\nusers: [" + "a," * NODES + "]\n")


def depth(folder: Path) -> None:
    """A site file one level deeper than the limit."""
    shutil.copytree(DEFAULT, folder, dirs_exist_ok=True)
    (folder / "sites" / "minfi.yaml").write_text("id: 2\ntitle: " + "[" * DEPTH + "]" * DEPTH + "\n")


def sites(folder: Path) -> None:
    """One site file more than the limit of sites: refused while listing, before any is read."""
    shutil.copytree(DEFAULT, folder, dirs_exist_ok=True)
    for i in range(SITES + 1):
        (folder / "sites" / f"s{i}.yaml").write_text(f"id: {100 + i}\ntitle: Site {i}\n")


def hosts(folder: Path) -> None:
    """One datacenter host more than the limit."""
    extra = "".join(f"      h{i}: {{zone: app, id: {2 + i}, roles: [mail]}}\n" for i in range(HOSTS + 1))
    text = _base().replace("    hosts: &hosts\n", "    hosts: &hosts\n" + extra, 1)
    (folder / "topology.yaml").write_text(text)


def flows(folder: Path) -> None:
    """One flow more than the limit."""
    extra = "".join(f"  f{i}:\n    from: {{zones: [mgmt]}}\n    to: [ssh]\n" for i in range(FLOWS + 1))
    (folder / "topology.yaml").write_text(_base() + extra)


def valid_default(folder: Path) -> None:
    """The default topology, for comparison."""
    shutil.copytree(DEFAULT, folder, dirs_exist_ok=True)


CASES: dict[str, Callable[[Path], None]] = {
    "default (valid)": valid_default,
    "alias bomb, topology.yaml": alias_bomb,
    "alias bomb, site file": site_bomb,
    "file_bytes + 1": file_bytes,
    "nodes + 1": nodes,
    "depth + 1": depth,
    "sites + 1 (files)": sites,
    "hosts + 1": hosts,
    "flows + 1": flows,
}


def measure(root: Path, folder: Path) -> tuple[int, float, float, float, str]:
    """Exit code (or -9 when killed), wall s, CPU s, peak RSS MiB and first stderr line of one run."""

    env = {**os.environ, "PYTHONPATH": str(root)}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "egovinfra", "validate", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
            cwd=root,
        )
        # Set from outside just after the start (preexec_fn is unsafe beside threads): the
        # interpreter is still starting and far below the limit.
        resource.prlimit(proc.pid, resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        while pid == 0:
            if time.perf_counter() - start > TIMEOUT_S:
                proc.kill()
            time.sleep(0.005)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        wall = time.perf_counter() - start
        err.seek(0)
        first = (err.read().decode(errors="replace").splitlines() or [""])[0]
    cpu = usage.ru_utime + usage.ru_stime
    return os.waitstatus_to_exitcode(status), wall, cpu, usage.ru_maxrss / 1024, first


def main() -> None:
    """Print one line of figures per hostile topology."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT, help="the egovinfra source tree to measure")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; medians are printed")
    parser.add_argument("--only", default="", help="comma-separated case names to run")
    args = parser.parse_args()
    wanted = [c for c in CASES if not args.only or c in args.only.split(",")]
    print(f"{'case':28} exit  wall s  cpu s  peak MiB  first line")
    with tempfile.TemporaryDirectory(prefix="egov-hostile-") as tmp:
        for name in wanted:
            folder = Path(tmp) / f"case{len(os.listdir(tmp))}"
            folder.mkdir()
            CASES[name](folder)
            runs = [measure(args.root.resolve(), folder) for _ in range(args.runs)]
            code = runs[-1][0]
            wall, cpu, peak = (statistics.median(r[i] for r in runs) for i in (1, 2, 3))
            shown = "killed at the time limit" if code == -9 else runs[-1][4][:110]
            print(f"{name:28} {code:4} {wall:7.2f} {cpu:6.2f} {peak:9.1f}  {shown}", flush=True)


if __name__ == "__main__":
    main()
