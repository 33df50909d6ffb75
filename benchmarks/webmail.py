"""Login → inbox in a real browser, timed: a civil servant of a ministry logs in to the webmail
at `groupware.<domain>` from his workstation (its network namespace, through the ministry's
tunnel, the name resolved by the intranet DNS) until the inbox's messages are shown.

Run as root against a converged lab; after a failover, give the secondary:

    .venv/bin/python benchmarks/webmail.py [--datacenter yde] [--runs 5] [--site minfi]

Each run is a fresh browser (a first visit: empty cache) followed by a second login in the same
browser (a returning user: SOGo's web application comes from the browser's cache). Figures go
to stdout and to reports/benchmarks/webmail-<datacenter>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from egovinfra.compile import compile_loaded
from egovinfra.lab.access import lab_access
from egovinfra.lab.names import host_machine
from egovinfra.model import load_topology
from egovinfra.pki import resolve_pki_dir
from egovinfra.verify.groupware import password, person_of, workstation_of
from egovinfra.verify.names import typed_name
from egovinfra.verify.workstation import Workstation, front_end, nameservers

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Time login → inbox `--runs` times at one datacenter's front end; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datacenter", default=None, help="front end to use (default: the primary)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--site", default="minfi", help="the ministry whose civil servant logs in")
    parser.add_argument("--lab-dir", type=Path, default=None)
    args = parser.parse_args()
    plan = compile_loaded(load_topology(None))
    datacenter = args.datacenter or plan.primary.name
    access = lab_access(plan.name, args.lab_dir)
    station = Workstation(host_machine(access.prefix, workstation_of(plan, args.site)), nameservers(plan))
    person = person_of(plan, args.site)
    job = {
        "kind": "login",
        "repeat": 2,
        "service_name": typed_name(plan, "groupware_web"),
        "expected_address": front_end(plan, datacenter).address,
        "root_ca": (resolve_pki_dir(plan.name) / "root" / "cert.pem").read_text(),
        "user": person.uid,
        "password": password(plan, person.uid),
    }
    first: list[float] = []
    again: list[float] = []
    for run in range(args.runs):
        outdir = ROOT / "reports" / "benchmarks" / "webmail" / datacenter / f"run-{run + 1}"
        outcome = station.run("egovinfra.verify.browser", {**job, "outdir": str(outdir)}, timeout=300)
        if not outcome.get("ok"):
            failed = next((s for s in outcome.get("steps", []) if not s["ok"]), {"detail": outcome.get("error")})
            raise SystemExit(f"run {run + 1}: {failed['detail']}")
        timings = outcome["logins_s"]
        first.append(timings[0])
        again.extend(timings[1:])
        print(
            f"run {run + 1}: first visit {timings[0]:.2f} s, returning {', '.join(f'{t:.2f}' for t in timings[1:])} s"
        )
        time.sleep(1)
    figures = {
        "datacenter": datacenter,
        "url": f"https://{typed_name(plan, 'groupware_web')}/SOGo/",
        "front_end": front_end(plan, datacenter).fqdn,
        "workstation": workstation_of(plan, args.site),
        "runs": args.runs,
        "first_visit_s": {"min": min(first), "median": statistics.median(first), "max": max(first)},
        "returning_s": {"min": min(again), "median": statistics.median(again), "max": max(again)},
    }
    print(f"login → inbox at {figures['url']} ({figures['front_end']}) from {figures['workstation']}, {args.runs} runs")
    for label in ("first_visit_s", "returning_s"):
        f = figures[label]
        print(f"  {label:<14} min {f['min']:.2f}  median {f['median']:.2f}  max {f['max']:.2f}")
    out = ROOT / "reports" / "benchmarks" / f"webmail-{datacenter}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
