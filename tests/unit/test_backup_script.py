"""The host-side backup script's pure parts: finding one entry in a slapcat export."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = (
    Path(__file__).resolve().parents[2] / "roles" / "backup" / "files" / "usr" / "local" / "sbin" / "egovinfra-backup"
)

EXPORT = """dn: dc=intranet,dc=gov,dc=cm
objectClass: dcObject
entryUUID: 1

dn: uid=bnkodo,ou=people,dc=intranet,dc=gov,dc=cm
objectClass: inetOrgPerson
uid: bnkodo
cn: B Nkodo
userPassword:: e1NTSEF9eHh4
structuralObjectClass: inetOrgPerson
entryUUID: 5f0c
creatorsName: cn=admin,dc=intranet,dc=gov,dc=cm
createTimestamp: 20261130190000Z
entryCSN: 20261130190000.000000Z#000000#000#000000
modifiersName: cn=admin,dc=intranet,dc=gov,dc=cm
modifyTimestamp: 20261130190000Z

"""


def _script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("egovinfra_backup_script", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_an_entry_comes_back_without_what_slapd_keeps_for_itself() -> None:
    entry = _script().ldif_entry(EXPORT, "UID=bnkodo,ou=people,dc=intranet,dc=gov,dc=cm")
    assert entry.splitlines() == [
        "dn: uid=bnkodo,ou=people,dc=intranet,dc=gov,dc=cm",
        "objectClass: inetOrgPerson",
        "uid: bnkodo",
        "cn: B Nkodo",
        "userPassword:: e1NTSEF9eHh4",  # the password hash comes back as it was
    ]


def test_an_entry_missing_from_the_backup_is_an_error() -> None:
    script = _script()
    with pytest.raises(RuntimeError, match="no entry"):
        script.ldif_entry(EXPORT, "uid=nobody,ou=people,dc=intranet,dc=gov,dc=cm")
