"""The pack's policies: the plain checks of `policies.py` wrapped for pulumi-policy.

Building these objects starts nothing (only `PolicyPack(...)` in `__main__.py` starts the
analyzer server), so tests import this module and call each policy's `validate`.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import policies
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

ResourceCheck = Callable[[Any, Mapping[str, Any]], list[str]]
StackCheck = Callable[[Sequence[Any], Mapping[str, Any]], list[policies.Violation]]
ENFORCEMENT = EnforcementLevel.MANDATORY


def resource_validator(check: ResourceCheck) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """A resource policy's validate: each message reported on the resource under validation."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for message in check(args, args.get_config()):
            report(message, None)

    return validate


def stack_validator(check: StackCheck) -> Callable[[StackValidationArgs, ReportViolation], None]:
    """A stack policy's validate: each violation reported with the URN of its resource."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        for violation in check(args.resources, args.get_config()):
            report(violation.message, violation.urn)

    return validate


POLICIES = [
    StackValidationPolicy(
        name="no-open-ingress",
        description=policies.no_open_ingress.__doc__ or "",
        validate=stack_validator(policies.no_open_ingress),
        config_schema=PolicyConfigSchema(
            properties={
                "dmzZone": {"type": "string", "default": policies.DEFAULTS["dmzZone"]},
                "publishedPorts": {
                    "type": "array",
                    "items": {"type": "string"},
                    "default": policies.DEFAULTS["publishedPorts"],
                },
            }
        ),
    ),
    StackValidationPolicy(
        name="redundant-instances-spread",
        description=policies.redundant_instances_spread.__doc__ or "",
        validate=stack_validator(policies.redundant_instances_spread),
    ),
    ResourceValidationPolicy(
        name="data-volume-type",
        description=policies.data_volume_type.__doc__ or "",
        validate=resource_validator(policies.data_volume_type),
        config_schema=PolicyConfigSchema(
            properties={"volumeType": {"type": "string", "default": policies.DEFAULTS["volumeType"]}}
        ),
    ),
    ResourceValidationPolicy(
        name="vpnaas-strong-crypto",
        description=policies.vpnaas_strong_crypto.__doc__ or "",
        validate=resource_validator(policies.vpnaas_strong_crypto),
    ),
]
