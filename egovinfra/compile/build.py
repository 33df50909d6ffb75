"""Topology → Plan: the compile stages run in order, each pure."""

from __future__ import annotations

from dataclasses import replace

from egovinfra.compile.access import compile_access
from egovinfra.compile.backup import compile_backups
from egovinfra.compile.directory import compile_directory
from egovinfra.compile.functions import compile_endpoints, compile_servers
from egovinfra.compile.intent import compile_flows, compile_services
from egovinfra.compile.ipam import plan_addresses
from egovinfra.compile.monitoring import compile_monitoring
from egovinfra.compile.names import compile_names
from egovinfra.compile.plan import Crypto, Plan, Pools
from egovinfra.compile.plan import Operations as PlanOperations
from egovinfra.compile.policy.compiler import compile_policy
from egovinfra.compile.policy.edges import check_term_names
from egovinfra.compile.replication import compile_replications
from egovinfra.compile.tls import compile_tls
from egovinfra.compile.vpn.build import compile_vpn
from egovinfra.model.cloud_state import CloudState
from egovinfra.model.loader import LoadedTopology
from egovinfra.model.operations import Operations, designed
from egovinfra.model.problems import ProblemList, TopologyError
from egovinfra.model.schema import Topology


def compile_plan(topo: Topology, operations: Operations | None = None, cloud: CloudState | None = None) -> Plan:
    """Resolve a validated topology into a Plan; TopologyError lists every problem (unlocated).

    `operations` (which datacenter serves now) defaults to the designed state; `cloud` (the
    hubs' addresses the cloud reported, checked against `topo` by its loader) to none observed.
    """
    problems = ProblemList()
    observed = {name: hub.public_address for name, hub in cloud.datacenters.items()} if cloud else None
    addresses = plan_addresses(topo, problems, observed)
    directory = compile_directory(topo, problems)
    problems.raise_if_any()
    ops = operations or designed(topo)
    services = compile_services(topo, addresses)
    flows = compile_flows(topo, addresses, services)
    a = topo.addressing
    crypto = Crypto(
        ike_proposals=topo.crypto.ike_proposals(),
        esp_proposals=topo.crypto.esp_proposals(),
        ike_rekey=topo.crypto.ike_rekey,
        child_rekey=topo.crypto.child_rekey,
        dpd_delay=topo.crypto.dpd_delay,
    )
    plan = Plan(
        name=topo.name,
        domain=topo.domain,
        pools=Pools(a.datacenters, a.sites, a.wan, a.management),  # canonical: the schema wrote them
        datacenters=addresses.datacenters,
        sites=addresses.sites,
        hosts=addresses.hosts,
        services=services,
        flows=flows,
        replication_mode=topo.replication.mode,
        on_standby_loss=topo.replication.on_standby_loss,
        degrade_after=topo.replication.degrade_after,
        timezone=topo.timezone,
        crypto=crypto,
        directory=directory,
        operations=PlanOperations(ops.active, ops.generation, ops.fenced),
    )
    endpoints = compile_endpoints(services, addresses.hosts, problems)
    servers = compile_servers(addresses.hosts, plan.active.name, problems)
    plan = replace(plan, endpoints=endpoints, servers=servers, tls=compile_tls(topo.domain, endpoints))
    plan = replace(plan, replications=compile_replications(plan, problems), names=compile_names(plan, problems))
    plan = replace(plan, backups=compile_backups(plan, topo.backup, problems))
    problems.raise_if_any()
    plan = replace(plan, policy=compile_policy(plan))
    check_term_names(plan.policy.edges, problems)
    plan = replace(plan, vpn=compile_vpn(plan))
    plan = replace(plan, monitoring=compile_monitoring(topo, plan, problems))
    plan = replace(plan, access=compile_access(topo, plan))
    problems.raise_if_any()
    return plan


def compile_loaded(
    loaded: LoadedTopology, operations: Operations | None = None, cloud: CloudState | None = None
) -> Plan:
    """`compile_plan` with every problem located in the topology files."""
    try:
        return compile_plan(loaded.topology, operations, cloud)
    except TopologyError as exc:
        raise loaded.sources.resolve_all(exc) from None
