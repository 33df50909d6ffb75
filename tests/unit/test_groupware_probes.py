"""The groupware probes and failover drill, driven through a fake lab runner."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from egovinfra.compile import compile_plan
from egovinfra.compile.plan import Plan
from egovinfra.model import load_topology
from egovinfra.secrets import SecretsStore, Vault
from egovinfra.secrets.vault import create_password_file
from egovinfra.verify import groupware
from egovinfra.verify.groupware import (
    GroupwareCheckError,
    Probe,
    drill_sites,
    give_back,
    password,
    person_of,
    send_probes,
    take_over,
    workstation_of,
)
from tests.conftest import DEFAULT_TOPOLOGY


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


class FakeLab:
    """Mailboxes by (mail host, uid, mailbox); a database that is promoted or not."""

    def __init__(self, plan: Plan, replicate: bool, promoted: bool = True, replicated_sends: int | None = None) -> None:
        self.plan = plan
        self.replicate = replicate
        self.replicated_sends = replicated_sends  # the loss cuts replication after this many mails
        self.sends = 0
        self.promoted = promoted
        self.boxes: dict[tuple[str, str, str], list[str]] = {}
        self.calls: list[tuple[str, tuple[str, ...], str | None]] = []
        self.by_fqdn = {h.fqdn: h.name for h in plan.hosts}
        self.refuse_inbox = 0  # readings of an INBOX refused next, as Dovecot does while LDAP restarts

    def _deliver(self, host: str, uid: str, box: str, token: str) -> None:
        self.boxes.setdefault((host, uid, box), []).append(token)
        if self.replicate:
            for other in ("yde-mail", "dla-mail"):
                if other != host:
                    self.boxes.setdefault((other, uid, box), []).append(token)

    def __call__(self, host: str, argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        self.calls.append((host, tuple(argv), stdin))
        out = ""
        if argv[:2] == ["python3", "-c"]:
            job = json.loads(stdin or "{}")
            assert job["password"] not in argv  # secrets travel on stdin only
            if job["action"] == "send":
                to_uid = job["to"].split("@")[0]
                server = self.by_fqdn[job["smtp"]]
                self.sends += 1
                if self.replicated_sends is not None:
                    self.replicate = self.sends <= self.replicated_sends
                self._deliver(server, to_uid, "INBOX", job["token"])
                self._deliver(server, job["user"], "Sent", job["token"])
                out = json.dumps({"sent_at": float(self.sends)})
            elif job["action"] == "find" and job["mailbox"] == "INBOX" and self.refuse_inbox > 0:
                self.refuse_inbox -= 1
                err = "imaplib.IMAP4.error: b'[UNAVAILABLE] Temporary authentication failure.'"
                return subprocess.CompletedProcess(list(argv), 1, "", err)
            elif job["action"] == "find":
                found = self.boxes.get((self.by_fqdn[job["imap"]], job["user"], job["mailbox"]), [])
                out = json.dumps({"found": found.count(job["token"])})
            else:
                out = json.dumps({"status": 200, "session": True})
        elif "pg_is_in_recovery()" in " ".join(argv):
            out = "f" if self.promoted else "t"
        return subprocess.CompletedProcess(list(argv), 0, out + "\n", "")


@pytest.fixture
def secrets(tmp_path: Path, plan: Plan, monkeypatch: pytest.MonkeyPatch) -> Path:
    """People's passwords as `egovinfra secrets init` leaves them: vault files."""
    password_file = tmp_path / "vault.pass"
    create_password_file(password_file)
    monkeypatch.setenv("EGOVINFRA_VAULT_PASSWORD_FILE", str(password_file))
    store = SecretsStore(tmp_path / "secrets", Vault.open(password_file))
    for person in plan.directory.people:
        store.write(f"users/{person.uid}", f"pw-{person.uid}".encode())
    return store.base


def test_password_is_decrypted_from_the_secrets_folder(plan: Plan, secrets: Path) -> None:
    assert password(plan, "cmballa", secrets) == "pw-cmballa"
    assert b"pw-cmballa" not in (secrets / "users" / "cmballa").read_bytes()
    with pytest.raises(GroupwareCheckError, match="egovinfra secrets init"):
        password(plan, "nobody", secrets)


def test_probes_come_from_a_ministry_workstation_as_its_people(plan: Plan) -> None:
    assert workstation_of(plan, "minpostel") == "minpostel-ws1"
    assert person_of(plan, "minfi").site == "minfi"
    with pytest.raises(GroupwareCheckError):
        workstation_of(plan, "minrex")


def test_drill_after_loss_finds_the_replicated_mail_at_the_secondary(plan: Plan, secrets: Path) -> None:
    lab = FakeLab(plan, replicate=True)
    probe = Probe(plan, lab, "minpostel-ws1", "CA", secrets)
    sent = send_probes(probe, "minpostel", "minfi", count=2)
    result = take_over(probe, sent, lost_at=0.0, datacenter="dla", timeout=5)
    assert result.mails_sent == 2 and result.mails_lost == 0
    assert result.rto_seconds is not None and result.login_status == 200


