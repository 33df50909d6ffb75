"""Plan → OpenStack resources with Pulumi: one program, a stack per datacenter.

`egovinfra.cloud.openstack` holds the ComponentResources (one per concern);
`program` is what `stacks/datacenter/__main__.py` runs; `preview` runs that same
program under Pulumi's mocks, so CI can review a datacenter without a cloud.
Importing this package does not import Pulumi.
"""
