"""egovinfra-slapd-config's pure parts: reading slapcat's LDIF, and the change set it sends live.

The real slapd is driven in tests/root/test_slapd_config_live.py.
"""

from __future__ import annotations

import base64
import importlib.machinery
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = (
    Path(__file__).resolve().parents[2]
    / "roles" / "ldap" / "files" / "usr" / "local" / "sbin" / "egovinfra-slapd-config"
)  # fmt: skip
MDB = "olcDatabase={1}mdb,cn=config"
OVERLAY = "olcOverlay={0}syncprov," + MDB

CONSUMER = f"""# a comment, then the entries
dn: cn=config
objectClass: olcGlobal
cn: config
olcLogLevel: stats
olcTLSCertificateFile: /etc/egovinfra/tls/cert.pem
structuralObjectClass: olcGlobal
entryUUID: 0b5e3c0e-1b1c-4e0e-8f4f-000000000001
creatorsName: cn=config
createTimestamp: 20261201100000Z
entryCSN: 20261201100000.000000Z#000000#000#000000
modifiersName: cn=config
modifyTimestamp: 20261201100000Z

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: {{0}}back_mdb
olcModuleLoad: {{1}}argon2

dn: {MDB}
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: dc=gov
olcDbDirectory: /var/lib/ldap
olcDbIndex: objectClass eq
olcDbIndex: uid,mail eq
olcAccess: {{0}}to * by self read by * none
olcSyncrepl: {{0}}rid=001 provider=ldaps://yde-ldap searchbase="dc=gov"
  type=refreshAndPersist
contextCSN: 20261201100000.000000Z#000000#000#000000

"""

PROVIDER = f"""dn: cn=config
objectClass: olcGlobal
cn: config
olcLogLevel: stats
olcTLSCertificateFile: /etc/egovinfra/tls/cert.pem

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: {{0}}back_mdb
olcModuleLoad: {{1}}argon2
olcModuleLoad: {{2}}syncprov

dn: {OVERLAY}
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: {{0}}syncprov
olcSpCheckpoint: 1 1

dn: {MDB}
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: dc=gov
olcDbDirectory: /var/lib/ldap
olcDbIndex: uid,mail eq
olcDbIndex: objectClass eq
olcLimits: {{0}}dn.exact="cn=dla-ldap,ou=replicas,dc=gov" size=unlimited
olcAccess: {{0}}to * by dn.exact="cn=dla-ldap,ou=replicas,dc=gov" read by self read by * none
olcAccess: {{1}}to dn.base="" by * read
"""


