"""Policy compilation at national scale: 10, 100, 1000 and 5000 ministry sites.

For each size: the whole compile (address plan, VPN, policy) and the policy cputage alone
(nftables rulesets of every host, security groups, vendor edges, lint), the rendering of
every nftables file, and how large a hub's ruleset gets (rules stay flat, sets grow).
Median of several runs, in process, in CPU seconds (time.process_time): shared
machines stay comparable under load.

    .venv/bin/python benchmarks/policy.py [--sizes 10,100,1000,5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from egovinfra.compile import compile_plan  # noqa: E402
from egovinfra.compile.policy.compiler import compile_policy  # noqa: E402
from egovinfra.model import load_topology  # noqa: E402
from egovinfra.render.configs import render_template  # noqa: E402
from egovinfra.render.roles.nftables import ruleset_vars  # noqa: E402
from tests.support.synth import synthesise  # noqa: E402


def measure(topology: Path, runs: int) -> dict[str, float]:
    """Median seconds of compile, policy cputage, nftables render; hub ruleset size."""
    loaded = load_topology(topology)
    compiles, policies, renders = [], [], []
    for _ in range(runs):
        t0 = time.process_time()
        plan = compile_plan(loaded.topology)
        t1 = time.process_time()
        compile_policy(plan)
        t2 = time.process_time()
        for host, ruleset in plan.policy.rulesets.items():
            render_template("nftables", "etc/nftables.conf.j2", {**ruleset_vars(ruleset), "inventory_hostname": host})
        t3 = time.process_time()
        compiles.append(t1 - t0)
        policies.append(t2 - t1)
        renders.append(t3 - t2)
    hub = plan.policy.rulesets[plan.primary.hub]
    return {
        "compile": statistics.median(compiles),
        "policy": statistics.median(policies),
        "render": statistics.median(renders),
        "hosts": len(plan.policy.rulesets),
        "hub_rules": sum(len(c.rules) for c in hub.chains),
        "hub_elements": sum(len(s.elements) for s in hub.sets),
    }


def main() -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,5000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'sites':>6} {'hosts':>6} {'compile cpu':>10} {'policy cpu':>9} {'nft render cpu':>13} "
        f"{'hub rules':>10} {'hub set elements':>17}"
    )
    with tempfile.TemporaryDirectory(prefix="egovinfra-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            topo = synthesise(Path(tmp) / f"t{size}", size)
            m = measure(topo, args.runs)
            print(
                f"{size:>6} {m['hosts']:>6.0f} {m['compile']:>10.3f} {m['policy']:>9.3f} {m['render']:>13.3f} "
                f"{m['hub_rules']:>10.0f} {m['hub_elements']:>17.0f}"
            )
    print("CPU seconds; compile includes the policy stage, 'policy cpu' is that stage run once more alone.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
