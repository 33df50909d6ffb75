"""The main job, timed: image (cold and cached), lab up, converge (first and second), verify,
a converge after a one-site ACL change, then the failover drill (RTO, RPO) and failback. Run as
root; the lab is brought down at the end.

Each step is a whole `egovinfra` process, as a user runs it. Figures go to stdout and to
reports/benchmarks/lab.json (with the failover report).

    .venv/bin/python benchmarks/lab.py [--cold] [--no-failover] [--family FAM] [--lab-dir DIR]

`--cold` rebuilds the image from the Debian mirror first (minutes); without it the cached image
is timed (a digest check). Without `--family` this is the default lab (its name derives from the
plan): check `egovinfra lab status` first, someone may be using it.

The ACL change is what a network team does: one flow more for one site (`SITE` may query
Prometheus), the lab inventory rendered again, then `converge --changed-since HEAD`, which visits
only the hosts whose rendered variables changed and runs only the roles those variables belong
to. The inventory is rendered back from the topology afterwards and those hosts converged again
("ACL reverted"). Run it from a clean work tree: `--changed-since HEAD` sees every change.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

from egovinfra.cli.changes import changed_paths, limit_for, tags_for

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EGOVINFRA = [sys.executable, "-m", "egovinfra"]
TOPOLOGY = ROOT / "topology" / "cameroon"
INVENTORY = "inventories/lab"
SITE = "minfi"  # the site whose ACL changes


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


def one_site_acl_change(converge: list[str], figures: dict[str, float]) -> None:
    """Time a converge after one site's flow is added, then one after it is removed again."""
    with tempfile.TemporaryDirectory() as tmp:
        changed = Path(tmp) / TOPOLOGY.name
        shutil.copytree(TOPOLOGY, changed)
        yaml = YAML()
        data = yaml.load(changed / "topology.yaml")
        data["flows"][f"benchmark-{SITE}-prometheus"] = {"from": {"sites": [SITE]}, "to": ["prometheus"]}
        yaml.dump(data, changed / "topology.yaml")
        render = [*EGOVINFRA, "inventory", str(changed), "--env", "lab", "--out", INVENTORY]
        timed("render (ACL change)", render, figures)
    paths = changed_paths("HEAD", ROOT)
    limit = limit_for(paths, INVENTORY)
    roles = {p.name for p in (ROOT / "roles").iterdir() if p.is_dir()}
    tags = tags_for(paths, INVENTORY, "HEAD", ROOT, roles)
    print(f"{'hosts changed':<28} {limit} (roles: {tags or 'all'})")
    try:
        timed("converge (ACL change)", [*converge, "--changed-since", "HEAD"], figures, check=False)
    finally:
        timed("render (ACL reverted)", [*EGOVINFRA, "inventory", "--env", "lab", "--out", INVENTORY], figures)
    if limit:
        scope = ["--limit", limit, *(["--tags", tags] if tags else [])]
        timed("converge (ACL reverted)", [*converge, *scope], figures, check=False)


def main() -> None:
    """Time every step of the main job, then the drill; always bring the lab down."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="rebuild the image first")
    parser.add_argument("--no-failover", action="store_true", help="skip the failover drill")
    parser.add_argument("--lab-dir", default=None, help="lab state folder")
    parser.add_argument("--family", default=None, help="name prefix family of a second lab")
    args = parser.parse_args()
    lab = ["--lab-dir", args.lab_dir] if args.lab_dir else []
    family = ["--family", args.family] if args.family else []
    reports = ROOT / "reports" / "benchmarks"
    reports.mkdir(parents=True, exist_ok=True)
    figures: dict[str, float] = {}
    try:
        if args.cold:
            timed("image (cold)", [*EGOVINFRA, "lab", "image", "--force"], figures)
        timed("image (cached)", [*EGOVINFRA, "lab", "image"], figures)
        timed("lab up", [*EGOVINFRA, "lab", "up", *family, *lab], figures)
        converge = [*EGOVINFRA, "converge", "--inventory", INVENTORY, *lab]
        timed("converge (first)", converge, figures, check=False)
        timed("converge (second)", converge, figures, check=False)
        timed("verify", [*EGOVINFRA, "lab", "verify", "--no-converge", *lab], figures, check=False)
        one_site_acl_change(converge, figures)
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
        timed("lab down", [*EGOVINFRA, "lab", "down", *family, *lab], figures, check=False)
    out = reports / "lab.json"
    out.write_text(json.dumps({"seconds": figures, "failover": failover}, indent=2, sort_keys=True) + "\n")
    print(f"figures in {out}")


if __name__ == "__main__":
    main()
