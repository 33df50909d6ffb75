"""Backups in the Plan: repositories in another datacenter, retention and schedules from the
topology, the flows they need, and located errors for bad input. Expectations come from the
topology's own text (which datacenter a host is in, what `backup:` says), not from the compiler."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from egovinfra.cli.topology_cmds import load_plan
from egovinfra.compile.plan import Plan
from egovinfra.dr.backups import BackupInputError, Record, restore_target, stale, status_rows
from egovinfra.model.operations import Operations
from egovinfra.render.configs import render_configs
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.inventory import render_inventory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def topology(tmp_path: Path) -> Path:
    copy = tmp_path / "cameroon"
    shutil.copytree(ROOT / "topology" / "cameroon", copy, ignore=shutil.ignore_patterns("state"))
    return copy


def _intent(topology: Path) -> dict[str, object]:
    return dict(yaml.safe_load((topology / "topology.yaml").read_text()))


def _edit(topology: Path, old: str, new: str) -> None:
    path = topology / "topology.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _state(topology: Path, text: str) -> None:
    (topology / "state").mkdir(exist_ok=True)
    (topology / "state" / "production.yaml").write_text(text)


def _datacenter_of(intent: dict[str, object], host: str) -> str:
    """A host's datacenter read from the topology's naming (<datacenter>-<host>)."""
    datacenters = intent["datacenters"]
    assert isinstance(datacenters, dict)
    scope = host.split("-", 1)[0]
    assert scope in datacenters
    return scope


def _config(ctx: RenderContext, host: str, path: str) -> str:
    """A host's file as the offline renderer writes it from the role's template."""
    return render_configs(ctx, ctx.plan.host(host))[f"configs/{host}/{path}"].decode()


def test_every_backup_goes_to_another_datacenter(topology: Path) -> None:
    intent = _intent(topology)
    plan = load_plan(topology, "production")
    kinds = {(j.kind, j.datacenter) for j in plan.backups.jobs}
    # The intent: every datacenter's directory, mail and files; PostgreSQL once, from the primary.
    assert kinds == {(k, dc) for k in ("directory", "mail", "files") for dc in ("yde", "dla")} | {("postgresql", "yde")}
    for job in plan.backups.jobs:
        assert _datacenter_of(intent, job.repository) != job.datacenter, job
        assert "backup_repository" in plan.host(job.repository).roles
        assert _datacenter_of(intent, job.source) == job.datacenter
    postgresql = next(j for j in plan.backups.jobs if j.kind == "postgresql")
    assert postgresql.runner == postgresql.repository  # pgBackRest backs up from the repository host
    assert plan.backups.stanza == intent["name"]


def test_retention_and_schedule_come_from_the_topology(topology: Path) -> None:
    _edit(topology, "retention_full: 2", "retention_full: 5")
    _edit(topology, 'mail: "*-*-* 02:30"', 'mail: "Mon..Fri *-*-* 23:15"')
    plan = load_plan(topology, "production")
    assert plan.backups.retention_full == 5
    ctx = RenderContext(plan, "production")
    inventory = {p: yaml.safe_load(c) for p, c in render_inventory(ctx, prefix="").items()}
    mail = inventory["host_vars/yde-mail.yml"]["backup_jobs"]
    assert [(j["kind"], j["calendar"]) for j in mail] == [("mail", "Mon..Fri *-*-* 23:15")]
    repository = next(j.repository for j in plan.backups.jobs if j.kind == "postgresql")
    conf = _config(ctx, repository, "etc/pgbackrest/pgbackrest.conf")
    assert "repo1-retention-full=5\n" in conf
    assert "repo1-cipher-type=aes-256-cbc\n" in conf
    assert "cipher-pass" not in conf  # the passphrase is put on the host at converge time only


def test_the_archives_retention_comes_from_the_topology(topology: Path) -> None:
    _edit(topology, "keep_daily: 7", "keep_daily: 12")
    _edit(topology, "keep_weekly: 4", "keep_weekly: 9")
    plan = load_plan(topology, "production")
    ctx = RenderContext(plan, "production")
    inventory = {p: yaml.safe_load(c) for p, c in render_inventory(ctx, prefix="").items()}
    sources = {j.source for j in plan.backups.jobs if j.kind != "postgresql"}
    assert sources
    for source in sources:
        merged = {**inventory.get("group_vars/all.yml", {}), **inventory[f"host_vars/{source}.yml"]}
        assert (merged["backup_keep_daily"], merged["backup_keep_weekly"]) == (12, 9), source


def test_the_stanza_s_database_and_repository_name_each_other(topology: Path) -> None:
    plan = load_plan(topology, "production")
    ctx = RenderContext(plan, "production")
    db = _config(ctx, "yde-db", "etc/pgbackrest/pgbackrest.conf")
    repo = _config(ctx, "dla-files", "etc/pgbackrest/pgbackrest.conf")
    assert f"repo1-host={plan.host('dla-files').fqdn}\n" in db
    assert f"tls-server-auth={plan.host('dla-files').fqdn}={plan.name}\n" in db
    assert f"pg1-host={plan.host('yde-db').fqdn}\n" in repo
    assert f"tls-server-auth={plan.host('yde-db').fqdn}={plan.name}\n" in repo
    archive = _config(ctx, "yde-db", "etc/postgresql/15/main/conf.d/egovinfra-backup.conf")
    assert "archive_mode = on" in archive and f"--stanza={plan.name} archive-push" in archive


def test_after_a_failover_the_new_primary_is_backed_up_and_nothing_from_the_fenced_side(topology: Path) -> None:
    _state(topology, "active: dla\ngeneration: 2\nfenced: [yde]\n")
    plan = load_plan(topology, "production")
    postgresql = next(j for j in plan.backups.jobs if j.kind == "postgresql")
    assert postgresql.source == "dla-db"
    # The other datacenter is fenced: the active one's own repository keeps the backups going.
    assert postgresql.repository == "dla-files"
    assert {j.datacenter for j in plan.backups.jobs} == {"dla"}


def test_sshd_lets_each_source_in_as_the_backup_account_only_where_it_backs_up(topology: Path) -> None:
    plan = load_plan(topology, "production")
    ctx = RenderContext(plan, "production")
    inventory = {p: yaml.safe_load(c) for p, c in render_inventory(ctx, prefix="").items()}
    for host in plan.hosts:
        if not host.managed:
            continue
        allowed = inventory[f"host_vars/{host.name}.yml"]["common_ssh_allow_users"]
        sources = {j.source for j in plan.backups.jobs if j.repository == host.name and j.kind != "postgresql"}
        assert allowed == sorted(f"egovbackup@{plan.host(s).address}" for s in sources)


def test_the_backup_flows_are_opened_and_no_more(topology: Path) -> None:
    plan = load_plan(topology, "production")
    from egovinfra.compile.policy.access import flows_reaching

    port = plan.endpoint("pgbackrest").port
    # Repository hosts take pgBackRest from the database hosts; a ministry site may not.
    assert flows_reaching(plan, plan.host("dla-files"), port, plan.host("yde-db").address)
    assert not flows_reaching(plan, plan.host("dla-files"), port, plan.sites[0].lan.split("/")[0])


def _located(cli, topology: Path, pattern: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("validate", str(topology))
    assert result.code == 2, result
    assert "Traceback" not in result.stderr
    assert re.search(pattern, result.stderr), result.stderr


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        ("retention_full: 2", "retention_full: 0", r"topology\.yaml:\d+: backup\.retention_full: "),
        ("retention_diff: 6", "retention_diff: lots", r"topology\.yaml:\d+: backup\.retention_diff: "),
        ("full: Sun *-*-* 01:00", "full: Sunday at 1am", r"topology\.yaml:\d+: backup\.schedule\.full: .*calendar"),
        ('files: "*-*-* 03:00"', 'files: "*-*-* 25:00"', r"topology\.yaml:\d+: backup\.schedule\.files: "),
        ("keep_daily: 7", "keep_dayly: 7", r"topology\.yaml:\d+: backup\.keep_dayly: "),
    ],
)
def test_bad_backup_settings_are_located(cli, topology: Path, old: str, new: str, pattern: str) -> None:  # type: ignore[no-untyped-def]
    _edit(topology, old, new)
    _located(cli, topology, pattern)


def test_a_datacenter_without_a_repository_host_is_located(cli, topology: Path) -> None:  # type: ignore[no-untyped-def]
    # dla gets its own hosts without a repository; yde keeps its own.
    text = (topology / "topology.yaml").read_text()
    text = text.replace("    hosts: *hosts\n", "    hosts:\n      db: {zone: data, id: 10, roles: [database]}\n"
                        "      ldap: {zone: data, id: 11, roles: [directory]}\n"
                        "      mail: {zone: app, id: 11, roles: [mail]}\n"
                        "      files: {zone: data, id: 12, roles: [filestore]}\n"
                        "      groupware: {zone: app, id: 10, roles: [groupware_app]}\n"
                        "      web: {zone: dmz, id: 10, roles: [groupware_web]}\n"
                        "      dns: {zone: dmz, id: 11, roles: [dns]}\n"
                        "      hub: {zone: edge, id: 2, roles: [vpn_hub]}\n"
                        "      bastion: {zone: mgmt, id: 10, roles: [bastion]}\n", 1)  # fmt: skip
    (topology / "topology.yaml").write_text(text)
    _located(cli, topology, r"topology\.yaml:\d+: datacenters\.dla\.hosts: backups need exactly one host with role")


def test_a_backup_path_no_flow_allows_is_located(cli, topology: Path) -> None:  # type: ignore[no-untyped-def]
    _edit(
        topology, "    from: {zones: [data, app]}\n    to: [backup]\n", "    from: {zones: [data]}\n    to: [backup]\n"
    )
    _located(cli, topology, r"topology\.yaml:\d+: flows: mail backup: no flow lets yde-mail")


def test_a_restore_target_must_say_its_zone_and_be_past() -> None:
    now = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
    assert restore_target("2026-11-30T18:20:00.5Z", now) == "2026-11-30 18:20:00.500000+00"
    assert restore_target("2026-11-30T19:20:00+01:00", now) == "2026-11-30 18:20:00.000000+00"
    for bad in ("2026-11-30T18:20:00", "yesterday", "2026-12-01T00:00:00Z"):
        with pytest.raises(BackupInputError):
            restore_target(bad, now)


@settings(max_examples=50, deadline=None)
@given(hours=st.integers(min_value=1, max_value=24 * 90), minutes=st.integers(min_value=1, max_value=59))
def test_a_backup_older_than_the_alert_threshold_is_stale(hours: int, minutes: int) -> None:
    record = Record.from_json("h", {"kind": "mail", "datacenter": "yde", "last_success": 0.0, "size": 1})
    assert not stale(record, hours * 3600.0 - minutes * 60, hours)
    assert stale(record, hours * 3600.0 + minutes * 60, hours)
    never = Record.from_json("h", {"kind": "mail", "datacenter": "yde", "result": "failed: x"})
    assert stale(never, 0.0, hours)


def test_backup_status_flags_old_backups_at_the_topology_s_alert_threshold(topology: Path) -> None:
    # `backup status` and the BackupTooOld alert read the same setting of the topology.
    _edit(topology, "backup_max_age_hours: 26", "backup_max_age_hours: 50")
    plans = {26: load_plan(ROOT / "topology" / "cameroon", "production"), 50: load_plan(topology, "production")}
    now = 40 * 3600.0  # every record below is 40 h old
    for max_age, plan in plans.items():
        jobs = sorted(plan.backups.jobs, key=lambda j: (j.kind, j.datacenter))
        silent, never = jobs[0], jobs[1]
        records = {
            (j.kind, j.datacenter): Record.from_json(
                j.runner, {"kind": j.kind, "datacenter": j.datacenter, "last_success": 0.0, "size": 1, "result": "ok"}
            )
            for j in jobs
            if j is not never
        }
        rows = status_rows(plan, records, frozenset({silent.runner}), now)
        assert [(r.kind, r.datacenter) for r in rows] == [(j.kind, j.datacenter) for j in jobs]
        late = {(r.kind, r.datacenter) for r in rows if r.late}
        expected = {(j.kind, j.datacenter) for j in jobs if max_age < 40 or j.runner == silent.runner or j is never}
        assert late == expected, max_age


def _plan_in(topology: Path, active: str, fenced: tuple[str, ...]) -> Plan:
    from egovinfra.compile import compile_loaded
    from egovinfra.model import load_topology

    loaded = load_topology(topology)
    return compile_loaded(loaded, Operations(active=active, generation=2, fenced=fenced))


@settings(max_examples=4, deadline=None)
@given(active=st.sampled_from(["yde", "dla"]), fence_other=st.booleans())
def test_a_repository_is_in_the_data_s_datacenter_only_while_every_other_is_fenced(
    active: str, fence_other: bool
) -> None:
    other = "dla" if active == "yde" else "yde"
    plan = _plan_in(ROOT / "topology" / "cameroon", active, (other,) if fence_other else ())
    assert plan.backups.jobs
    for job in plan.backups.jobs:
        assert plan.host(job.source).scope != other or not fence_other  # nothing from a fenced datacenter
        same = plan.host(job.repository).scope == job.datacenter
        assert same == fence_other, job
    assert next(j for j in plan.backups.jobs if j.kind == "postgresql").datacenter == active
