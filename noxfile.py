"""Project sessions. They run in the environment that `scripts/bootstrap` prepared (.venv),
so the big dependencies (ansible, pulumi) are installed once, not per session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "none"

# The tools live beside the interpreter running nox (.venv/bin), whatever PATH says.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

# Real nft, charon and namespaces; then the lab itself: hosts booted, checked and removed.
ROOT_TESTS = ("tests/root", "tests/lab/test_lab_lifecycle.py", "tests/lab/test_lab_down_clean.py")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, mypy --strict on egovinfra/, import layers, dependency hygiene, ansible-lint."""
    session.run("ruff", "check", "egovinfra", "tests", "benchmarks", "stacks", "noxfile.py")
    session.run("ruff", "format", "--check", "egovinfra", "tests", "benchmarks", "stacks", "noxfile.py")
    session.run("mypy", "egovinfra")
    session.run("lint-imports")
    session.run("deptry", "egovinfra")
    if os.path.isdir("roles") and any(os.scandir("roles")):
        session.run("ansible-lint", "--offline", "--profile", "production", "roles", "playbooks")


@nox.session
def tests(session: nox.Session) -> None:
    """Unit tests, then (as root) the tests that drive real nft, charon and namespaces."""
    session.run("pytest", "tests/unit", "-q", "-n", "2", *session.posargs)
    if os.geteuid() == 0:
        session.run("pytest", *ROOT_TESTS, "-q", "-m", "root", *session.posargs)
    else:
        session.warn(f"not root: {', '.join(ROOT_TESTS)} (real nft, charon, namespaces, lab) not run")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: scripts that print figures (never timing assertions)."""
    session.run("python", "benchmarks/render.py", *session.posargs)
    session.run("python", "benchmarks/hostile_input.py")


@nox.session
def scale(session: nox.Session) -> None:
    """The intranet at national scale (benchmarks/scale.py): both real hubs against 50, 200 and
    1,000 sites; bring-up, CPU and memory, rekeying under load, re-home after a hub crash.
    Needs root; about 15 minutes on 2 shared cores, so not part of CI. Figures are printed and
    written to reports/benchmarks/scale.json; `nox -s scale -- --sites 200` for one size."""
    session.run("python", "benchmarks/scale.py", "--json", "reports/benchmarks/scale.json", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """The long fuzzing run: mutated topologies through validate and render (docs/topology-limits.md).

    `nox -s fuzz -- --inputs 20000 --seed 7` for another run; it fails on any finding.
    """
    session.run("python", "-m", "tests.support.fuzz", *(session.posargs or ["--inputs", "5000", "--seed", "1"]))


@nox.session
def lab(session: nox.Session) -> None:
    """The main job, on one lab: image (cached) → up → converge → verify on the default topology
    (with the groupware in a browser at the primary); no password in clear on a datacenter
    segment during the groupware checks; a flow broken by hand must make verify fail; the
    directory's lifecycle through converges (a changed password kept, a departed person
    disabled, then removed); a ministry gateway declared stolen (`pki revoke`, `pki publish`:
    both hubs close and refuse it, a neighbour still authenticates; `pki issue` brings it
    back); two administrators
    declared, one logs in through the bastion and sudoes (logged under their name on both log
    hosts), is removed and refused after a converge run as the other; the restore drill
    (a dropped table, an emptied mailbox and a deleted directory entry, each undone by the
    operator's `egovinfra backup restore`); a gateway's login must reach both log hosts and
    real faults must alert (and clear); then every disaster-recovery drill with the operator's
    `egovinfra dr` commands (see `dr_drills`)."""
    # The lab's pytest suites below fail, rather than skip, when they find no converged lab.
    session.env["EGOVINFRA_LAB_REQUIRED"] = "1"
    session.run("egovinfra", "lab", "image")
    session.run("egovinfra", "secrets", "init")
    session.run("egovinfra", "pki", "ensure")
    session.run("egovinfra", "lab", "up")
    session.run("egovinfra", "converge", "--inventory", "inventories/lab")
    session.run("egovinfra", "lab", "verify")
    # No password in clear on any datacenter segment during the groupware checks.
    session.run("pytest", "tests/lab/test_no_cleartext.py", "-q", "-m", "root")
    session.run("pytest", "tests/lab/test_broken_flow.py", "-q", "-m", "root")
    # A changed password survives a converge; a departed person is disabled, then removed.
    session.run("pytest", "tests/lab/test_directory_lifecycle.py", "-q", "-m", "root")
    session.run("egovinfra", "lab", "revoke-drill")
    session.run("egovinfra", "lab", "admin-drill")
    session.run("egovinfra", "lab", "restore-drill")
    # Monitoring and central logs (docs/operations.md): real faults must alert through
    # Alertmanager and clear after the repair; a gateway login must reach both log hosts.
    session.run("egovinfra", "lab", "logs")
    session.run("egovinfra", "lab", "alerts")
    dr_drills(session)


def dr_drills(session: nox.Session) -> None:
    """The primary lost and `dr failover` (RTO, RPO per service), the browser suite at the
    secondary; the primary's return (it must stay fenced) and `dr failback` (nothing written
    meanwhile lost); the standby's datacenter lost; the link between the datacenters cut; a
    switchover there and back. Each writes its report into reports/."""
    session.run("egovinfra", "lab", "failover")
    session.run("egovinfra", "lab", "browser", "--datacenter", "dla")
    session.run("egovinfra", "lab", "failback")
    for drill in ("standby-loss", "link-cut", "switchover"):
        session.run("egovinfra", "lab", "drill", drill)


@nox.session
def drills(session: nox.Session) -> None:
    """The disaster-recovery drills alone, on a lab that is up and converged (`nox -s lab` runs
    them too): `egovinfra lab up && egovinfra converge --inventory inventories/lab` first."""
    dr_drills(session)
