"""The groupware seen by its users: logins over HTTPS, mail between ministries, and the failover drill.

Every check runs on lab hosts through a `Runner` (host, argv, stdin) → CompletedProcess, so the
lab suites and the failover drill share it without importing the lab layer. Passwords are read
from the controller's secrets folder and sent on the probes' stdin, never on a command line.

The drill: before the primary datacenter is lost, `send_probe` mails a token from a person of
one ministry to a person of another (SMTP submission, and a copy in the sender's Sent folder as
a mail client keeps it). After the loss, `take_over` starts the secondary's SOGo once its
database accepts writes and measures, from the moment of the loss, when the sender can log in
at the secondary's front end and find their mail there: the groupware's RTO; the mails sent
before the loss and missing at the secondary (replication is asynchronous) are its RPO for a
user's mail, in mails and in seconds before the loss.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from egovinfra.compile.directory import Person
from egovinfra.compile.plan import Host, Plan
from egovinfra.poll import until
from egovinfra.secrets import SecretsError, SecretsStore, Vault, resolve_password_file, resolve_secrets_dir

Runner = Callable[[str, Sequence[str], str | None], subprocess.CompletedProcess[str]]

CA_PATH = "/tmp/egovinfra-intranet-ca.pem"  # where probes put the intranet CA on a workstation
SUBMISSION_PORT = 587
IMAPS_PORT = 993


class GroupwareCheckError(RuntimeError):
    """A probe could not run at all (no workstation, no person, no secret)."""


def secrets_dir(plan: Plan, base: Path | None = None) -> Path:
    """The controller's secrets folder of the deployment (as the roles' defaults name it)."""
    return base if base is not None else resolve_secrets_dir(plan.name)


def password(plan: Plan, uid: str, base: Path | None = None) -> str:
    """A person's initial password, decrypted from the controller's secrets folder."""
    try:
        store = SecretsStore(secrets_dir(plan, base), Vault.open(resolve_password_file(plan.name)))
        return store.read(f"users/{uid}")
    except SecretsError as exc:
        raise GroupwareCheckError(f"no password for {uid}: {exc}") from None


def ca_bundle(pki_dir: Path) -> str:
    """The intranet's root and issuing CA certificates, PEM."""
    return (pki_dir / "root" / "cert.pem").read_text() + (pki_dir / "issuing" / "cert.pem").read_text()


def only(plan: Plan, function: str, datacenter: str) -> Host:
    """The managed host doing `function` in `datacenter`."""
    found = [h for h in plan.hosts if function in h.roles and h.scope == datacenter and h.managed]
    if not found:
        raise GroupwareCheckError(f"{datacenter} has no {function} host")
    return sorted(found, key=lambda h: h.name)[0]


def person_of(plan: Plan, site: str, index: int = 0) -> Person:
    """The `index`-th person of a site's directory entries."""
    people = [p for p in plan.directory.people if p.site == site]
    if len(people) <= index:
        raise GroupwareCheckError(f"site {site} has fewer than {index + 1} people in the topology")
    return people[index]


def workstation_of(plan: Plan, site: str) -> str:
    """The first workstation of a site."""
    found = next((s.workstations for s in plan.sites if s.name == site), ())
    if not found:
        raise GroupwareCheckError(f"site {site} has no workstation to probe from")
    return found[0]


# Runs on a workstation with python3 only. It reads one JSON document on stdin, resolves the
# servers' names itself (workstations need no intranet DNS for the probe) and checks every
# certificate against the intranet CA.
_PROBE = r"""
import imaplib, json, smtplib, socket, ssl, sys, time, urllib.request
from email.message import EmailMessage
job = json.loads(sys.stdin.read())
names = job["names"]
real = socket.create_connection
def connect(address, *args, **kwargs):
    return real((names.get(address[0], address[0]), address[1]), *args, **kwargs)
socket.create_connection = connect
ctx = ssl.create_default_context(cafile=job["ca"])
out = {}
def imap(server, user, pw):
    box = imaplib.IMAP4_SSL(server, 993, ssl_context=ctx)
    box.login(user, pw)
    return box
if job["action"] == "send":
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = job["from"], job["to"], job["token"]
    msg.set_content("egovinfra groupware probe " + job["token"])
    with smtplib.SMTP(job["smtp"], 587, timeout=20) as smtp:
        smtp.starttls(context=ctx)
        smtp.login(job["user"], job["password"])
        smtp.send_message(msg)
    box = imap(job["smtp"], job["user"], job["password"])
    box.append("Sent", "\\Seen", None, msg.as_bytes())
    box.logout()
    out["sent_at"] = time.time()
elif job["action"] == "find":
    box = imap(job["imap"], job["user"], job["password"])
    box.select(job["mailbox"], readonly=True)
    typ, data = box.search(None, "SUBJECT", json.dumps(job["token"]))
    out["found"] = len(data[0].split()) if typ == "OK" else 0
    box.logout()
elif job["action"] == "login":
    body = json.dumps({"userName": job["user"], "password": job["password"]}).encode()
    request = urllib.request.Request(job["url"] + "/SOGo/connect", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, context=ctx, timeout=20) as answer:
            out["status"] = answer.status
            out["session"] = "0xHIGHFLYxSOGo" in (answer.headers.get("Set-Cookie") or "")
    except urllib.error.HTTPError as exc:
        out["status"], out["session"] = exc.code, False
print(json.dumps(out))
"""


