"""The security policy: flows compiled to nftables, security groups, vendor edges and lint.

This package's top level exports only the data model, so that `plan.py` can hold a
`Policy` without importing the compiler (which reads the Plan).
"""

from egovinfra.compile.policy.model import (
    Chain,
    EdgeAcl,
    EdgeTerm,
    Finding,
    NftRule,
    NftSet,
    Policy,
    Ruleset,
    SecurityGroup,
    SgRule,
)

__all__ = [
    "Chain",
    "EdgeAcl",
    "EdgeTerm",
    "Finding",
    "NftRule",
    "NftSet",
    "Policy",
    "Ruleset",
    "SecurityGroup",
    "SgRule",
]
