"""No password crosses a datacenter segment in clear during the groupware checks.

Needs a converged lab of the default topology (`nox -s lab`, or `egovinfra lab up` and
`egovinfra converge`); its state folder is EGOVINFRA_LAB_DIR or the default one. tcpdump listens
on every interface of each datacenter's router namespace (every zone's bridge ports: the web
front end, the groupware, mail, database and directory hosts, the hub), while a ministry
workstation logs in to SOGo, submits a mail and reads its mailbox over IMAP, which makes SOGo
bind to the directory, Dovecot check the password against it, and the mail replicate to the
other datacenter. The capture is then searched for every password the controller's secrets hold
(the people's and the services'), and for the standbys' replication password, raw and in
base64 (SASL PLAIN, HTTP Basic). A canary sent in clear across the same segments first shows
that the capture would see one.
"""

from __future__ import annotations

import base64
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

from egovinfra.compile.plan import Plan
from egovinfra.lab import names
from egovinfra.lab.access import LabAccess
from egovinfra.pki import resolve_pki_dir
from egovinfra.secrets.store import SecretsStore, resolve_secrets_dir
from egovinfra.secrets.vault import Vault, resolve_password_file
from egovinfra.verify import groupware

# Generated on the primary by the postgresql role; never on the controller.
REPLICATION_SECRET = "/var/lib/postgresql/.egovinfra/replication.secret"


def known_passwords(plan: Plan, access: LabAccess) -> dict[str, str]:
    """Every password of the deployment by its name: the controller's secrets and replication's."""
    store = SecretsStore(resolve_secrets_dir(plan.name), Vault.open(resolve_password_file(plan.name)))
    found = {name: store.read(name) for name in store.names()}
    primary = plan.host(plan.replication("database").primary)
    done = access.ssh(primary.name, f"cat {REPLICATION_SECRET}")
    assert done.returncode == 0, f"{primary.name}: {done.stderr.strip()}"
    found["postgresql replication"] = done.stdout.strip()
    assert all(found.values()), "an empty secret would match anything"
    return found


def encodings(secret: str) -> list[bytes]:
    """The secret raw and as base64 inside a longer base64 text (each of the three alignments)."""
    raw = secret.encode()
    forms = [raw]
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        # Only the characters whose 6 bits all come from the secret: the others also depend on
        # the bytes around it.
        forms.append(encoded[-(-8 * shift // 6) : 8 * (shift + len(raw)) // 6])
    return [f for f in forms if len(f) >= 8]


class Capture:
    """tcpdump on every interface of each datacenter's router namespace, written to `folder`."""

    def __init__(self, access: LabAccess, plan: Plan, folder: Path) -> None:
        self.folder = folder
        self.namespaces = [names.router_ns(access.prefix, dc.name) for dc in plan.datacenters]
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Capture:
        for ns in self.namespaces:
            argv = ["ip", "netns", "exec", ns, "tcpdump", "-i", "any", "-s", "0", "-U", "-n", "-w"]
            self.processes.append(
                subprocess.Popen([*argv, str(self.folder / f"{ns}.pcap"), "tcp"], stderr=subprocess.PIPE)
            )
        time.sleep(2)  # tcpdump opens its sockets
        for process in self.processes:
            assert process.poll() is None, (process.stderr.read() if process.stderr else b"").decode()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(1)
        for process in self.processes:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)

    def data(self) -> bytes:
        """Every captured byte, from every namespace."""
        return b"".join((self.folder / f"{ns}.pcap").read_bytes() for ns in self.namespaces)


@pytest.fixture(scope="module")
def capture(plan: Plan, access: LabAccess, tmp_path_factory: pytest.TempPathFactory) -> tuple[bool, bytes]:
    """The capture of the groupware checks (whether it saw the cleartext canary, its bytes)."""
    folder = tmp_path_factory.mktemp("capture")
    site, _ = groupware.drill_sites(plan)
    person = groupware.person_of(plan, site)
    active = plan.active.name
    web = groupware.only(plan, "groupware_web", active)
    app = groupware.only(plan, "groupware_app", active)
    mail = groupware.only(plan, "mail", active)
    probe = groupware.Probe(
        plan,
        lambda host, argv, stdin: access.ssh(host, shlex.join(argv), timeout=90, input_text=stdin),
        groupware.workstation_of(plan, site),
        groupware.ca_bundle(resolve_pki_dir(plan.name)),
    )
    with Capture(access, plan, folder) as running:
        # The front end's path to the groupware, in clear on purpose: the capture must see it.
        canary = f"egovinfra-canary-{os.getpid()}-{time.time_ns()}"
        backend = (app.address, plan.port("groupware"))
        send = f"import socket; socket.create_connection({backend!r}, 5).sendall(b{canary!r})"
        assert access.ssh(web.name, f"python3 -c {shlex.quote(send)}").returncode == 0
        status, session = probe.login(person, web)
        assert (status, session) == (200, True), f"SOGo login at {web.name}: HTTP {status}"
        token = groupware.new_token()
        probe.send(person, person, mail, token)
        found = groupware.wait_for(lambda: probe.find(person, mail, "INBOX", token) > 0, timeout=60)
        assert found is not None, f"{person.uid} never saw the probe mail in INBOX on {mail.name}"
    data = running.data()
    return canary.encode() in data, data


def test_the_capture_sees_cleartext(capture: tuple[bool, bytes]) -> None:
    seen, _ = capture
    assert seen, "the canary sent in clear from the front end to the groupware was not captured"


def test_no_password_in_clear_on_datacenter_segments(
    plan: Plan, access: LabAccess, capture: tuple[bool, bytes]
) -> None:
    _, data = capture
    assert len(data) > 10_000, "the capture is nearly empty: the groupware checks crossed no segment"
    leaked = sorted(
        name for name, secret in known_passwords(plan, access).items() if any(f in data for f in encodings(secret))
    )
    assert not leaked, f"in clear on a datacenter segment: {', '.join(leaked)}"
