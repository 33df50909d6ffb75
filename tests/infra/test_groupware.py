"""The groupware between administrations: its services in both datacenters, a civil servant's
HTTPS login from a ministry workstation through the tunnel, a mail from one ministry to another,
and the directory, database and mailboxes replicated to the secondary."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from testinfra.host import Host as InfraHost

from egovinfra.compile.plan import Host, Plan
from egovinfra.pki import resolve_pki_dir
from egovinfra.verify.context import LabContext
from egovinfra.verify.groupware import (
    Probe,
    Runner,
    ca_bundle,
    new_token,
    only,
    person_of,
    wait_for,
    workstation_of,
)

# Two ministries: each one's civil servant works from a workstation of his own ministry.
SITES = ("minpostel", "minfi")


def _hosts(plan: Plan, lab: LabContext, function: str) -> list[Host]:
    found = [h for h in plan.hosts if function in h.roles and h.kind == "datacenter"]
    missing = [h.name for h in found if h.name not in lab.hosts]
    if not found or missing:
        pytest.skip(f"{function}: not in the lab ({', '.join(missing) or 'none in the topology'})")
    return found


@pytest.fixture(scope="module")
def runner(lab: LabContext) -> Runner:
    """Run an argv on a lab host with `stdin` (secrets travel there, never in argv)."""

    def run(host: str, argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        command = ["ssh", "-F", str(lab.ssh_config), host, "--", shlex.join(argv)]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=90, check=False)

    return run


def probe_from(plan: Plan, lab: LabContext, runner: Runner, site: str) -> Probe:
    """Probes from `site`'s first workstation."""
    workstation = workstation_of(plan, site)
    if workstation not in lab.hosts:
        pytest.skip(f"{workstation} is not in the lab")
    return Probe(plan, runner, workstation, ca_bundle(resolve_pki_dir(plan.name)))


@pytest.mark.parametrize(
    ("function", "units", "ports"),
    [
        ("directory", ["slapd"], [389, 636]),
        ("mail", ["postfix", "dovecot"], [25, 587, 143, 993, 12345]),
        ("groupware_web", ["nginx"], [443]),
        ("groupware_app", ["memcached"], []),
    ],
)
def test_services_run_in_every_datacenter(
    plan: Plan, lab: LabContext, hosts: Callable[[str], InfraHost], function: str, units: list[str], ports: list[int]
) -> None:
    for host in _hosts(plan, lab, function):
        remote = hosts(host.name)
        for unit in units:
            assert remote.service(unit).is_running, f"{host.name}: {unit} is not running"
        for port in ports:
            assert (
                remote.socket(f"tcp://0.0.0.0:{port}").is_listening
                or remote.socket(f"tcp://{host.address}:{port}").is_listening
            ), f"{host.name}: nothing listens on tcp/{port}"


def test_sogo_is_active_in_the_primary_and_standing_by_in_the_secondary(
    plan: Plan, lab: LabContext, hosts: Callable[[str], InfraHost]
) -> None:
    for host in _hosts(plan, lab, "groupware_app"):
        remote = hosts(host.name)
        # sogod on the loopback only: the front ends reach it through TLS (nginx) on the host's address.
        assert remote.file("/etc/sogo/sogo.conf").contains('WOPort = "127.0.0.1:20000"')
        assert remote.socket(f"tcp://{host.address}:20000").is_listening
        assert remote.service("nginx").is_running, f"{host.name}: the TLS front should run"
        if host.scope == plan.primary.name:
            assert remote.service("sogo").is_running, f"{host.name}: SOGo should serve"
            assert remote.socket("tcp://127.0.0.1:20000").is_listening
        else:
            # Its database is a read-only standby until the failover promotes it.
            assert not remote.service("sogo").is_running, f"{host.name}: SOGo should stand by"


