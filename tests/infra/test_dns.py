"""The intranet's names answer on both DNS servers: every host, and each service name on the
primary datacenter, asked from a ministry workstation the intent lets query them."""

from __future__ import annotations

import shlex
from collections.abc import Callable

import pytest
from testinfra.host import Host as InfraHost

from egovinfra.compile.plan import Plan
from egovinfra.verify.context import LabContext
from egovinfra.verify.names import NameExpectation, dns_servers, host_names, service_names
from tests.infra.support import context_of, lab_plan

# One dig per name; prints "<name> <sorted addresses, comma separated>".
ASK = (
    'for n in {names}; do printf "%s %s\\n" "$n" '
    '"$(dig +short +time=2 +tries=2 @{server} "$n" A | sort | paste -sd,)"; done'
)


def expected(plan: Plan) -> tuple[NameExpectation, ...]:
    """The names and their answers, from the intent."""
    return host_names(plan) + service_names(plan)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per DNS server."""
    if "server" in metafunc.fixturenames:
        plan = lab_plan(context_of(metafunc.config).topology)
        metafunc.parametrize("server", dns_servers(plan))


def client(plan: Plan, lab: LabContext, server: str) -> str:
    """A workstation at a ministry site whose flows allow DNS to ``server``."""
    for flow in plan.flows:
        if not any(t.service == "dns" and server in t.hosts for t in flow.targets):
            continue
        for site in plan.sites:
            if any(s.name == site.name for s in flow.sources):
                for ws in site.workstations:
                    if ws in lab.hosts:
                        return ws
    pytest.skip(f"no ministry workstation in the lab may query {server}")


def test_answers(server: str, plan: Plan, lab: LabContext, hosts: Callable[[str], InfraHost]) -> None:
    """Each name resolves to exactly the intended addresses on ``server``."""
    names = expected(plan)
    address = plan.host(server).address
    asked = client(plan, lab, server)
    # one question first: a server that does not answer fails in seconds, not once per name
    soa = hosts(asked).run("dig +time=2 +tries=2 @%s %s SOA", address, plan.domain)
    assert soa.rc == 0 and "status: NOERROR" in soa.stdout, (
        f"{server} ({address}) does not answer {asked}: {(soa.stdout + soa.stderr).strip()[-200:]}"
    )
    script = ASK.format(names=" ".join(shlex.quote(n.fqdn) for n in names), server=address)
    answer = hosts(asked).run(script)
    assert answer.rc == 0, answer.stderr
    got = dict(line.partition(" ")[::2] for line in answer.stdout.splitlines())
    wrong = [
        f"{n.fqdn}: expected {','.join(n.addresses) or 'no address'}, got {got.get(n.fqdn) or 'no answer'}"
        for n in names
        if got.get(n.fqdn, "").strip() != ",".join(n.addresses)
    ]
    assert not wrong, f"{server} ({address}) asked from {asked}:\n" + "\n".join(wrong)
