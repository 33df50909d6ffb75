"""Every tunnel the intent calls for (each ministry site to each datacenter, and between the
datacenters) has its IKE_SA established and its CHILD_SA installed, on both ends, carrying
what the intent says: a site's LAN to a datacenter's address block, one datacenter's block to
the other's. The expected selectors come from the sites and datacenters, never from the VPN
compiler's output (`plan.vpn`), which is what is under test; from it only the names to ask
charon for."""

from __future__ import annotations

import pytest

from egovinfra.compile.plan import Plan
from egovinfra.compile.vpn.model import Connection, Tunnel
from egovinfra.ssh_relay import SshRoute
from egovinfra.verify.context import LabContext
from egovinfra.vici_sas import installed, remote_sas
from tests.infra.support import context_of, lab_plan


def intended_tunnels(plan: Plan) -> list[Tunnel]:
    """Tunnels between the hosts the intent joins: every site gateway with every hub, and the hubs together."""
    hubs = {dc.name: dc.hub for dc in plan.datacenters}
    wanted = {frozenset((s.gateway, hub)) for s in plan.sites for hub in hubs.values()}
    wanted |= {frozenset(hubs.values())} if len(hubs) > 1 else set()
    found = [t for t in plan.vpn.tunnels if frozenset(e.host for e in t.ends) in wanted]
    assert len(found) == len(wanted), "the Plan lacks tunnels the intent calls for"
    return found


def intended_selectors(plan: Plan, tunnel: Tunnel, host: str) -> tuple[list[str], list[str]]:
    """(local, remote) traffic selectors of `host`'s end of `tunnel`, from the intent: a site
    gateway carries its site's LAN, a hub its datacenter's address block."""
    blocks = {s.gateway: s.lan for s in plan.sites} | {dc.hub: dc.supernet for dc in plan.datacenters}
    peer = next(e.host for e in tunnel.ends if e.host != host)
    return [blocks[host]], [blocks[peer]]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per tunnel end."""
    if "end" in metafunc.fixturenames:
        plan = lab_plan(context_of(metafunc.config).topology)
        ends = [(t, e) for t in intended_tunnels(plan) for e in t.ends]
        metafunc.parametrize("end", ends, ids=[f"{t.name}@{e.host}" for t, e in ends])


def test_sa_installed(end: tuple[Tunnel, Connection], lab: LabContext) -> None:
    """ESTABLISHED IKE_SA, INSTALLED CHILD_SAs, together carrying the intended selectors."""
    tunnel, conn = end
    absent = [e.host for e in tunnel.ends if e.host not in lab.hosts]
    if absent:
        pytest.skip(f"{', '.join(absent)} not run in the lab (vendor edge): its tunnel cannot come up")
    # charon's vici socket, relayed over ssh with the suites' own ssh settings
    sas = remote_sas(SshRoute(("ssh", "-F", str(lab.ssh_config)), conn.host), ike=conn.name)
    local: set[str] = set()
    remote: set[str] = set()
    for child in conn.children:
        sa = installed(sas, conn.name, child.name)
        assert sa is not None, (
            f"tunnel {tunnel.name} on {conn.host}: no installed CHILD_SA {child.name} "
            f"(states: {[(i.state, [(c.name, c.state) for c in i.children]) for i in sas]})"
        )
        local.update(sa.local_ts)
        remote.update(sa.remote_ts)
    want_local, want_remote = intended_selectors(lab_plan(lab.topology), tunnel, conn.host)
    assert sorted(local) == want_local, f"{tunnel.name} on {conn.host}: local selectors"
    assert sorted(remote) == want_remote, f"{tunnel.name} on {conn.host}: remote selectors"
