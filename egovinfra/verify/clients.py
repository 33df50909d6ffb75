"""Clients beyond the browser, run from a ministry workstation's namespace (see `workstation`):
a CalDAV/CardDAV client that syncs a person's calendar and contacts, and an IMAP client that
waits in IDLE and sees a new mail arrive.

- `dav`: with the `caldav` library, find the person's calendars from the principal, take a
  sync token, add an event, and see exactly that event in the next sync; the same over CardDAV
  for the personal address book (a vCard PUT, then a sync-collection REPORT, RFC 6578), and the
  colleague found in the directory's address book (an addressbook-query).
- `http`: what the front end answers for a few paths (status, Cache-Control).
- `idle`: log in over IMAPS, enter IDLE (RFC 2177, a small exchange: Python 3.11's imaplib has
  no IDLE), submit a mail to that person on 587 as a colleague, and time the `EXISTS` push.

Names are resolved by the intranet DNS (a real query) and pinned for the client libraries.
Run as `python -m egovinfra.verify.clients` with a JSON job on stdin.
"""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from egovinfra.verify.workstation import read_job, resolve, write_result

DAV = "DAV:"
CARDDAV = "urn:ietf:params:xml:ns:carddav"


class ClientError(RuntimeError):
    """A client did not see what it should."""


@contextmanager
def pinned(addresses: Mapping[str, str]) -> Iterator[None]:
    """Names resolved to `addresses` for this process (what the intranet DNS answered)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        return real(addresses.get(name, name), *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.getaddrinfo = real


@contextmanager
def ca_file(pem: str) -> Iterator[str]:
    """The intranet CA bundle as a file, for the client libraries."""
    with tempfile.NamedTemporaryFile("w", suffix=".pem", prefix="egovinfra-ca-") as handle:
        handle.write(pem)
        handle.flush()
        yield handle.name


def _event(uid: str, title: str) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    start = time.strftime("%Y%m%dT100000Z", time.gmtime(time.time() + 86400))
    end = time.strftime("%Y%m%dT110000Z", time.gmtime(time.time() + 86400))
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//egovinfra//verify//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:{stamp}\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{title}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _sync_collection(client: Any, url: str, token: str) -> tuple[str, list[str]]:
    """RFC 6578 sync-collection REPORT: (new token, hrefs changed since `token`)."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
        f"<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>"
        "<d:prop><d:getetag/></d:prop></d:sync-collection>"
    )
    answer = client.request(url, "REPORT", body, {"Content-Type": "application/xml; charset=utf-8", "Depth": "1"})
    if answer.status >= 300:
        raise ClientError(f"sync-collection on {url}: HTTP {answer.status}")
    tree = ET.fromstring(answer.raw if isinstance(answer.raw, (bytes, str)) else answer.tree)
    new_token = tree.findtext(f"{{{DAV}}}sync-token") or ""
    hrefs = [h.text or "" for h in tree.iter(f"{{{DAV}}}href")]
    return new_token, hrefs


def _initial_token(client: Any, url: str) -> str:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>'
    )
    answer = client.request(url, "PROPFIND", body, {"Content-Type": "application/xml; charset=utf-8", "Depth": "0"})
    tree = ET.fromstring(answer.raw)
    token = tree.findtext(f".//{{{DAV}}}sync-token")
    if not token:
        raise ClientError(f"{url} gives no sync-token (RFC 6578)")
    return token