def test_directory_is_replicated_to_every_consumer(
    plan: Plan, lab: LabContext, hosts: Callable[[str], InfraHost]
) -> None:
    directory = _hosts(plan, lab, "directory")
    search = "ldapsearch -LLL -Q -Y EXTERNAL -H ldapi:/// -b %s -s base contextCSN"
    people = "ldapsearch -LLL -Q -Y EXTERNAL -H ldapi:/// -b %s %s uid"
    everyone = "(objectClass=inetOrgPerson)"
    provider = next(h for h in directory if h.scope == plan.primary.name)
    expected = hosts(provider.name).check_output(search, plan.directory.suffix)
    for consumer in (h for h in directory if h is not provider):
        remote = hosts(consumer.name)
        assert wait_for(lambda r=remote: r.check_output(search, plan.directory.suffix) == expected, 30), (
            f"{consumer.name}: contextCSN differs from {provider.name}'s"
        )
        uids = {
            line.split(": ", 1)[1]
            for line in remote.check_output(people, plan.directory.people_dn, everyone).splitlines()
            if line.startswith("uid: ")
        }
        assert uids == {p.uid for p in plan.directory.people}


@pytest.mark.parametrize("site", SITES)
def test_https_login_from_a_ministry_workstation(plan: Plan, lab: LabContext, runner: Runner, site: str) -> None:
    probe = probe_from(plan, lab, runner, site)
    person = person_of(plan, site)
    status, session = probe.login(person, only(plan, "groupware_web", plan.primary.name))
    assert (status, session) == (200, True), f"login of {person.uid} answered {status}, session cookie: {session}"


@pytest.mark.parametrize(("sender_site", "recipient_site"), [SITES, SITES[::-1]])
def test_a_mail_between_two_ministries_is_delivered_and_replicated(
    plan: Plan,
    lab: LabContext,
    runner: Runner,
    record_property: Callable[[str, object], None],
    sender_site: str,
    recipient_site: str,
) -> None:
    probe = probe_from(plan, lab, runner, sender_site)
    sender, recipient = person_of(plan, sender_site), person_of(plan, recipient_site)
    mail = only(plan, "mail", plan.primary.name)
    token = new_token()
    probe.send(sender, recipient, mail, token)
    delivered = wait_for(lambda: probe.find(recipient, mail, "INBOX", token) == 1, 30)
    assert delivered is not None, f"{recipient.mail} did not receive {token} on {mail.name}"
    record_property("delivery_s", round(delivered, 2))
    for dc in plan.secondaries:
        replica = only(plan, "mail", dc.name)
        if replica.name not in lab.hosts:
            continue
        replicated = wait_for(lambda r=replica: probe.find(recipient, r, "INBOX", token) == 1, 60)
        assert replicated is not None, f"{token} did not reach {replica.name}"
        record_property(f"{replica.name}.replication_s", round(replicated, 2))


def test_sogo_database_is_streamed_to_the_standby(
    plan: Plan, lab: LabContext, hosts: Callable[[str], InfraHost]
) -> None:
    query = "runuser -u postgres -- psql -XAt -d sogo -c %s"
    tables = "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'sogo_%'"
    for db in _hosts(plan, lab, "database"):
        remote = hosts(db.name)
        # SOGo creates its tables at the first login (test above): they must be everywhere.
        assert wait_for(lambda r=remote: int(r.check_output(query, tables)) >= 1, 30), (
            f"{db.name}: no SOGo table in the sogo database"
        )


def test_no_groupware_secret_is_readable_by_others(
    plan: Plan, lab: LabContext, hosts: Callable[[str], InfraHost]
) -> None:
    files = {
        "groupware_app": ["/etc/sogo/sogo.pgpass"],
        "mail": ["/etc/dovecot/private/doveadm.secret", "/etc/egovinfra/tls/key.pem"],
        "directory": ["/etc/egovinfra/tls/key.pem"],
        "groupware_web": ["/etc/egovinfra/tls/key.pem"],
    }
    for function, paths in files.items():
        for host in _hosts(plan, lab, function):
            for path in paths:
                mode = hosts(host.name).file(path).mode
                assert mode & 0o007 == 0, f"{host.name}:{path} is readable by others ({oct(mode)})"


def test_the_secrets_folder_is_outside_the_repository(plan: Plan) -> None:
    from egovinfra.verify.groupware import secrets_dir

    repo = Path(__file__).resolve().parents[2]
    assert repo not in secrets_dir(plan).resolve().parents
