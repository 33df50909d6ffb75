"""What the browser and client suites share: the people, the front end they target (`--datacenter`),
the workstation they work from, and the probes that check what reached the colleague."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from egovinfra.compile.directory import Person
from egovinfra.compile.plan import Host, Plan
from egovinfra.lab.names import host_machine
from egovinfra.pki import resolve_pki_dir
from egovinfra.verify.context import LabContext
from egovinfra.verify.groupware import Probe, Runner, ca_bundle, only, person_of, workstation_of
from egovinfra.verify.names import typed_name
from egovinfra.verify.workstation import Workstation, front_end, nameservers

# The civil servant (working from a workstation of his ministry) and a colleague of another.
USER_SITE, COLLEAGUE_SITE = "minfi", "minpostel"


@dataclass(frozen=True)
class Target:
    """Everything a client suite needs: who, from where, against which datacenter."""

    plan: Plan
    datacenter: str
    web: Host
    mail: Host
    user: Person
    colleague: Person
    workstation: Workstation
    user_probe: Probe
    colleague_probe: Probe
    root_ca: str
    ca: str
    reports: Path

    @property
    def service_name(self) -> str:
        """The groupware's name as people type it."""
        return typed_name(self.plan, "groupware_web")

    @property
    def mail_service_name(self) -> str:
        """The mail server's name as mail clients are set up with it."""
        return typed_name(self.plan, "mail")


def lab_runner(lab: LabContext) -> Runner:
    """Run an argv on a lab host with `stdin` (secrets travel there, never in argv)."""

    def run(host: str, argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        command = ["ssh", "-F", str(lab.ssh_config), host, "--", shlex.join(argv)]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=90, check=False)

    return run


def target_of(plan: Plan, lab: LabContext, config: pytest.Config) -> Target:
    """The front end named by `--datacenter`, or the one the intranet DNS points the name at."""
    for site in (USER_SITE, COLLEAGUE_SITE):
        if workstation_of(plan, site) not in lab.hosts:
            pytest.skip(f"{workstation_of(plan, site)} is not in the lab")
    prefix = lab.mgmt_ns.removesuffix("-mgmt")
    station = Workstation(host_machine(prefix, workstation_of(plan, USER_SITE)), nameservers(plan))
    wanted = config.getoption("--datacenter")
    if wanted is None:
        # Asked from the workstation, as the drill's DNS switch leaves it.
        address = station.resolve(typed_name(plan, "groupware_web"))
        found = [dc.name for dc in plan.datacenters if front_end(plan, dc.name).address == address]
        wanted = found[0] if found else plan.primary.name
    pki = resolve_pki_dir(plan.name)
    runner = lab_runner(lab)
    bundle = ca_bundle(pki)
    return Target(
        plan=plan,
        datacenter=wanted,
        web=front_end(plan, wanted),
        mail=only(plan, "mail", wanted),
        user=person_of(plan, USER_SITE),
        colleague=person_of(plan, COLLEAGUE_SITE),
        workstation=station,
        user_probe=Probe(plan, runner, workstation_of(plan, USER_SITE), bundle),
        colleague_probe=Probe(plan, runner, workstation_of(plan, COLLEAGUE_SITE), bundle),
        root_ca=(pki / "root" / "cert.pem").read_text(),
        ca=bundle,
        reports=Path(str(config.getoption("--reports-dir"))),
    )
