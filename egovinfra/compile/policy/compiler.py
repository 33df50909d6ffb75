"""The policy stage of the compiler: the Plan's flows → `Policy` (pure, no I/O)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from egovinfra.compile.plan import Plan
from egovinfra.compile.policy.access import accesses
from egovinfra.compile.policy.edges import compile_edges
from egovinfra.compile.policy.lint import lint_policy
from egovinfra.compile.policy.model import Policy
from egovinfra.compile.policy.nftables import compile_rulesets
from egovinfra.compile.policy.secgroups import compile_security_groups


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: the stage allocates many small acyclic objects,
    and each full collection rescans the whole Plan, which makes large plans quadratic."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compile_policy(plan: Plan) -> Policy:
    """nftables rulesets, security groups, vendor edge ACLs and lint findings of `plan`."""
    with _no_cyclic_gc():
        granted = accesses(plan)
        return Policy(
            rulesets=compile_rulesets(plan, granted),
            security_groups=compile_security_groups(plan, granted),
            edges=compile_edges(plan, granted),
            findings=lint_policy(plan),
        )
