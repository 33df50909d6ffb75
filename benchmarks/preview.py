"""Offline Pulumi preview at national scale: the default topology, then 100 and 1000 extra sites.

Each figure is a whole `egovinfra preview --format json` process (interpreter start-up and the
Pulumi SDK import included), median of several runs: wall and CPU seconds (CPU time is the
figure to compare on a busy machine) and peak resident memory.
Rows for both VPN backends: with strongSwan the stack does not grow with the sites (the
policy merges site prefixes, the hub is one instance); with VPNaaS every site is an endpoint
group and a site connection in each datacenter.

    .venv/bin/python benchmarks/preview.py [--sizes 0,100,1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.cloud import vpnaas_topology  # noqa: E402
from tests.support.synth import synthesise  # noqa: E402

EGOVINFRA = ROOT / ".venv" / "bin" / "egovinfra"


def run_once(cmd: list[str], scratch: Path) -> tuple[float, float, float, dict[str, object]]:
    """Wall and CPU seconds, peak RSS (MiB) and the parsed JSON output of one child process."""
    with (scratch / "out.json").open("wb") as out, (scratch / "err.txt").open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {(scratch / 'err.txt').read_text()}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, json.loads((scratch / "out.json").read_bytes())


def main() -> int:
    """Print the scaling table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0,100,1000", help="extra sites added to the default topology")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'sites':>6} {'backend':>10} {'stack':>10} {'resources':>9} {'wall s':>7} {'cpu s':>6} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory(prefix="egov-preview-") as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            strong = synthesise(Path(tmp) / f"s{n}", n)
            vpnaas = synthesise(Path(tmp) / f"v{n}", n, base=vpnaas_topology(Path(tmp) / f"base{n}"))
            for backend, topology, stack in (("strongswan", strong, "primary"), ("vpnaas", vpnaas, "secondary")):
                cmd = [str(EGOVINFRA), "preview", str(topology), "--datacenter", stack, "--format", "json"]
                runs = [run_once(cmd, Path(tmp)) for _ in range(args.runs)]
                sites = 8 + n
                wall, cpu, peak = (statistics.median(r[i] for r in runs) for i in range(3))
                print(
                    f"{sites:>6} {backend:>10} {stack:>10} {runs[0][3]['total']:>9} {wall:7.2f} {cpu:6.2f} {peak:9.1f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