@dataclass(frozen=True)
class Probe:
    """Runs the probe script on one workstation of the lab."""

    plan: Plan
    run: Runner
    workstation: str
    ca_pem: str
    secrets: Path | None = None

    def _names(self) -> dict[str, str]:
        return {h.fqdn: h.address for h in self.plan.hosts if h.kind == "datacenter"}

    def call(self, job: dict[str, object]) -> dict[str, object]:
        """Run one action; the CA is copied first (idempotent), the result is the script's JSON."""
        put = self.run(self.workstation, ["sh", "-c", f"cat > {CA_PATH}"], self.ca_pem)
        if put.returncode != 0:
            raise GroupwareCheckError(f"{self.workstation}: cannot write the CA: {put.stderr.strip()}")
        document = json.dumps({**job, "names": self._names(), "ca": CA_PATH})
        done = self.run(self.workstation, ["python3", "-c", _PROBE], document)
        if done.returncode != 0:
            raise GroupwareCheckError(f"{self.workstation}: {job['action']} failed: {done.stderr.strip()[-600:]}")
        result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    def login(self, person: Person, web: Host) -> tuple[int, bool]:
        """HTTPS login to SOGo at front end `web`: (HTTP status, session cookie set)."""
        out = self.call(
            {
                "action": "login",
                "url": f"https://{web.fqdn}",
                "user": person.uid,
                "password": password(self.plan, person.uid, self.secrets),
            }
        )
        return int(str(out["status"])), bool(out["session"])

    def send(self, sender: Person, recipient: Person, mail: Host, token: str) -> float:
        """Submit a mail from `sender` to `recipient` through `mail`; keep a copy in Sent."""
        out = self.call(
            {
                "action": "send",
                "smtp": mail.fqdn,
                "from": sender.mail,
                "to": recipient.mail,
                "user": sender.uid,
                "password": password(self.plan, sender.uid, self.secrets),
                "token": token,
            }
        )
        return float(str(out["sent_at"]))

    def find(self, person: Person, mail: Host, mailbox: str, token: str) -> int:
        """How many mails with subject `token` `person` sees in `mailbox` on `mail` (IMAPS)."""
        out = self.call(
            {
                "action": "find",
                "imap": mail.fqdn,
                "user": person.uid,
                "mailbox": mailbox,
                "password": password(self.plan, person.uid, self.secrets),
                "token": token,
            }
        )
        return int(str(out["found"]))


def new_token() -> str:
    """A subject no earlier probe used."""
    return f"egovinfra-probe-{secrets.token_hex(6)}"


def wait_for(check: Callable[[], bool], timeout: float, every: float = 1.0) -> float | None:
    """Seconds until `check()` held, or None after `timeout`; a failed check is a no."""
    return until(check, timeout, every, tolerate=(GroupwareCheckError,))


@dataclass(frozen=True)
class Sent:
    """Mails the drill sent before the loss."""

    tokens: tuple[str, ...]
    sender: Person
    recipient: Person
    sent_at: tuple[float, ...] = ()  # when each was accepted (time.time() on the workstation)


@dataclass(frozen=True)
class TakeOver:
    """The groupware's part of the failover table."""

    rto_seconds: float | None  # loss → sender logged in at the secondary and found their mail
    mails_sent: int
    mails_lost: int  # sent before the loss, absent at the secondary: the RPO for a user's mail
    rpo_seconds: float  # how long before the loss the earliest lost mail was sent (0: none lost)
    login_status: int
    detail: str