def dav(job: dict[str, Any]) -> dict[str, Any]:
    """Calendar and contacts synced by a DAV client; the colleague found in the directory."""
    from caldav.davclient import DAVClient

    name, user, password = job["service_name"], job["user"], job["password"]
    addresses = resolve([name], job["nameservers"])
    base = f"https://{name}/SOGo/dav/{user}/"
    out: dict[str, Any] = {"address": addresses[name]}
    with pinned(addresses), ca_file(job["ca"]) as cafile:
        client = DAVClient(url=base, username=user, password=password, ssl_verify_cert=cafile)
        start = time.monotonic()
        calendars = client.principal().calendars()  # type: ignore[no-untyped-call]
        if not calendars:
            raise ClientError(f"{user} has no calendar at {base}")
        calendar = calendars[0]
        calendar_url = str(calendar.url)
        token = _initial_token(client, calendar_url)
        event_uid = f"egovinfra-{uuid.uuid4().hex}"
        calendar.save_event(_event(event_uid, job["title"]))
        _, changed = _sync_collection(client, calendar_url, token)
        out["calendar"] = calendar_url
        out["calendar_synced"] = any(event_uid in href for href in changed)
        out["calendar_changes"] = len(changed)
        out["calendar_s"] = round(time.monotonic() - start, 3)

        start = time.monotonic()
        book = f"{base}Contacts/personal/"
        token = _initial_token(client, book)
        card_uid = f"egovinfra-{uuid.uuid4().hex}"
        card = (
            "BEGIN:VCARD\r\nVERSION:3.0\r\n"
            f"UID:{card_uid}\r\nFN:{job['title']}\r\nN:{job['title']};;;;\r\nEMAIL:{job['colleague_mail']}\r\n"
            "END:VCARD\r\n"
        )
        put = client.request(f"{book}{card_uid}.vcf", "PUT", card, {"Content-Type": "text/vcard; charset=utf-8"})
        if put.status >= 300:
            raise ClientError(f"PUT of a vCard into {book}: HTTP {put.status}")
        _, changed = _sync_collection(client, book, token)
        out["contacts_synced"] = any(card_uid in href for href in changed)
        out["contacts_s"] = round(time.monotonic() - start, 3)

        query = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<c:addressbook-query xmlns:d="DAV:" xmlns:c="{CARDDAV}"><d:prop><d:getetag/><c:address-data/></d:prop>'
            '<c:filter><c:prop-filter name="FN"><c:text-match collation="i;unicode-casemap" match-type="contains">'
            f"{job['colleague_search']}</c:text-match></c:prop-filter></c:filter></c:addressbook-query>"
        )
        directory = f"{base}Contacts/{job.get('directory_book', 'directory')}/"
        answer = client.request(
            directory, "REPORT", query, {"Content-Type": "application/xml; charset=utf-8", "Depth": "1"}
        )
        text = answer.raw.decode() if isinstance(answer.raw, bytes) else str(answer.raw)
        out["directory_status"] = answer.status
        out["directory_found"] = job["colleague_mail"] in text
    return out


def _read_until(box: imaplib.IMAP4_SSL, wanted: bytes, deadline: float) -> bytes:
    """Lines from the server until one contains `wanted` (or the deadline)."""
    while time.monotonic() < deadline:
        box.sock.settimeout(max(deadline - time.monotonic(), 0.1))
        try:
            line = box.readline()
        except (TimeoutError, OSError):
            break
        if wanted in line:
            return line
    raise ClientError(f"no {wanted.decode()!r} from the IMAP server in time")


def idle(job: dict[str, Any]) -> dict[str, Any]:
    """An IMAP client in IDLE sees a mail submitted by a colleague: seconds from submission."""
    mail = job["mail_server"]
    addresses = resolve([mail], job["nameservers"])
    token = job["token"]
    with pinned(addresses), ca_file(job["ca"]) as cafile:
        context = ssl.create_default_context(cafile=cafile)
        box = imaplib.IMAP4_SSL(mail, 993, ssl_context=context, timeout=30)
        box.login(job["user"], job["password"])
        box.select("INBOX")
        if "IDLE" not in box.capabilities:
            raise ClientError(f"{mail} does not offer IDLE")
        tag = b"EGOVIDLE"
        box.send(tag + b" IDLE\r\n")
        _read_until(box, b"+", time.monotonic() + 10)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = job["from"], job["to"], token
        message.set_content(f"egovinfra IMAP IDLE probe {token}")
        with smtplib.SMTP(mail, 587, timeout=20) as smtp:
            smtp.starttls(context=context)
            smtp.login(job["sender"], job["sender_password"])
            smtp.send_message(message)
        sent = time.monotonic()
        line = _read_until(box, b"EXISTS", sent + float(job.get("timeout", 30)))
        seen = round(time.monotonic() - sent, 3)
        box.send(b"DONE\r\n")
        _read_until(box, tag, time.monotonic() + 10)
        box.logout()
    return {"address": addresses[mail], "pushed": line.decode().strip(), "idle_s": seen}


def http(job: dict[str, Any]) -> dict[str, Any]:
    """Status and Cache-Control of each of the job's paths at the front end (GET, no login)."""
    import urllib.error
    import urllib.request

    name = job["service_name"]
    addresses = resolve([name], job["nameservers"])
    answers: dict[str, dict[str, Any]] = {}
    with pinned(addresses), ca_file(job["ca"]) as cafile:
        context = ssl.create_default_context(cafile=cafile)
        for path in job["paths"]:
            try:
                with urllib.request.urlopen(f"https://{name}{path}", context=context, timeout=20) as answer:
                    status, headers = answer.status, answer.headers
            except urllib.error.HTTPError as exc:
                status, headers = exc.code, exc.headers
            answers[path] = {"status": status, "cache_control": headers.get("Cache-Control")}
    return {"address": addresses[name], "answers": answers}


def main() -> None:
    """Run the job on stdin (`action`: dav, idle or http); print its result as one JSON line."""
    job = read_job()
    actions = {"dav": dav, "idle": idle, "http": http}
    try:
        result = {"ok": True, **actions[job["action"]](job)}
    except Exception as exc:  # the caller reports it; a traceback says less
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    write_result(result)


if __name__ == "__main__":
    main()
