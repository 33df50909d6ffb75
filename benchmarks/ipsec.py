"""Tunnel bring-up time: from `swanctl --load-all` to every CHILD_SA installed, real charon daemons.

One namespace per hub and managed gateway (kernel-libipsec, UDP-encapsulated ESP), wired to a
WAN namespace, each loading the swanctl.conf that `egovinfra render --env lab` writes, with
certificates from a fresh intranet PKI (ECDSA P-384). Sizes: the default topology (8 sites,
7 managed gateways) and a variant with 50 sites. Needs root.

    .venv/bin/python benchmarks/ipsec.py [--sites 8,50] [--runs 3]

Printed per size (median of the runs): tunnels, daemons; the time the gateways' `--load-all`
calls took one after the other (a swanctl call costs ~0.25 s here); the time from the first
gateway's `--load-all` to the last CHILD_SA established on either end; and per gateway, from
its own connections being loaded to both of its tunnels established. Times come from the
daemons' logs (ms), so polling swanctl does not inflate them. The hubs load first and their
tunnel to each other is up before the clock starts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from egovinfra.compile import compile_loaded  # noqa: E402
from egovinfra.model import load_topology  # noqa: E402
from egovinfra.pki import init_pki  # noqa: E402
from egovinfra.render import render_all  # noqa: E402
from tests.support import charon as h  # noqa: E402
from tests.support.synth import DEFAULT_TOPOLOGY, synthesise  # noqa: E402
from tests.support.vpnlab import VpnLab, log_times  # noqa: E402

PREFIX = "egv-bench-"
DEFAULT_SITES = 8


def _now() -> float:
    """Local time in seconds since midnight, as charon's log writes it."""
    now = datetime.now()
    return now.hour * 3600 + now.minute * 60 + now.second + now.microsecond / 1e6


def one_run(n_sites: int, work: Path) -> tuple[int, int, float, float, float]:
    """(tunnels, daemons, gateways' load-all s, all established s, median per-gateway s)."""
    topo = DEFAULT_TOPOLOGY
    if n_sites > DEFAULT_SITES:
        topo = synthesise(work / "topology", n_sites - DEFAULT_SITES)
    plan = compile_loaded(load_topology(topo))
    pki_dir = work / "pki" / plan.name
    init_pki(plan.name, plan.domain, pki_dir)
    gateways = [s.gateway for s in plan.sites if plan.host(s.gateway).managed]
    lab = VpnLab(plan, render_all(plan, "lab"), pki_dir, work / "lab", PREFIX, gateways)
    try:
        lab.build()
        hubs = [lab.nodes[dc.hub] for dc in plan.datacenters]
        for hub in sorted(hubs, key=lambda n: n.host.scope != plan.secondaries[0].name):
            hub.daemon.swanctl("--load-all", "--noprompt")
        started = _now()
        for name in gateways:
            lab.nodes[name].daemon.swanctl("--load-all", "--noprompt")
        loaded = _now() - started
        lab.wait_installed(timeout=300)
        last = 0.0
        per_gateway = []
        for node in lab.nodes.values():
            added, established = log_times(node.daemon)
            wanted = [established[c] for c in node.expected if not c.startswith("dc_")]
            if not wanted:
                continue
            last = max(last, *wanted)
            if node.host.name in gateways and added is not None:
                per_gateway.append(max(wanted) - added)
        tunnels = sum(len(n.expected) for n in lab.nodes.values()) // 2
        return tunnels, len(lab.nodes), loaded, last - started, statistics.median(per_gateway)
    finally:
        lab.close()


def main() -> None:
    """Run each size `--runs` times and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sites", default="8,50", help="comma-separated site counts")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    reason = h.missing_requirements()
    if reason:
        sys.exit(f"cannot run: {reason}")
    h.cleanup(PREFIX)
    print(
        f"{'sites':>5} {'tunnels':>7} {'daemons':>7} {'gateways load-all s':>19} "
        f"{'all established s':>17} {'per gateway s':>13}"
    )
    for n_sites in (int(s) for s in args.sites.split(",")):
        results = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix=PREFIX) as tmp:
                results.append(one_run(n_sites, Path(tmp)))
        tunnels, daemons = results[0][0], results[0][1]
        load, total, each = (statistics.median(r[i] for r in results) for i in (2, 3, 4))
        print(f"{n_sites:>5} {tunnels:>7} {daemons:>7} {load:>19.2f} {total:>17.2f} {each:>13.2f}")


if __name__ == "__main__":
    main()
