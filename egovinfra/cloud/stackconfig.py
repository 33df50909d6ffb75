"""A stack's configuration read the way the Pulumi CLI reads it: the project's declared keys
(type, default, secret) filled from `Pulumi.<stack>.yaml`.

The CLI refuses a preview when a declared key without default is unset, when a value has the
wrong type, or when a secret key is stored in clear; `read_stack_config` reports the same, plus
the OpenStack provider settings every datacenter stack must name. Mapping-valued keys
(`flavors`, `images`, `volumeSizes`) cannot be declared with a type and are passed through.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from egovinfra.cloud.errors import CloudError

PROVIDER_KEYS = ("openstack:cloud", "openstack:region")  # the two datacenters may be different clouds
_TYPES: dict[str, type | tuple[type, ...]] = {"string": str, "boolean": bool, "integer": int, "array": list}


@dataclass(frozen=True)
class StackConfig:
    """What the program of one stack would be given."""

    values: dict[str, Any]  # namespaced key → value (YAML types)
    secret_keys: frozenset[str]  # keys whose stack-file value is encrypted (`secure:`)
    problems: tuple[str, ...]

    def for_program(self, secrets: dict[str, str] | None = None) -> dict[str, str]:
        """Values as the engine hands them to the program: strings, others as JSON; encrypted
        values replaced by `secrets` (a preview cannot decrypt)."""
        out: dict[str, str] = {}
        for key, stored in self.values.items():
            value = (secrets or {}).get(key, "preview-secret") if key in self.secret_keys else stored
            out[key] = value if isinstance(value, str) else json.dumps(value)
        return out


def _load(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CloudError(f"{path}: cannot read ({exc})") from None
    if not isinstance(data, dict):
        raise CloudError(f"{path}: not a mapping")
    return data


def read_stack_config(project_dir: Path, stack: str) -> StackConfig:
    """The configuration of `stack` from `project_dir`'s Pulumi.yaml and Pulumi.<stack>.yaml."""
    project = _load(project_dir / "Pulumi.yaml")
    namespace = str(project["name"])
    declared: dict[str, dict[str, Any]] = project.get("config") or {}
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    given: dict[str, Any] = (_load(stack_file).get("config") or {}) if stack_file.exists() else {}
    problems: list[str] = [] if stack_file.exists() else [f"{stack_file}: no such stack file"]
    values: dict[str, Any] = {}
    secret_keys: set[str] = set()
    for key, spec in declared.items():
        full = f"{namespace}:{key}"
        if full in given:
            value = given[full]
        elif "default" in spec:
            value = spec["default"]
        else:
            problems.append(f"{stack}: missing required configuration value {full}")
            continue
        is_secure = isinstance(value, dict) and set(value) == {"secure"}
        if spec.get("secret") and full in given and not is_secure:
            problems.append(f"{stack}: {full} is secret and must be stored encrypted (pulumi config set --secret)")
        if is_secure:
            secret_keys.add(full)
        elif not isinstance(value, _TYPES[spec.get("type", "string")]) or (
            spec.get("type") == "integer" and isinstance(value, bool)
        ):
            problems.append(f"{stack}: {full} should be of type {spec.get('type', 'string')}, not {value!r}")
        values[full] = value
    for full, value in given.items():
        if full not in values:
            values[full] = value
            if isinstance(value, dict) and set(value) == {"secure"}:
                secret_keys.add(full)
    problems += [f"{stack}: missing provider setting {k}" for k in PROVIDER_KEYS if not given.get(k)]
    return StackConfig(values, frozenset(secret_keys), tuple(problems))
