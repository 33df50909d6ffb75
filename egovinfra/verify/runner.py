"""Run the infra suites against a lab and read back what they found.

pytest runs inside the lab's management namespace (testinfra's ssh backend then reaches every
host's sshd directly); its JUnit XML is the record, and the table is read back from it.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from egovinfra.errors import EgovinfraError
from egovinfra.verify.context import LabContext, write_context

# The suites, in the order of the report; names are tests/infra/test_<name>.py.
SUITES = ("reachability", "ipsec", "wan", "postgresql", "dns", "groupware", "browser", "clients", "idempotence")
TITLES = {
    "reachability": "reachability matrix (real packets)",
    "ipsec": "IPsec SAs installed",
    "wan": "no cleartext on the WAN",
    "postgresql": "PostgreSQL standby streaming",
    "dns": "DNS answers on both servers",
    "groupware": "groupware (login, mail, replication)",
    "browser": "groupware in a browser (screenshots)",
    "clients": "groupware clients (DAV sync, IMAP IDLE)",
    "idempotence": "second converge: changed=0",
}


class VerifyError(EgovinfraError):
    """The suites could not be run (unknown suite, pytest did not start)."""


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One test case from the JUnit file."""

    suite: str
    name: str
    outcome: str  # passed, failed, error, skipped
    message: str
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The suites' cases, where the JUnit file is, and pytest's exit code."""

    cases: tuple[CaseResult, ...]
    junit: Path
    exit_code: int

    @property
    def ok(self) -> bool:
        """True when nothing failed and pytest agreed."""
        return self.exit_code == 0 and not self.failures()

    def failures(self) -> list[CaseResult]:
        """Failed and errored cases."""
        return [c for c in self.cases if c.outcome in ("failed", "error")]

    def counts(self) -> dict[str, Counter[str]]:
        """suite -> outcome -> number of cases."""
        out: dict[str, Counter[str]] = {}
        for case in self.cases:
            out.setdefault(case.suite, Counter())[case.outcome] += 1
        return out


def suites_dir() -> Path:
    """tests/infra of the checkout this package runs from."""
    return Path(__file__).resolve().parents[2] / "tests" / "infra"


def pytest_argv(
    context_file: Path, junit: Path, suites: Sequence[str], keyword: str | None, options: Sequence[str] = ()
) -> list[str]:
    """The pytest command line (run inside the management namespace by `run`); `options` are
    the suites' own (tests/infra/conftest.py)."""
    root = suites_dir()
    argv = [
        sys.executable,
        "-m",
        "pytest",
        *[str(root / f"test_{s}.py") for s in suites],
        f"--lab-context={context_file}",
        f"--junitxml={junit}",
        "-o",
        "junit_family=xunit1",
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "-rN",
        "--tb=line",
        *options,
    ]
    if keyword:
        argv += ["-k", keyword]
    return argv


def _outcome(case: ET.Element) -> tuple[str, str]:
    for tag, outcome in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        found = case.find(tag)
        if found is not None:
            return outcome, (found.get("message") or found.text or "").strip()
    return "passed", ""


def parse_junit(path: Path) -> tuple[CaseResult, ...]:
    """Every test case of a JUnit XML file written by the suites."""
    cases: list[CaseResult] = []
    for case in ET.parse(path).getroot().iter("testcase"):  # our own file, written just now
        module = case.get("classname", "").rsplit(".", 1)[-1]
        suite = module.removeprefix("test_")
        outcome, message = _outcome(case)
        props = tuple((p.get("name", ""), p.get("value", "")) for p in case.iter("property"))
        cases.append(CaseResult(suite, case.get("name", ""), outcome, message, props))
    return tuple(cases)


def run(
    ctx: LabContext,
    reports: Path,
    *,
    suites: Sequence[str] = SUITES,
    keyword: str | None = None,
    options: Sequence[str] = (),
    junit_name: str = "verify.xml",
) -> VerifyResult:
    """Run ``suites`` against the lab ``ctx``; the JUnit XML goes to ``reports/<junit_name>``,
    what the suites produce (screenshots) under ``reports``."""
    unknown = [s for s in suites if s not in SUITES]
    if unknown:
        raise VerifyError(f"unknown suites {unknown}; known: {', '.join(SUITES)}")
    reports.mkdir(parents=True, exist_ok=True)
    junit = (reports / junit_name).absolute()
    junit.unlink(missing_ok=True)
    context_file = write_context(ctx)
    argv = [
        "ip",
        "netns",
        "exec",
        ctx.mgmt_ns,
        *pytest_argv(context_file, junit, suites, keyword, [f"--reports-dir={reports.absolute()}", *options]),
    ]
    done = subprocess.run(
        argv,
        cwd=suites_dir().parents[1],
        stdout=subprocess.DEVNULL,
        check=False,
    )
    if not junit.exists():
        raise VerifyError(f"the suites did not run (pytest exit {done.returncode}); its output is above")
    return VerifyResult(parse_junit(junit), junit, done.returncode)
