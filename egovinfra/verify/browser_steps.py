"""The steps of a civil servant's session in SOGo's web interface, after the login (`browser`).

Selectors follow SOGo 5's own templates (Angular Material: `ng-click`, `ng-model`), not the
interface's words, so they hold in every language the deployment sets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

TIMEOUT_MS = 60_000
DIRECTORY_BOOK = "directory"  # the id of the directory source in sogo.conf (roles/groupware)


class StepError(RuntimeError):
    """The interface did not show what the step expects."""


def _shown(page: Page, selector: str, timeout: int = TIMEOUT_MS) -> None:
    page.locator(selector).first.wait_for(state="visible", timeout=timeout)


def read_mail(page: Page, subject: str, body: str) -> str:
    """Open the colleague's mail from the inbox and see its text."""
    page.locator(f'#messagesList md-list-item[aria-label*="{subject}"]').first.click(timeout=TIMEOUT_MS)
    page.locator("[ui-view=message], #detailView, md-card").get_by_text(body, exact=False).first.wait_for(
        state="visible", timeout=TIMEOUT_MS
    )
    return f"read {subject!r}"


def _type_in_editor(page: Page, text: str) -> None:
    """Type into the composer: CKEditor (SOGo's default, HTML) or the plain text area."""
    dialog = page.locator("md-dialog").first
    plain = dialog.locator('textarea[ng-model="editor.message.editable.text"]')
    if plain.count():
        plain.first.fill(text)
        return
    frame = dialog.locator("iframe.cke_wysiwyg_frame")
    frame.first.wait_for(state="visible", timeout=TIMEOUT_MS)
    body = page.frame_locator("md-dialog iframe.cke_wysiwyg_frame").first.locator("body")
    body.click()
    page.keyboard.press("Control+Home")
    page.keyboard.type(text + "\n")


def reply(page: Page, text: str) -> str:
    """Answer the open mail from the web interface."""
    page.locator('[ng-click="viewer.reply($event)"]').first.click(timeout=TIMEOUT_MS)
    _shown(page, 'md-dialog [ng-click="editor.send()"]')
    _type_in_editor(page, text)
    page.locator('md-dialog [ng-click="editor.send()"]').first.click()
    page.locator("md-dialog").first.wait_for(state="detached", timeout=TIMEOUT_MS)
    return "answer sent"


def create_event(page: Page, base: str, user: str, title: str, attendee: str, attendee_mail: str) -> str:
    """A new event in the calendar, with the colleague invited."""
    page.goto(f"{base}/SOGo/so/{user}/Calendar/view", wait_until="networkidle", timeout=TIMEOUT_MS)
    page.locator("md-fab-speed-dial md-fab-trigger button").first.click(timeout=TIMEOUT_MS)
    page.locator("[ng-click=\"list.newComponent($event, 'appointment')\"]").first.click(timeout=TIMEOUT_MS)
    _shown(page, 'md-dialog input[ng-model="editor.component.summary"]')
    page.locator('md-dialog input[ng-model="editor.component.summary"]').first.fill(title)
    search = page.locator('md-dialog md-autocomplete[md-search-text="editor.searchText"] input').first
    search.click()
    search.press_sequentially(attendee, delay=60)
    suggestion = page.locator("md-virtual-repeat-container li, .md-autocomplete-suggestions li").filter(
        has_text=attendee_mail
    )
    suggestion.first.click(timeout=TIMEOUT_MS)
    _shown(page, f'md-dialog md-chip:has-text("{attendee_mail}"), md-dialog .attendees :text("{attendee_mail}")')
    page.locator("md-dialog md-dialog-actions button.md-primary[type=submit]").first.click()
    conflict = page.locator('md-dialog [ng-click="editor.save(eventForm, { ignoreConflicts: true })"]')
    try:
        page.locator("md-dialog").first.wait_for(state="detached", timeout=15_000)
    except Exception:
        if conflict.count() and conflict.first.is_visible():
            conflict.first.click()
        page.locator("md-dialog").first.wait_for(state="detached", timeout=TIMEOUT_MS)
    page.get_by_text(title, exact=False).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    return f"event {title!r} with {attendee_mail} invited"


def find_in_directory(page: Page, base: str, user: str, book: str, name: str, mail: str) -> str:
    """The colleague's card, searched by name in the address book SOGo reads from the directory."""
    page.goto(f"{base}/SOGo/so/{user}/Contacts/view#!/addressbooks/{book}", wait_until="networkidle")
    page.locator('[ng-click="addressbook.searchMode()"]').first.click(timeout=TIMEOUT_MS)
    search = page.locator('input[name="folderSearch"]').first
    search.wait_for(state="visible", timeout=TIMEOUT_MS)
    search.press_sequentially(name.rsplit(maxsplit=1)[-1], delay=60)
    search.press("Enter")
    page.locator("md-list-item:visible", has_text=mail).first.click(timeout=TIMEOUT_MS)
    page.locator("[ui-view=card] a:visible, md-card a:visible", has_text=mail).first.wait_for(
        state="visible", timeout=TIMEOUT_MS
    )
    return f"{name} <{mail}> found in the {book!r} address book"


def log_out(page: Page) -> str:
    """Leave through SOGo's own logoff and land on the login page again."""
    page.locator('a[href$="/logoff"], [ng-href$="/logoff"]').first.click(timeout=TIMEOUT_MS)
    _shown(page, 'input[ng-model="app.creds.username"]')
    if re.search(r"/so/[^/]+/", page.url):  # a person's pages are under /SOGo/so/<uid>/
        raise StepError(f"still inside a session after logoff: {page.url}")
    return "back on the login page"


def session_steps(page: Page, job: dict[str, Any]) -> list[tuple[str, Callable[[], Any]]]:
    """After the login: read and answer the colleague's mail, invite them, find them, log out."""
    base = f"https://{job['service_name']}"
    user, colleague = job["user"], job["colleague"]
    return [
        ("read-mail", lambda: read_mail(page, job["token"], job["body"])),
        ("reply", lambda: reply(page, job["reply_text"])),
        (
            "invite",
            lambda: create_event(page, base, user, job["event_title"], colleague["uid"], colleague["mail"]),
        ),
        (
            "address-book",
            lambda: find_in_directory(page, base, user, job["directory_book"], colleague["name"], colleague["mail"]),
        ),
        ("logout", lambda: log_out(page)),
    ]