@pytest.fixture(scope="module")
def script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("egovinfra_slapd_config", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name while they are built.
    sys.modules[loader.name] = module
    loader.exec_module(module)
    return module


def _plan(script: ModuleType, live: str, target: str) -> list[tuple[str, str, str, tuple[str, ...]]]:
    changes = script.changes(script.entries(live), script.entries(target))
    return [(c.dn, c.kind, c.name, c.values) for c in changes]


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_folded_lines_are_joined_and_comments_dropped(script: ModuleType) -> None:
    mdb = script.entries(CONSUMER)[MDB.lower()]
    assert mdb.values["olcsyncrepl"] == [
        '{0}rid=001 provider=ldaps://yde-ldap searchbase="dc=gov" type=refreshAndPersist'
    ]
    assert mdb.names["olcsyncrepl"] == "olcSyncrepl"
    assert list(script.entries(CONSUMER)) == ["cn=config", "cn=module{0},cn=config", MDB.lower()]


def test_a_folded_comment_is_dropped_whole(script: ModuleType) -> None:
    text = "dn: cn=config\n# a remark\n cn: not an attribute\nolcLogLevel: st\n ats\ncn: config\n"
    entry = script.entries(text)["cn=config"]
    assert entry.values == {"olcloglevel": ["stats"], "cn": ["config"]}


def test_base64_values_are_decoded_dn_included(script: ModuleType) -> None:
    acl = "{0}to * by * none "  # a trailing space: LDIF can only carry it in base64
    b64 = base64.b64encode(acl.encode()).decode()
    text = f"version: 1\n\ndn:: {base64.b64encode(b'cn=config').decode()}\nolcAccess:: {b64}\nolcX:: w6k=\n"
    entry = script.entries(text)["cn=config"]
    assert entry.dn == "cn=config"
    assert entry.values == {"olcaccess": [acl], "olcx": ["é"]}


def test_operational_attributes_are_ignored(script: ModuleType) -> None:
    live = script.entries(CONSUMER)
    assert set(live["cn=config"].values) == {"objectclass", "cn", "olcloglevel", "olctlscertificatefile"}
    assert "contextcsn" not in live[MDB.lower()].values
    stripped = "\n".join(line for line in CONSUMER.splitlines() if not line.startswith(("entry", "creat", "modif")))
    assert script.differences(script.entries(stripped), live) == []


def test_an_unknown_line_is_an_error_not_a_silent_skip(script: ModuleType) -> None:
    with pytest.raises(ValueError, match="not an LDIF line"):
        script.entries("dn: cn=config\nno colon here\n")
    with pytest.raises(ValueError, match="does not start with dn"):
        script.entries("cn: config\n")
    with pytest.raises(ValueError, match="by URL"):
        script.entries("dn: cn=config\nolcX:< file:///etc/passwd\n")


def test_identical_configurations_need_nothing(script: ModuleType) -> None:
    assert _plan(script, CONSUMER, CONSUMER) == []
    # The order of an unordered attribute's values is no difference.
    reordered = _edit(
        CONSUMER,
        "olcDbIndex: objectClass eq\nolcDbIndex: uid,mail eq",
        "olcDbIndex: uid,mail eq\nolcDbIndex: objectClass eq",
    )
    assert script.differences(script.entries(reordered), script.entries(CONSUMER)) == []


def test_the_consumer_becomes_the_provider_module_first_then_the_overlay(script: ModuleType) -> None:
    assert _plan(script, CONSUMER, PROVIDER) == [
        ("cn=module{0},cn=config", "add", "olcModuleLoad", ("{2}syncprov",)),
        (OVERLAY, "entry", "", ()),
        (MDB, "replace", "olcLimits", ('{0}dn.exact="cn=dla-ldap,ou=replicas,dc=gov" size=unlimited',)),
        (
            MDB,
            "replace",
            "olcAccess",
            (
                '{0}to * by dn.exact="cn=dla-ldap,ou=replicas,dc=gov" read by self read by * none',
                '{1}to dn.base="" by * read',
            ),
        ),
        (MDB, "delete", "olcSyncrepl", ()),
    ]


def test_the_change_set_is_ldif_for_ldapmodify(script: ModuleType) -> None:
    changes = script.changes(script.entries(CONSUMER), script.entries(PROVIDER))
    ldif = script.change_ldif(changes)
    assert ldif.startswith(
        "dn: cn=module{0},cn=config\nchangetype: modify\nadd: olcModuleLoad\nolcModuleLoad: {2}syncprov\n-\n\n"
        f"dn: {OVERLAY}\nchangetype: add\nobjectClass: olcOverlayConfig\nobjectClass: olcSyncProvConfig\n"
        "olcOverlay: {0}syncprov\nolcSpCheckpoint: 1 1\n\n"
    )
    assert f"dn: {MDB}\nchangetype: modify\ndelete: olcSyncrepl\n-\n" in ldif
    # Parsed back as LDIF, the added entry is the target's entry, whole.
    added = [script.records(r)[0] for r in ldif.split("\n\n") if "changetype: add" in r]
    assert added == [[("dn", OVERLAY), ("changetype", "add"), *[
        ("objectClass", "olcOverlayConfig"), ("objectClass", "olcSyncProvConfig"),
        ("olcOverlay", "{0}syncprov"), ("olcSpCheckpoint", "1 1"),
    ]]]  # fmt: skip


def test_values_ldif_cannot_hold_as_they_are_go_in_base64(script: ModuleType) -> None:
    assert script.ldif_line("olcX", "plain value") == "olcX: plain value"
    for value in (" leading", "trailing ", ":colon", "<angle", "é", "two\nlines"):
        line = script.ldif_line("olcX", value)
        assert line.startswith("olcX:: ")
        assert script.records(f"dn: cn=x\n{line}\n")[0][1] == ("olcX", value)


def test_new_entries_are_added_parent_first(script: ModuleType) -> None:
    child = "dn: olcOverlay={0}syncprov,olcDatabase={2}mdb,cn=config\nobjectClass: olcOverlayConfig\n\n"
    parent = "dn: olcDatabase={2}mdb,cn=config\nobjectClass: olcDatabaseConfig\n\n"
    plan = _plan(script, CONSUMER, CONSUMER + child + parent)
    assert [dn for dn, kind, *_ in plan if kind == "entry"] == [
        "olcDatabase={2}mdb,cn=config",
        "olcOverlay={0}syncprov,olcDatabase={2}mdb,cn=config",
    ]


@pytest.mark.parametrize(
    ("live", "target", "reason"),
    [
        # provider -> consumer: the overlay entry goes.
        (PROVIDER, CONSUMER, f"entry removed: {OVERLAY}"),
        (CONSUMER, _edit(CONSUMER, "objectClass: olcMdbConfig", "objectClass: olcHdbConfig"), "objectClass changed"),
        (CONSUMER, _edit(CONSUMER, "olcSuffix: dc=gov", "olcSuffix: dc=gouv"), "olcSuffix changed"),
        (CONSUMER, _edit(CONSUMER, "olcDbDirectory: /var/lib/ldap", "olcDbDirectory: /srv/ldap"), "olcDbDirectory"),
        (CONSUMER, _edit(CONSUMER, "olcDatabase: {1}mdb", "olcDatabase: {2}mdb"), "olcDatabase changed"),
        (CONSUMER, _edit(CONSUMER, "/usr/lib/ldap", "/usr/local/lib/ldap"), "olcModulePath changed"),
        (CONSUMER, _edit(CONSUMER, "olcModuleLoad: {1}argon2\n", ""), "module unloaded: {1}argon2"),
        (CONSUMER, _edit(CONSUMER, "tls/cert.pem", "tls/other.pem"), "olcTLSCertificateFile changed in cn=config"),
        (CONSUMER, _edit(CONSUMER, "cn: module{0}", "cn: module{0}\ncn: extra"), "the entry's name"),
    ],
)
def test_what_slapd_cannot_take_live_asks_for_a_restart(
    script: ModuleType, live: str, target: str, reason: str
) -> None:
    with pytest.raises(script.RestartNeeded, match=re.escape(reason)):
        _plan(script, live, target)


def test_a_changed_schema_entry_asks_for_a_restart(script: ModuleType) -> None:
    schema = "dn: cn={0}core,cn=schema,cn=config\nobjectClass: olcSchemaConfig\nolcAttributeTypes: ( 1 NAME 'a' )\n\n"
    changed = schema.replace("'a'", "'b'")
    with pytest.raises(script.RestartNeeded, match="schema changed"):
        _plan(script, CONSUMER + schema, CONSUMER + changed)
    # A new schema entry is an addition, taken live.
    assert [kind for _, kind, *_ in _plan(script, CONSUMER, CONSUMER + schema)] == ["entry"]


def test_a_value_changed_elsewhere_is_replaced_whole(script: ModuleType) -> None:
    target = _edit(CONSUMER, "olcLogLevel: stats", "olcLogLevel: stats\nolcLogLevel: sync")
    assert _plan(script, CONSUMER, target) == [("cn=config", "replace", "olcLogLevel", ("stats", "sync"))]


def test_differences_name_every_entry_and_attribute(script: ModuleType) -> None:
    live: Any = script.entries(CONSUMER)
    target: Any = script.entries(PROVIDER)
    assert sorted(script.differences(live, target)) == sorted([
        f"only target: {OVERLAY}",
        "cn=module{0},cn=config: olcmoduleload",
        f"{MDB}: olcaccess",
        f"{MDB}: olclimits",
        f"{MDB}: olcsyncrepl",
    ])  # fmt: skip


class _Host:
    """slapd, slapcat and ldapmodify as the script sees them, with what it asked for."""

    def __init__(self, script: ModuleType, monkeypatch: pytest.MonkeyPatch, live: str, ldapmodify_rc: int = 0) -> None:
        self.live, self.script, self.ldapmodify_rc = live, script, ldapmodify_rc
        self.calls: list[list[str]] = []
        self.replaced = False
        monkeypatch.setattr(script, "validate", lambda ldif, scratch: None)
        monkeypatch.setattr(script, "run", self.run)
        monkeypatch.setattr(script, "replace", self.replace)
        monkeypatch.setattr(script, "slapcat", self.slapcat)

    def run(self, argv: list[str], stdin: str | None = None) -> Any:
        self.calls.append(argv)
        rc = self.ldapmodify_rc if argv[0] == "ldapmodify" else 0
        return self.script.subprocess.CompletedProcess(argv, rc, "", "refused\n" if rc else "")

    def slapcat(self, folder: Path) -> Any:
        return self.script.entries(self.live if folder.name == "slapd.d" else PROVIDER)

    def replace(self, scratch: Path, config_dir: Path) -> None:
        self.replaced = True


def test_a_live_change_slapd_refuses_falls_back_to_the_restart(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "slapd.d").mkdir()
    host = _Host(script, monkeypatch, CONSUMER, ldapmodify_rc=80)
    out = script.apply(tmp_path / "provider.ldif", tmp_path / "slapd.d", "ldapi:///", False)
    assert out == "restart: ldapmodify failed (exit 80)"
    assert host.replaced
    assert [c[0] for c in host.calls] == ["ldapwhoami", "ldapmodify"]


def test_a_live_change_that_does_not_read_back_as_the_target_falls_back(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "slapd.d").mkdir()
    host = _Host(script, monkeypatch, CONSUMER)  # slapcat still shows the consumer afterwards
    out = script.apply(tmp_path / "provider.ldif", tmp_path / "slapd.d", "ldapi:///", False)
    assert out == "restart: the live change did not read back as the target (5 differences)"
    assert host.replaced


def test_unchanged_sends_nothing_and_restarts_nothing(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "slapd.d").mkdir()
    host = _Host(script, monkeypatch, PROVIDER)
    assert script.apply(tmp_path / "provider.ldif", tmp_path / "slapd.d", "ldapi:///", False) == "unchanged"
    assert (host.calls, host.replaced) == ([], False)
    # A changed listener list restarts all the same.
    assert (
        script.apply(tmp_path / "provider.ldif", tmp_path / "slapd.d", "ldapi:///", True)
        == "restart: asked (--restart)"
    )
    assert host.replaced


def test_no_live_configuration_yet_takes_the_restart_path(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    host = _Host(script, monkeypatch, CONSUMER)
    out = script.apply(tmp_path / "provider.ldif", tmp_path / "slapd.d", "ldapi:///", False)
    assert out == f"restart: no live configuration in {tmp_path / 'slapd.d'}"
    assert (host.calls, host.replaced) == ([], True)


def test_a_live_configuration_that_does_not_read_is_replaced_whole(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "slapd.d").mkdir()
    host = _Host(script, monkeypatch, "dn: cn=config\nbroken line\n")
    out = script.apply(tmp_path / "provider.ldif", tmp_path / "slapd.d", "ldapi:///", False)
    assert out == "restart: the live configuration does not read: not an LDIF line: 'broken line'"
    assert (host.calls, host.replaced) == ([], True)


def test_a_change_slapd_cannot_take_is_not_tried_live(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "slapd.d").mkdir()
    host = _Host(script, monkeypatch, PROVIDER)
    monkeypatch.setattr(
        host, "slapcat", lambda folder: script.entries(PROVIDER if folder.name == "slapd.d" else CONSUMER)
    )
    monkeypatch.setattr(script, "slapcat", host.slapcat)
    out = script.apply(tmp_path / "consumer.ldif", tmp_path / "slapd.d", "ldapi:///", False)
    assert out == f"restart: entry removed: {OVERLAY}"
    assert (host.calls, host.replaced) == ([], True)
