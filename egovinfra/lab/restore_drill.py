"""The restore drill: three mistakes that replication copies at once, undone from the backups.

The lab only makes the mistakes and measures; every backup and restore is the operator's own
command (`egovinfra backup run`, `egovinfra backup restore ...`), given to this module as
callables by the CLI. For each mistake: how long the restore took, what was lost (what was
written after the target time or after the last backup), and whether the platform is back
to its normal state (PostgreSQL synchronous again, the entry and the mail in both datacenters).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from egovinfra.compile.plan import Plan
from egovinfra.lab.access import LabAccess
from egovinfra.lab.errors import LabError
from egovinfra.lab.waits import must_hold
from egovinfra.poll import until

PG = "runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -d postgres"
TABLE = "egovinfra_restore_drill"
LDAP = "ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H ldapi:///"
# Attributes slapd sets itself: a restored entry has new ones, as any added entry.
OPERATIONAL = ("entryUUID", "entryCSN", "createTimestamp", "modifyTimestamp", "creatorsName", "modifiersName")

Say = Callable[[str], None]


@dataclass(frozen=True)
class Commands:
    """The operator's commands, against the lab's inventory."""

    backup: Callable[[], None]  # egovinfra backup run
    restore_postgresql: Callable[[str], None]  # egovinfra backup restore postgresql --to-time T
    restore_mail: Callable[[str], None]  # egovinfra backup restore mail --user U
    restore_directory: Callable[[str], None]  # egovinfra backup restore directory --dn DN


@dataclass
class Outcome:
    """One mistake undone: what it was, the restore's time, what came back and what was lost."""

    mistake: str
    restore_command: str
    restore_seconds: float = 0.0
    replicated_mistake: bool = False  # the other datacenter had the mistake too before the restore
    before: int = 0  # rows, messages or attributes there were before the mistake
    restored: int = 0  # of those, back after the restore
    lost: int = 0
    lost_why: str = ""


@dataclass
class DrillReport:
    """The whole drill, as reports/restore-drill.json holds it."""

    backup_seconds: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)
    synchronous_again_seconds: float = 0.0
    standby_rows: int = 0

    def as_dict(self) -> dict[str, object]:
        """The report as JSON data."""
        return asdict(self)


def _eventually(check: Callable[[], bool], timeout: float) -> bool:
    try:
        return until(check, timeout) is not None
    except LabError:
        return False


def _timed(step: Callable[[], None]) -> float:
    start = time.monotonic()
    step()
    return round(time.monotonic() - start, 1)


class Lab:
    """The hosts the drill works on, and how it reads and writes them."""

    def __init__(self, access: LabAccess, plan: Plan) -> None:
        self.access, self.plan = access, plan
        active, others = plan.active.name, [dc.name for dc in plan.datacenters if dc.name != plan.active.name]
        database = plan.replication("database")
        self.primary, self.standbys = database.primary, [h for h in database.replicas if plan.serving(plan.host(h))]
        self.mail = self._only("mail", active)
        self.other_mail = self._only("mail", others[0]) if others else self.mail
        self.ldap = self._only("directory", active)
        self.other_ldap = self._only("directory", others[0]) if others else self.ldap

    def _only(self, function: str, datacenter: str) -> str:
        found = sorted(h.name for h in self.plan.hosts if function in h.roles and h.scope == datacenter)
        if not found:
            raise LabError(f"{datacenter} has no {function} host")
        return found[0]

    def sql(self, host: str, query: str) -> str:
        return self.access.must(host, f"{PG} -c {shlex.quote(query)}", timeout=60).strip()

    def rows(self, host: str) -> int:
        exists = self.sql(host, f"SELECT to_regclass('{TABLE}') IS NOT NULL")
        return int(self.sql(host, f"SELECT count(*) FROM {TABLE}")) if exists == "t" else 0

    def messages(self, host: str, user: str) -> int:
        out = self.access.must(host, f"doveadm -f flow mailbox status -u {shlex.quote(user)} messages '*'").split()
        return sum(int(word.split("=", 1)[1]) for word in out if word.startswith("messages="))

    def deliver(self, user: str, subject: str) -> None:
        message = f"From: drill@{self.plan.domain}\nTo: {user}\nSubject: {subject}\n\nrestore drill\n"
        self.access.must(self.mail, f"doveadm save -u {shlex.quote(user)} -m INBOX", input_text=message)

    def entry(self, host: str, dn: str) -> set[str]:
        done = self.access.ssh(host, f"{LDAP} -b {shlex.quote(dn)} -s base '*'")
        if done.returncode == 32:  # no such object
            return set()
        if done.returncode != 0:
            raise LabError(f"{host}: ldapsearch {dn}: exit {done.returncode}: {done.stderr.strip()}")
        return {line for line in done.stdout.splitlines() if line and not line.startswith(OPERATIONAL)}

    def synchronous(self) -> bool:
        states = self.sql(
            self.primary,
            "SELECT coalesce(string_agg(sync_state, ','), '') FROM pg_stat_replication WHERE state = 'streaming'",
        )
        return bool(self.standbys) and any(s in ("sync", "quorum") for s in states.split(","))


