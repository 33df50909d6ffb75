"""The limits of loading: those in force for a topology, and its counts checked against them."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from egovinfra.model.problems import Problem
from egovinfra.model.schema import LIMIT_CEILINGS, LIMIT_DEFAULTS, Limits
from egovinfra.model.shape import FileLimits

# topology.yaml is read before its `limits` are known, so always under the defaults.
DEFAULT_FILE_LIMITS = FileLimits(LIMIT_DEFAULTS["file_bytes"], LIMIT_DEFAULTS["nodes"], LIMIT_DEFAULTS["depth"])


def limits_in_force(data: dict[str, Any]) -> Limits:
    """The limits topology.yaml sets, or the defaults when it sets none or invalid ones.

    Invalid limits (past a ceiling, not integers) are reported by the topology's validation.
    """
    try:
        return Limits.model_validate(data.get("limits", {}))
    except ValidationError:
        return Limits()


def file_limits(limits: Limits) -> FileLimits:
    """What each site file may hold under `limits`."""
    return FileLimits(limits.file_bytes, limits.nodes, limits.depth)


def over_limit(count: int, what: str, limit: str, limits: Limits) -> str | None:
    """The message when `count` things go past the limit called `limit`, else None."""
    allowed: int = getattr(limits, limit)
    if count <= allowed:
        return None
    return f"{count:,} {what} exceed the limit of {allowed:,}"


def raise_hint(limit: str) -> str:
    """How to allow more."""
    return f"raise limits.{limit} in topology.yaml, up to {LIMIT_CEILINGS[limit]:,}"


def count_problems(data: dict[str, Any], limits: Limits) -> list[Problem]:
    """Sites, datacenter hosts and flows past their limits, counted before anything is validated."""
    hosts = sum(_size(dc.get("hosts")) for dc in _values(data, "datacenters"))
    checks = (
        ("sites", "sites", "sites", _size(data.get("sites"))),
        ("datacenters", "hosts", "datacenter hosts", hosts),
        ("flows", "flows", "flows", _size(data.get("flows"))),
    )
    return [
        Problem((key,), message, raise_hint(limit))
        for key, limit, what, count in checks
        if (message := over_limit(count, what, limit, limits))
    ]


def _values(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The mappings under `data[key]`, whatever else the (not yet validated) input holds there."""
    found = data.get(key)
    return [v for v in found.values() if isinstance(v, dict)] if isinstance(found, dict) else []


def _size(value: Any) -> int:
    return len(value) if isinstance(value, dict) else 0
