"""The revocation drill's choices: which gateway it revokes, which it watches, which tunnels."""

from typing import cast

import pytest

from egovinfra.compile import compile_loaded
from egovinfra.compile.plan import Plan
from egovinfra.lab.access import LabAccess
from egovinfra.lab.errors import LabError
from egovinfra.lab.revocation import RevocationReport, established, pick_gateways
from egovinfra.model import load_topology
from egovinfra.verify import groupware
from egovinfra.vici_sas import IkeSa


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_loaded(load_topology(None))


def test_victim_is_a_quiet_managed_gateway_outside_the_later_drills(plan: Plan) -> None:
    avoid = set(groupware.drill_sites(plan))
    chosen = pick_gateways(plan, avoid)
    assert chosen.revoked.managed and chosen.revoked.scope not in avoid
    assert chosen.revoked.name in {s.gateway for s in plan.sites}
    assert not next(s for s in plan.sites if s.name == chosen.revoked.scope).workstations
    assert chosen.neighbour.name != chosen.revoked.name and chosen.neighbour.managed
    assert {h.name for h in chosen.hubs} == {dc.hub for dc in plan.datacenters}


def test_tunnel_names_are_the_plans(plan: Plan) -> None:
    chosen = pick_gateways(plan, set())
    for gateway in (chosen.revoked, chosen.neighbour):
        for hub in chosen.hubs:
            name = chosen.tunnel(gateway, hub)
            ends = {(c.host, c.remote_id) for t in plan.vpn.tunnels if t.name == name for c in t.ends}
            assert ends == {(gateway.name, hub.fqdn), (hub.name, gateway.fqdn)}


def test_a_named_gateway_must_be_a_managed_site_gateway(plan: Plan) -> None:
    hub = plan.datacenters[0].hub
    with pytest.raises(LabError, match="not a managed site gateway"):
        pick_gateways(plan, set(), revoked=hub)
    assert pick_gateways(plan, set(), revoked="minfi-gw").revoked.name == "minfi-gw"


def test_report_holds_only_when_every_expectation_does() -> None:
    good = RevocationReport("a", "b", ("h",), closed_on_hubs=True, retry_refused=True,
                            neighbour_reestablished=True, restored_after=3.0)  # fmt: skip
    assert good.ok
    for field in ("closed_on_hubs", "retry_refused", "neighbour_reestablished"):
        bad = RevocationReport(**{**good.__dict__, field: False})
        assert not bad.ok, field
    assert not RevocationReport(**{**good.__dict__, "restored_after": None}).ok


class _Hub:
    """A hub whose charon holds the given IKE_SAs (as `LabAccess.sas` reads them over vici)."""

    def __init__(self, *sas: IkeSa) -> None:
        self.held = sas
        self.asked: list[tuple[str, str | None]] = []

    def sas(self, host: str, ike: str | None = None) -> list[IkeSa]:
        self.asked.append((host, ike))
        return [sa for sa in self.held if ike is None or sa.name == ike]


def _sa(name: str, remote: str, age: int | None, state: str = "ESTABLISHED") -> IkeSa:
    return IkeSa(name, state, 2, "hub.yde.intranet.gov.cm", remote, age, ())


@pytest.mark.parametrize(("age", "within", "fresh"), [(4, 10.0, True), (40, 10.0, False), (40, None, True)])
def test_a_fresh_authentication_is_told_by_the_age_of_the_ike_sa(
    plan: Plan, age: int, within: float | None, fresh: bool
) -> None:
    chosen = pick_gateways(plan, set())
    hub, gateway = chosen.hubs[0], chosen.neighbour
    name = chosen.tunnel(gateway, hub)
    access = _Hub(_sa(name, gateway.fqdn, age))
    assert established(cast(LabAccess, access), chosen, hub, gateway, within=within) is fresh
    assert access.asked == [(hub.name, name)]  # that tunnel only, on that hub


def test_only_an_established_sa_of_that_identity_counts(plan: Plan) -> None:
    chosen = pick_gateways(plan, set())
    hub, gateway = chosen.hubs[0], chosen.neighbour
    name = chosen.tunnel(gateway, hub)
    for held in [
        (_sa(name, "gw.other.example", 4),),
        (_sa(name, gateway.fqdn, None, state="CONNECTING"),),
        (_sa(f"{name}-other", gateway.fqdn, 4),),
        # an old SA of the identity and a fresh one of another: neither is a fresh authentication
        (_sa(name, gateway.fqdn, 400), _sa(name, "gw.other.example", 4)),
    ]:
        assert not established(cast(LabAccess, _Hub(*held)), chosen, hub, gateway, within=10.0), held
