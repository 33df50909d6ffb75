"""Clients beyond the browser, from a ministry workstation through its tunnel, at one datacenter's
front end and mail host (`--datacenter`, as for the browser suite): a CalDAV/CardDAV client
syncs the calendar and contacts and finds a colleague in the directory; an IMAP client in IDLE
sees a new mail; SOGo's static resources come with caching headers; ActiveSync is not offered
(docs/groupware.md says why)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from egovinfra.compile.plan import Plan
from egovinfra.verify.context import LabContext
from egovinfra.verify.groupware import new_token, password
from tests.infra.webclients import Target, target_of


@pytest.fixture(scope="module")
def target(plan: Plan, lab: LabContext, pytestconfig: pytest.Config) -> Target:
    """The front end, the people and the workstation of this run."""
    return target_of(plan, lab, pytestconfig)


def test_a_dav_client_syncs_the_calendar_and_contacts(
    target: Target, record_property: Callable[[str, object], None]
) -> None:
    job = {
        "action": "dav",
        "service_name": target.service_name,
        "ca": target.ca,
        "user": target.user.uid,
        "password": password(target.plan, target.user.uid),
        "title": f"Synchronisation {new_token()}",
        "colleague_mail": target.colleague.mail,
        "colleague_search": target.colleague.name.split()[-1],
    }
    out = target.workstation.run("egovinfra.verify.clients", job)
    assert out["ok"], out.get("error")
    assert out["calendar_synced"], f"the new event is not in the calendar's next sync ({out})"
    assert out["contacts_synced"], f"the new card is not in the address book's next sync ({out})"
    assert out["directory_found"], f"{target.colleague.mail} not found in the directory's address book ({out})"
    record_property(f"{target.datacenter}.caldav_sync_s", out["calendar_s"])
    record_property(f"{target.datacenter}.carddav_sync_s", out["contacts_s"])


def test_an_imap_client_in_idle_sees_a_new_mail(target: Target, record_property: Callable[[str, object], None]) -> None:
    job = {
        "action": "idle",
        # What a civil servant's client is set up with: the service name (its certificate must
        # match wherever the name points), not a datacenter's host.
        "mail_server": target.mail_service_name,
        "ca": target.ca,
        "user": target.user.uid,
        "password": password(target.plan, target.user.uid),
        "sender": target.colleague.uid,
        "sender_password": password(target.plan, target.colleague.uid),
        "from": target.colleague.mail,
        "to": target.user.mail,
        "token": new_token(),
    }
    out = target.workstation.run("egovinfra.verify.clients", job)
    assert out["ok"], out.get("error")
    assert "EXISTS" in out["pushed"]
    assert out["address"] == target.mail.address, f"{target.mail_service_name} does not lead to {target.mail.name}"
    record_property(f"{target.datacenter}.idle_push_s", out["idle_s"])


def test_static_resources_are_served_with_caching_headers_and_activesync_is_not(target: Target) -> None:
    job = {
        "action": "http",
        "service_name": target.service_name,
        "ca": target.ca,
        "paths": [
            "/SOGo.woa/WebServerResources/css/styles.css",
            "/SOGo/WebServerResources/js/Common.js",
            "/SOGo/Microsoft-Server-ActiveSync",
            "/Microsoft-Server-ActiveSync",
        ],
    }
    out = target.workstation.run("egovinfra.verify.clients", job)
    assert out["ok"], out.get("error")
    answers = out["answers"]
    for path in job["paths"][:2]:
        status, cache = answers[path]["status"], answers[path]["cache_control"]
        assert status == 200, f"{path}: HTTP {status}"
        assert cache and "max-age=" in cache, f"{path}: no caching header ({cache!r})"
    for path in job["paths"][2:]:
        assert answers[path]["status"] == 404, f"{path}: HTTP {answers[path]['status']}: ActiveSync is not offered"
