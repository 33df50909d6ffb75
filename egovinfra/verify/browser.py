"""The groupware in a real browser, as a civil servant uses it: Debian's Chromium driven by
Playwright, from a ministry workstation's network namespace (see `workstation`).

The browser reaches `groupware.<domain>` as people type it: the name is resolved by a real
query to the intranet DNS (from the namespace, through the tunnel) and the answer handed to
Chromium (`--host-resolver-rules`). It trusts the intranet root CA through an NSS database in
a private HOME (`certutil`), so every certificate is checked; no error is ignored.

Steps, each with a screenshot `NN-step.png` in the job's folder: the login page (SOGo's web
application loaded: its styles applied and its Angular application started), the inbox, a
colleague's mail read and answered, an event with the colleague invited, the colleague found
in the address book from the directory, the logout. The outcomes that land elsewhere (the
answer and the invitation in the colleague's mailbox) are for the caller to check.

Run as `python -m egovinfra.verify.browser` with a JSON job on stdin.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from egovinfra.verify.workstation import read_job, resolve, write_result

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = "/usr/bin/chromium"  # Debian's package: no browser download
STEP_TIMEOUT_MS = 60_000
RESOURCES = "/SOGo.woa/WebServerResources/"


class BrowserCheckError(RuntimeError):
    """A step did not show what a person would see."""


@dataclass
class StepResult:
    """One step: its name, screenshot, seconds taken and what went wrong."""

    name: str
    screenshot: str
    seconds: float
    ok: bool
    detail: str = ""


@dataclass
class Outcome:
    """The whole scenario, as handed back to the caller."""

    address: str
    steps: list[StepResult] = field(default_factory=list)
    login_to_inbox_s: float | None = None  # the first login of the session
    logins_s: list[float] = field(default_factory=list)  # every login → inbox, in order
    failed_resources: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every step passed."""
        return all(s.ok for s in self.steps)


@contextmanager
def trusting_home(root_pem: str) -> Iterator[Path]:
    """A private HOME whose NSS database (Chromium's trust store) trusts the intranet root CA."""
    with tempfile.TemporaryDirectory(prefix="egovinfra-browser-") as home:
        nssdb = Path(home) / ".pki" / "nssdb"
        nssdb.mkdir(parents=True)
        root = Path(home) / "intranet-root.pem"
        root.write_text(root_pem)
        db = f"sql:{nssdb}"
        for argv in (
            ["certutil", "-N", "-d", db, "--empty-password"],
            ["certutil", "-A", "-d", db, "-n", "intranet root CA", "-t", "C,,", "-i", str(root)],
        ):
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise BrowserCheckError(f"{' '.join(argv[:2])}: {done.stderr.strip()}")
        yield Path(home)


@contextmanager
def chromium(home: Path, rules: str) -> Iterator[Browser]:
    """Headless Chromium with `home` as its HOME and names mapped by `rules`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", f"--host-resolver-rules={rules}"],
            env={**os.environ, "HOME": str(home)},
        )
        try:
            yield browser
        finally:
            browser.close()


class Scenario:
    """The steps, one screenshot each, stopping at the first that fails."""

    def __init__(self, page: Page, outdir: Path, outcome: Outcome) -> None:
        self.page = page
        self.outdir = outdir
        self.outcome = outcome

    def step(self, name: str, action: Callable[[], str | None]) -> bool:
        """Run `action`, then take the step's screenshot; False when it failed."""
        index = len(self.outcome.steps) + 1
        shot = self.outdir / f"{index:02d}-{name}.png"
        start = time.monotonic()
        ok, detail = True, ""
        try:
            detail = action() or ""
        except Exception as exc:  # a step's failure is the result, not a crash
            ok, detail = False, f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        seconds = round(time.monotonic() - start, 2)
        try:
            self.page.screenshot(path=str(shot), full_page=False)
        except Exception as exc:
            detail += f" (no screenshot: {exc})"
        self.outcome.steps.append(StepResult(name, str(shot), seconds, ok, detail))
        return ok