def run(access: LabAccess, plan: Plan, commands: Commands, say: Say) -> DrillReport:
    """Back up, make the three mistakes, undo each with the operator's command, and measure."""
    if not plan.backups.jobs:
        raise LabError(f"{plan.name}: the topology asks for no backups")
    if not plan.directory.people or len(plan.directory.people) < 2:
        raise LabError("the drill needs two people in the directory (one mailbox, one entry)")
    lab = Lab(access, plan)
    mailbox = plan.directory.people[0].uid
    dn = plan.directory.dn(plan.directory.people[1])
    report = DrillReport()

    say(f"prepare: {TABLE} on {lab.primary}, mail for {mailbox} on {lab.mail}")
    lab.sql(lab.primary, f"DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} (id int PRIMARY KEY, at timestamptz)")
    lab.sql(lab.primary, f"INSERT INTO {TABLE} SELECT g, now() FROM generate_series(1, 1000) g")
    for number in range(3):
        lab.deliver(mailbox, f"before the backup {number}")
    say("backup: egovinfra backup run (every kind, PostgreSQL differential)")
    report.backup_seconds = _timed(commands.backup)

    # After the backup: the WAL archive must bring these back (PITR), the nightly backups cannot.
    lab.sql(lab.primary, f"INSERT INTO {TABLE} SELECT g, now() FROM generate_series(1001, 1100) g")
    lab.deliver(mailbox, "after the backup")
    rows_before = lab.rows(lab.primary)
    time.sleep(1.0)
    target = lab.sql(lab.primary, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
    time.sleep(1.0)
    lab.sql(lab.primary, f"INSERT INTO {TABLE} SELECT g, now() FROM generate_series(1101, 1110) g")  # after T
    messages_before = lab.messages(lab.mail, mailbox)
    entry_before = lab.entry(lab.ldap, dn)
    if not entry_before:
        raise LabError(f"{dn} is not in the directory on {lab.ldap}")

    say(f"mistakes: DROP TABLE {TABLE}; every message of {mailbox} expunged; {dn} deleted")
    lab.sql(lab.primary, f"DROP TABLE {TABLE}")
    access.must(lab.mail, f"doveadm expunge -u {shlex.quote(mailbox)} mailbox '*' all")
    access.must(lab.ldap, f"ldapdelete -Q -Y EXTERNAL -H ldapi:/// {shlex.quote(dn)}")
    dropped = all(_eventually(lambda s=s: lab.rows(s) == 0, 10) for s in lab.standbys)  # type: ignore[misc]
    expunged = _eventually(lambda: lab.messages(lab.other_mail, mailbox) == 0, 30)
    deleted = _eventually(lambda: not lab.entry(lab.other_ldap, dn), 20)

    database = Outcome(
        f"DROP TABLE {TABLE} on {lab.primary}", f"egovinfra backup restore postgresql --to-time {target}"
    )
    database.replicated_mistake = dropped
    database.restore_seconds = _timed(lambda: commands.restore_postgresql(target))
    database.before = rows_before
    database.restored = lab.rows(lab.primary)
    database.lost = rows_before + 10 - database.restored
    database.lost_why = "the 10 rows committed after the target time (1 s before the DROP)"
    report.outcomes.append(database)

    mail = Outcome(
        f"every message of {mailbox} expunged on {lab.mail}", f"egovinfra backup restore mail --user {mailbox}"
    )
    mail.replicated_mistake = expunged
    mail.restore_seconds = _timed(lambda: commands.restore_mail(mailbox))
    mail.before = messages_before
    mail.restored = lab.messages(lab.mail, mailbox)
    mail.lost = max(0, messages_before - mail.restored)
    mail.lost_why = "mail delivered after the last backup (nightly)"
    report.outcomes.append(mail)

    entry = Outcome(f"{dn} deleted on {lab.ldap}", f"egovinfra backup restore directory --dn {dn}")
    entry.replicated_mistake = deleted
    entry.restore_seconds = _timed(lambda: commands.restore_directory(dn))
    after = lab.entry(lab.ldap, dn)
    entry.before, entry.restored = len(entry_before), len(entry_before & after)
    entry.lost = len(entry_before - after)
    entry.lost_why = "attribute values changed after the last backup (nightly)"
    report.outcomes.append(entry)

    say("health: PostgreSQL synchronous again, the restored data in the other datacenter")
    report.synchronous_again_seconds = round(must_hold("a synchronous standby", lab.synchronous, 180), 1)
    for standby in lab.standbys:
        must_hold(f"the restored rows on {standby}", lambda s=standby: lab.rows(s) == database.restored, 60)  # type: ignore[misc]
    report.standby_rows = lab.rows(lab.standbys[0]) if lab.standbys else 0
    must_hold(f"{dn} on {lab.other_ldap}", lambda: bool(lab.entry(lab.other_ldap, dn)), 60)
    must_hold(
        f"{mailbox}'s mail on {lab.other_mail}",
        lambda: lab.messages(lab.other_mail, mailbox) >= mail.restored,
        120,
    )
    lab.sql(lab.primary, f"DROP TABLE IF EXISTS {TABLE}")
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    say(f"drill done at {stamp}")
    return report
