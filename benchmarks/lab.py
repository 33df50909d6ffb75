"""The main job, timed: image (cold and cached), lab up, converge (first and second), verify,
then the failover drill (RTO, RPO) and failback. Run as root; the lab is brought down at the end.

Each step is a whole `egovinfra` process, as a user runs it. Figures go to stdout and to
reports/benchmarks/lab.json (with the failover report).

    .venv/bin/python benchmarks/lab.py [--cold] [--no-failover] [--lab-dir DIR]

`--cold` rebuilds the image from the Debian mirror first (minutes); without it the cached image
is timed (a digest check). This is the default lab (its name derives from the plan): check
`egovinfra lab status` first, someone may be using it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EGOVINFRA = [sys.executable, "-m", "egovinfra"]


def timed(label: str, argv: list[str], figures: dict[str, float], *, check: bool = True) -> int:
    """Run one step, print and record its wall time; return its exit code."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=False)
    figures[label] = round(time.perf_counter() - start, 1)
    print(f"{label:<28} {figures[label]:>8.1f} s   exit {done.returncode}", flush=True)
    if check and done.returncode != 0:
        raise SystemExit(f"{label} failed: {' '.join(argv)}")
    return done.returncode


def main() -> None:
    """Time every step of the main job, then the drill; always bring the lab down."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="rebuild the image first")
    parser.add_argument("--no-failover", action="store_true", help="skip the failover drill")
    parser.add_argument("--lab-dir", default=None, help="lab state folder")
    args = parser.parse_args()
    lab = ["--lab-dir", args.lab_dir] if args.lab_dir else []
    reports = ROOT / "reports" / "benchmarks"
    reports.mkdir(parents=True, exist_ok=True)
    figures: dict[str, float] = {}
    try:
        if args.cold:
            timed("image (cold)", [*EGOVINFRA, "lab", "image", "--force"], figures)
        timed("image (cached)", [*EGOVINFRA, "lab", "image"], figures)
        timed("lab up", [*EGOVINFRA, "lab", "up", *lab], figures)
        converge = [*EGOVINFRA, "converge", "--inventory", "inventories/lab", *lab]
        timed("converge (first)", converge, figures, check=False)
        timed("converge (second)", converge, figures, check=False)
        timed("verify", [*EGOVINFRA, "lab", "verify", "--no-converge", *lab], figures, check=False)
        failover: dict[str, object] = {}
        if not args.no_failover:
            timed("failover drill", [*EGOVINFRA, "lab", "failover", *lab], figures)
            failover = json.loads((ROOT / "reports" / "failover.json").read_text())
            print(f"{'RTO':<28} {failover['rto_seconds']:>8.1f} s")
            print(f"{'RPO':<28} {failover['rpo_records']:>8} records ({failover['rpo_seconds']} s)")
            services = failover.get("services")
            for name, service in (services if isinstance(services, dict) else {}).items():
                rto = service["rto_seconds"]
                print(f"{name + ' RTO':<28} {'not reached' if rto is None else f'{rto:8.1f} s'}")
                print(f"{name + ' RPO':<28} {service['lost']:>8} of {service['written']} {service['unit']}")
            timed("failback", [*EGOVINFRA, "lab", "failback", *lab], figures)
    finally:
        timed("lab down", [*EGOVINFRA, "lab", "down", *lab], figures, check=False)
    out = reports / "lab.json"
    out.write_text(json.dumps({"seconds": figures, "failover": failover}, indent=2, sort_keys=True) + "\n")
    print(f"figures in {out}")


if __name__ == "__main__":
    main()
