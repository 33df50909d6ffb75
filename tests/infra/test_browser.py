"""The groupware as a civil servant uses it: a real browser (Debian's Chromium driven by
Playwright) on a ministry workstation, through the ministry's tunnel, at `groupware.<domain>`
as the intranet DNS answers it, for one datacenter's front end (`--datacenter`; by default the
one the DNS points at, so the same suite runs after a failover).

A colleague of another ministry mails the civil servant first (SMTP submission, as the other
probes do). The browser then logs in, reads and answers that mail, invites the colleague to an
event, finds the colleague in the directory's address book and logs out; a screenshot of each
step goes to reports/browser/<datacenter>/. The answer and the invitation must reach the
colleague's mailbox (IMAPS from the colleague's own workstation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from egovinfra.compile.plan import Plan
from egovinfra.verify.browser_steps import DIRECTORY_BOOK
from egovinfra.verify.context import LabContext
from egovinfra.verify.groupware import new_token, password, wait_for
from tests.infra.webclients import Target, target_of

STEPS = ("login-page", "inbox", "read-mail", "reply", "invite", "address-book", "logout")


@pytest.fixture(scope="module")
def target(plan: Plan, lab: LabContext, pytestconfig: pytest.Config) -> Target:
    """The front end, the people and the workstation of this run."""
    return target_of(plan, lab, pytestconfig)


@pytest.fixture(scope="module")
def session(target: Target) -> dict[str, Any]:
    """The whole session in the browser, once; each test below reads its part."""
    token, event_token = new_token(), new_token()
    body = f"egovinfra groupware probe {token}"
    target.colleague_probe.send(target.colleague, target.user, target.mail, token)
    delivered = wait_for(lambda: target.user_probe.find(target.user, target.mail, "INBOX", token) == 1, 60)
    assert delivered is not None, f"{target.user.mail} did not receive {token} on {target.mail.name}"
    job = {
        "service_name": target.service_name,
        "expected_address": target.web.address,
        "root_ca": target.root_ca,
        # The browser keeps the users' time, as their workstations do: SOGo computes a new
        # event's default hour from the browser's clock and files it in the users' zone.
        "timezone": target.plan.timezone,
        "outdir": str((target.reports / "browser" / target.datacenter).absolute()),
        "user": target.user.uid,
        "password": password(target.plan, target.user.uid),
        "token": token,
        "body": body,
        "reply_text": f"Bien reçu ({token}).",
        "event_title": f"Réunion {event_token}",
        "directory_book": DIRECTORY_BOOK,
        "colleague": {"uid": target.colleague.uid, "name": target.colleague.name, "mail": target.colleague.mail},
    }
    outcome = target.workstation.run("egovinfra.verify.browser", job, timeout=600)
    assert outcome.get("error") is None, outcome.get("error")
    outcome["token"], outcome["event_token"], outcome["event_title"] = token, event_token, job["event_title"]
    return outcome


def _step(session: dict[str, Any], name: str, record: Callable[[str, object], None]) -> dict[str, Any]:
    found = {s["name"]: s for s in session["steps"]}
    if name not in found:
        failed = next((s for s in session["steps"] if not s["ok"]), None)
        pytest.fail(f"step {name} not reached: {failed['name'] if failed else '?'} failed before it")
    step = found[name]
    record(f"screenshot {step['screenshot'].rsplit('/', 1)[-1][:2]}", step["screenshot"])
    assert step["ok"], f"{name}: {step['detail']} (see {step['screenshot']})"
    return step


def test_the_login_page_loads_sogos_web_application(
    session: dict[str, Any], record_property: Callable[[str, object], None]
) -> None:
    # Today's defect: every WebServerResources URL answered 404, the page stayed unstyled
    # and Angular never started.
    assert not session["failed_resources"], f"static resources failed: {session['failed_resources'][:5]}"
    _step(session, "login-page", record_property)


def test_a_civil_servant_logs_in_and_sees_the_inbox(
    session: dict[str, Any], target: Target, record_property: Callable[[str, object], None]
) -> None:
    _step(session, "inbox", record_property)
    record_property(f"{target.datacenter}.login_to_inbox_s", session["login_to_inbox_s"])


def test_reads_and_answers_a_colleagues_mail(
    session: dict[str, Any], target: Target, record_property: Callable[[str, object], None]
) -> None:
    _step(session, "read-mail", record_property)
    _step(session, "reply", record_property)
    token = session["token"]
    arrived = wait_for(lambda: target.colleague_probe.find(target.colleague, target.mail, "INBOX", token) >= 1, 60)
    assert arrived is not None, f"the answer to {token} did not reach {target.colleague.mail}"


def test_invites_the_colleague_and_the_invitation_arrives(
    session: dict[str, Any], target: Target, record_property: Callable[[str, object], None]
) -> None:
    _step(session, "invite", record_property)
    token = session["event_token"]  # in the event's title, which SOGo's invitation names
    arrived = wait_for(lambda: target.colleague_probe.find(target.colleague, target.mail, "INBOX", token) >= 1, 60)
    assert arrived is not None, f"no invitation to {session['event_title']!r} in {target.colleague.mail}'s inbox"
    record_property("invitation_s", round(arrived, 2))


def test_finds_the_colleague_in_the_directory(
    session: dict[str, Any], record_property: Callable[[str, object], None]
) -> None:
    _step(session, "address-book", record_property)


def test_logs_out(session: dict[str, Any], record_property: Callable[[str, object], None]) -> None:
    _step(session, "logout", record_property)
    assert [s["name"] for s in session["steps"]] == list(STEPS)
