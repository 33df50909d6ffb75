"""The egovinfra policy pack (`pulumi preview --policy-pack stacks/policy`).

Constructing PolicyPack starts the analyzer server, so tests import `pack` and `policies`,
never this module.
"""

import pack
from pulumi_policy import PolicyPack

PolicyPack(name="egovinfra", enforcement_level=pack.ENFORCEMENT, policies=pack.POLICIES)
