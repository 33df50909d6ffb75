"""A datacenter of the platform on OpenStack: the stack's config names the topology and the datacenter."""

from egovinfra.cloud.program import main

main()
