"""A flow broken by hand on one gateway makes `lab verify` fail, naming the flow.

Needs a converged lab of the default topology (`nox -s lab`, or `egovinfra lab up` and
`egovinfra converge`); its state folder is EGOVINFRA_LAB_DIR or the default one. The accept
rule is deleted by its handle, as an operator would, and the converged ruleset is loaded back
at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from egovinfra.cli.lab_cmds import lab_context
from egovinfra.compile.plan import Plan, Site
from egovinfra.lab.access import LabAccess
from egovinfra.verify import runner

SERVICE = "groupware-https"


def site_and_flow(plan: Plan, access: LabAccess) -> tuple[Site, str]:
    """A site with a workstation in the lab, and a flow that lets it reach SERVICE."""
    for flow in plan.flows:
        if not any(t.service == SERVICE for t in flow.targets):
            continue
        for site in plan.sites:
            in_lab = [w for w in site.workstations if w in access.hosts()]
            if in_lab and site.gateway in access.hosts() and any(s.name == site.name for s in flow.sources):
                return site, flow.name
    pytest.skip(f"no site with a workstation in the lab may reach {SERVICE}")


@pytest.fixture
def broken(plan: Plan, access: LabAccess) -> Iterator[tuple[Site, str]]:
    site, flow = site_and_flow(plan, access)
    chain = access.must(site.gateway, "nft -a list chain inet egovinfra forward")
    marker = f'comment "flow {flow}: {SERVICE}"'
    handles = re.findall(r"# handle (\d+)", "\n".join(line for line in chain.splitlines() if marker in line))
    assert len(handles) == 1, f"{site.gateway}: expected one rule {marker}, found {handles}"
    access.must(site.gateway, f"nft delete rule inet egovinfra forward handle {handles[0]}")
    try:
        yield site, flow
    finally:
        access.must(site.gateway, "nft -f /etc/nftables.conf")


def test_verify_names_the_broken_flow(broken: tuple[Site, str], access: LabAccess, tmp_path: Path) -> None:
    site, flow = broken
    result = runner.run(lab_context(access, None, None), tmp_path, suites=["reachability"], keyword=site.name)

    assert not result.ok
    messages = [c.message for c in result.failures()]
    named = [m for m in messages if f"flow {flow}" in m and site.name in m and "tcp/443" in m]
    assert named, f"no failure names flow {flow} for {site.name}: {messages}"
    # only that flow broke: every failure is about it
    assert all(f"flow {flow}" in m for m in messages), messages