def test_a_mailbox_refusing_while_the_converge_restarts_is_read_again(plan: Plan, secrets: Path) -> None:
    # The service is back, then the operator's converge restarts what the mailbox depends on:
    # the drill reads again, counts nothing as lost that arrived, and reports the interruption.
    lab = FakeLab(plan, replicate=True)
    probe = Probe(plan, lab, "minpostel-ws1", "CA", secrets)
    sent = send_probes(probe, "minpostel", "minfi", count=2)
    lab.refuse_inbox = 2
    result = take_over(probe, sent, lost_at=0.0, datacenter="dla", timeout=5)
    assert result.mails_lost == 0 and result.rto_seconds is not None
    assert "refused 2 reading(s)" in result.detail


def test_a_mailbox_that_never_answers_fails_the_drill_plainly(
    plan: Plan, secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(groupware, "READ_AGAIN_SECONDS", 1.0)
    lab = FakeLab(plan, replicate=True)
    probe = Probe(plan, lab, "minpostel-ws1", "CA", secrets)
    sent = send_probes(probe, "minpostel", "minfi", count=1)
    lab.refuse_inbox = 10**6
    with pytest.raises(GroupwareCheckError, match="refused every reading"):
        take_over(probe, sent, lost_at=0.0, datacenter="dla", timeout=2)


def test_the_drill_measures_and_never_runs_the_operator_s_steps(plan: Plan, secrets: Path) -> None:
    # Starting SOGo, promoting, switching names: `egovinfra dr failover` does it, not the probe.
    lab = FakeLab(plan, replicate=True, promoted=False)
    probe = Probe(plan, lab, "minpostel-ws1", "CA", secrets)
    sent = send_probes(probe, "minpostel", "minfi", count=1)
    take_over(probe, sent, lost_at=0.0, datacenter="dla", timeout=2)
    assert not any(argv[0] in ("systemctl", "runuser") for _, argv, _ in lab.calls)


def test_drill_counts_mails_missing_at_the_secondary_as_lost(plan: Plan, secrets: Path) -> None:
    lab = FakeLab(plan, replicate=False)
    probe = Probe(plan, lab, "minpostel-ws1", "CA", secrets)
    sent = send_probes(probe, "minpostel", "minfi", count=3)
    result = take_over(probe, sent, lost_at=0.0, datacenter="dla", timeout=2)
    assert result.mails_lost == 3 and result.rto_seconds is None


def test_drill_mails_go_between_the_first_two_ministries_with_people(plan: Plan) -> None:
    sender, recipient = drill_sites(plan)
    assert sender != recipient
    assert workstation_of(plan, sender)  # the sender's ministry has a workstation to probe from
    assert person_of(plan, recipient).site == recipient


def test_give_back_writes_through_the_secondary_and_finds_it_at_the_primary(plan: Plan, secrets: Path) -> None:
    lab = FakeLab(plan, replicate=True)
    probe = Probe(plan, lab, "minpostel-ws1", "CA", secrets)
    alone = send_probes(probe, "minpostel", "minfi", count=1, datacenter="dla")
    assert give_back(probe, alone, "yde", "dla", timeout=5) >= 0
    sends = [json.loads(stdin or "{}") for _, argv, stdin in lab.calls if "send" in (stdin or "")]
    assert [job["smtp"] for job in sends] == [plan.host("dla-mail").fqdn]
    assert not any(argv[0] == "systemctl" for _, argv, _ in lab.calls)


def test_give_back_fails_loudly_when_the_secondary_s_mail_never_reaches_the_primary(plan: Plan, secrets: Path) -> None:
    lab = FakeLab(plan, replicate=False)
    probe = Probe(plan, lab, "minpostel-ws1", "CA", secrets)
    alone = send_probes(probe, "minpostel", "minfi", count=1, datacenter="dla")
    with pytest.raises(GroupwareCheckError, match="cannot log in at yde-web and find the mail written through dla"):
        give_back(probe, alone, "yde", "dla", timeout=2)


def test_a_mail_not_yet_replicated_at_the_loss_is_the_rpo_not_an_outage(plan: Plan, secrets: Path) -> None:
    lab = FakeLab(plan, replicate=True, replicated_sends=2)
    probe = Probe(plan, lab, "minpostel-ws1", "CA", secrets)
    sent = send_probes(probe, "minpostel", "minfi", count=3)  # accepted at t = 1, 2, 3
    result = take_over(probe, sent, lost_at=3.5, datacenter="dla", timeout=5)
    assert result.rto_seconds is not None  # the sender logs in and finds the first two
    assert result.mails_lost == 1
    assert result.rpo_seconds == 0.5  # the lost mail was sent 0.5 s before the loss