def _app_started(page: Page) -> str:
    """SOGo's web application is there: styles applied, Angular running, no raw template."""
    state = page.evaluate(
        """() => ({
            angular: typeof window.angular !== 'undefined',
            sheets: Array.from(document.styleSheets).filter(s => (s.href || '').includes('WebServerResources')).length,
            raw: document.body.innerText.includes('{{'),
            cloaked: Array.from(document.querySelectorAll('[ng-cloak]')).length,
        })"""
    )
    if not state["sheets"]:
        raise BrowserCheckError("SOGo's stylesheets did not load (WebServerResources)")
    if not state["angular"]:
        raise BrowserCheckError("SOGo's Angular application did not start")
    if state["raw"]:
        raise BrowserCheckError("the page shows raw {{...}} templates: Angular did not compile it")
    return f"{state['sheets']} SOGo stylesheets, Angular running"


def _visible(page: Page, selector: str) -> None:
    page.locator(selector).first.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)


def log_in(page: Page, user: str, password: str, outcome: Outcome) -> float:
    """Log in on the login page; seconds from the click to the inbox's messages shown."""
    page.locator('input[ng-model="app.creds.username"]').fill(user)
    page.locator("#passwordField").fill(password)
    start = time.monotonic()
    page.locator("#passwordField").press("Enter")
    page.wait_for_url("**/Mail/view**", timeout=STEP_TIMEOUT_MS)
    _visible(page, "#messagesList md-list-item.sg-message-list-item")
    seconds = round(time.monotonic() - start, 3)
    if outcome.login_to_inbox_s is None:
        outcome.login_to_inbox_s = seconds
    outcome.logins_s.append(seconds)
    return seconds


def run_scenario(job: dict[str, Any]) -> Outcome:
    """The whole civil servant's session described by `job` (see the module's docstring)."""
    name, expected = job["service_name"], job["expected_address"]
    address = resolve([name], job["nameservers"])[name]
    outcome = Outcome(address)
    if address != expected:
        raise BrowserCheckError(f"the intranet DNS points {name} at {address}, not at {expected}")
    outdir = Path(job["outdir"])
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("*.png"):
        old.unlink()
    url = f"https://{name}/SOGo/"
    with trusting_home(job["root_ca"]) as home, chromium(home, f"MAP {name} {address}") as browser:
        context = browser.new_context(
            viewport={"width": 1366, "height": 900}, locale="fr-FR", timezone_id=job.get("timezone", "UTC")
        )
        page = context.new_page()

        def failed_resource(response: Any) -> None:
            if RESOURCES in response.url and response.status >= 400:
                outcome.failed_resources.append(f"{response.status} {response.url}")

        page.on("response", failed_resource)
        steps = scenario_steps(page, url, job, outcome)
        run = Scenario(page, outdir, outcome)
        for step_name, action in steps:
            if not run.step(step_name, action):
                break
        context.close()
    return outcome


def scenario_steps(page: Page, url: str, job: dict[str, Any], outcome: Outcome) -> list[tuple[str, Callable[[], Any]]]:
    """The steps of `job`'s kind: the full session, or only login → inbox, `repeat` times in
    the same browser (the benchmark: a first visit, then a returning user)."""
    from egovinfra.verify import browser_steps

    user, password = job["user"], job["password"]

    def open_login_page() -> str:
        page.goto(url, wait_until="networkidle", timeout=STEP_TIMEOUT_MS)
        started = _app_started(page)
        _visible(page, 'input[ng-model="app.creds.username"]')
        # The form slides in: let the animation end before the screenshot.
        page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
        return started

    def inbox() -> str:
        return f"{log_in(page, user, password, outcome)} s from login to inbox"

    steps: list[tuple[str, Callable[[], Any]]] = [("login-page", open_login_page), ("inbox", inbox)]
    if job.get("kind") == "login":
        for again in range(2, int(job.get("repeat", 1)) + 1):
            steps += [(f"logout-{again - 1}", lambda: browser_steps.log_out(page)), (f"inbox-{again}", inbox)]
        return steps
    return [*steps, *browser_steps.session_steps(page, job)]


def main() -> None:
    """Read the job on stdin, run it, print the outcome as one JSON line."""
    job = read_job()
    try:
        outcome = run_scenario(job)
    except BrowserCheckError as exc:
        write_result({"ok": False, "error": str(exc), "steps": []})
        return
    write_result({"ok": outcome.ok, **asdict(outcome)})


if __name__ == "__main__":
    main()