def send_probes(
    probe: Probe, sender_site: str, recipient_site: str, count: int = 3, datacenter: str | None = None
) -> Sent:
    """`count` mails between two ministries through the mail host of `datacenter` (the primary's
    by default, as before a loss)."""
    plan = probe.plan
    sender, recipient = person_of(plan, sender_site), person_of(plan, recipient_site)
    mail = only(plan, "mail", datacenter or plan.primary.name)
    tokens = tuple(new_token() for _ in range(count))
    sent_at = tuple(probe.send(sender, recipient, mail, token) for token in tokens)
    return Sent(tokens, sender, recipient, sent_at)


def take_over(probe: Probe, sent: Sent, lost_at: float, datacenter: str, timeout: float = 300.0) -> TakeOver:
    """After the loss (at `lost_at`, time.time()), while the operator fails over to `datacenter`:
    measure when the sender can log in there and find their mail (RTO), and which mails never
    arrived (RPO)."""
    plan = probe.plan
    web, mail = only(plan, "groupware_web", datacenter), only(plan, "mail", datacenter)
    status = [0]

    # Mail replication is asynchronous: the last mails before the loss may never arrive, which
    # is the RPO below. Service is back when the sender logs in and finds what did arrive.
    def ready() -> bool:
        status[0], session = probe.login(sent.sender, web)
        return session and any(probe.find(sent.sender, mail, "Sent", t) > 0 for t in sent.tokens)

    waited = wait_for(ready, timeout, every=2.0)
    rto = None if waited is None else time.time() - lost_at
    found, refused = _count_in_inbox(probe, sent, mail, timeout=READ_AGAIN_SECONDS)
    lost = [i for i, t in enumerate(sent.tokens) if found[t] == 0]
    earliest = min((sent.sent_at[i] for i in lost if i < len(sent.sent_at)), default=lost_at)
    detail = (
        f"login at {web.name} and mail found" if waited is not None else f"no login at {web.name} in {timeout:.0f} s"
    )
    if refused:
        # The operator's converge still runs after the service is back, and may restart what
        # the mailbox depends on: a real interruption, reported rather than hidden.
        detail += f"; the recipient's mailbox refused {refused} reading(s) after that"
    return TakeOver(rto, len(sent.tokens), len(lost), round(max(lost_at - earliest, 0.0), 2), status[0], detail)


READ_AGAIN_SECONDS = 120.0


def _count_in_inbox(probe: Probe, sent: Sent, mail: Host, timeout: float) -> tuple[dict[str, int], int]:
    """How many copies of each token the recipient has at `mail`, reading again while the
    mailbox refuses (a restart under way), and how many readings it refused."""
    found: dict[str, int] = {}
    refused = [0]

    def read_all() -> bool:
        for token in sent.tokens:
            if token not in found:
                try:
                    found[token] = probe.find(sent.recipient, mail, "INBOX", token)
                except GroupwareCheckError:
                    refused[0] += 1
                    raise
        return True

    if wait_for(read_all, timeout, every=2.0) is None:
        raise GroupwareCheckError(
            f"{sent.recipient.uid}'s mailbox at {mail.name} refused every reading for {timeout:.0f} s"
        )
    return found, refused[0]


def drill_sites(plan: Plan) -> tuple[str, str]:
    """Two ministries for the drill's mail: the first site with people and a workstation sends,
    the next site with people receives."""
    staffed = {p.site for p in plan.directory.people}
    with_people = [s for s in plan.sites if s.name in staffed]
    sender = next((s.name for s in with_people if s.workstations), None)
    recipient = next((s.name for s in with_people if s.name != sender), None)
    if sender is None or recipient is None:
        raise GroupwareCheckError("the drill needs two sites with people, the first with a workstation")
    return sender, recipient


def give_back(probe: Probe, sent: Sent, primary: str, secondary: str, timeout: float = 300.0) -> float:
    """After failback: `sent`, a mail written through `secondary` while it served alone, must
    have reached `primary` (dsync replicates both ways), and the sender must log in at the
    primary and find it there. Seconds waited; GroupwareCheckError on timeout."""
    plan = probe.plan
    web, mail = only(plan, "groupware_web", primary), only(plan, "mail", primary)

    def serving() -> bool:
        _, session = probe.login(sent.sender, web)
        return session and probe.find(sent.sender, mail, "Sent", sent.tokens[0]) > 0

    waited = wait_for(serving, timeout, every=2.0)
    if waited is None:
        raise GroupwareCheckError(
            f"{sent.sender.uid} cannot log in at {web.name} and find the mail written through {secondary}"
        )
    return waited
