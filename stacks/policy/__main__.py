"""The egovinfra policy pack (`pulumi preview --policy-pack stacks/policy`).

Wraps the plain checks of `policies.py`; constructing PolicyPack starts the analyzer
server, so tests import `policies`, never this module.
"""

from collections.abc import Callable, Mapping
from typing import Any

import policies
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

ResourceCheck = Callable[[Any, Mapping[str, Any]], list[str]]


def _resource(check: ResourceCheck) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for message in check(args, args.get_config()):
            report(message, None)

    return validate


def _open_ingress(args: StackValidationArgs, report: ReportViolation) -> None:
    for violation in policies.no_open_ingress(args.resources, args.get_config()):
        report(violation.message, None)


PolicyPack(
    name="egovinfra",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        StackValidationPolicy(
            name="no-open-ingress",
            description=policies.no_open_ingress.__doc__ or "",
            validate=_open_ingress,
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
        ResourceValidationPolicy(
            name="instance-in-server-group",
            description=policies.instance_in_server_group.__doc__ or "",
            validate=_resource(policies.instance_in_server_group),
        ),
        ResourceValidationPolicy(
            name="data-volume-type",
            description=policies.data_volume_type.__doc__ or "",
            validate=_resource(policies.data_volume_type),
            config_schema=PolicyConfigSchema(
                properties={
                    "volumeType": {"type": "string", "default": policies.DEFAULTS["volumeType"]},
                }
            ),
        ),
        ResourceValidationPolicy(
            name="vpnaas-strong-crypto",
            description=policies.vpnaas_strong_crypto.__doc__ or "",
            validate=_resource(policies.vpnaas_strong_crypto),
        ),
    ],
)
