"""Secrets at rest: every generated secret is an Ansible Vault file that Ansible itself reads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from egovinfra.compile import compile_loaded
from egovinfra.compile.plan import Plan
from egovinfra.model import load_topology
from egovinfra.pki import PkiLayout, init_pki
from egovinfra.pki.keys import encrypt_key_file, key_encrypted, load_key
from egovinfra.secrets import SecretsError, SecretsStore, Vault, needed_secrets
from egovinfra.secrets.vault import create_password_file, encrypted, read_password


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_loaded(load_topology(None))


@pytest.fixture
def store(tmp_path: Path) -> SecretsStore:
    password = tmp_path / "vault.pass"
    create_password_file(password)
    return SecretsStore(tmp_path / "secrets", Vault.open(password))


def test_needed_secrets_follow_the_plan(plan: Plan) -> None:
    needed = needed_secrets(plan)
    assert {f"users/{p.uid}" for p in plan.directory.people} <= set(needed)
    assert {"sogo-db", "doveadm"} <= set(needed)
    # the backups' passphrase exactly when the topology asks for backups
    assert ("backup-passphrase" in needed) == bool(plan.backups.jobs)


def test_init_leaves_no_plaintext_secret_in_the_folder(plan: Plan, store: SecretsStore) -> None:
    generated, sealed = store.init(needed_secrets(plan))
    assert sorted(generated) == sorted(needed_secrets(plan)) and sealed == []
    files = [p for p in store.base.rglob("*") if p.is_file()]
    assert len(files) == len(generated)
    for path in files:
        raw = path.read_bytes()
        assert raw.startswith(b"$ANSIBLE_VAULT;1.1;AES256\n"), path
        assert path.stat().st_mode & 0o777 == 0o600
        name = path.relative_to(store.base).as_posix()
        value = store.read(name)
        assert len(value) == needed_secrets(plan)[name] and value.encode() not in raw
    assert store.plaintext() == []
    again = store.init(needed_secrets(plan))
    assert again == ([], [])


def test_init_encrypts_a_legacy_plaintext_file_keeping_its_value(store: SecretsStore) -> None:
    store.base.mkdir(parents=True)
    (store.base / "sogo-db").write_text("s3cretvalue salt=abc\n")
    generated, sealed = store.init({"sogo-db": 40})
    assert (generated, sealed) == ([], ["sogo-db"])
    assert store.read("sogo-db") == "s3cretvalue"
    assert b"s3cretvalue" not in (store.base / "sogo-db").read_bytes()


def test_read_refuses_clear_files_names_outside_and_a_wrong_password(store: SecretsStore, tmp_path: Path) -> None:
    store.write("doveadm", b"abc")
    (store.base / "clear").write_text("oops\n")
    with pytest.raises(SecretsError, match="in clear"):
        store.read("clear")
    assert store.plaintext() == ["clear"]
    with pytest.raises(SecretsError, match="leaves the secrets folder"):
        store.path("../elsewhere")
    other = tmp_path / "other.pass"
    other.write_text("not-the-password\n")
    other.chmod(0o600)
    with pytest.raises(SecretsError, match="cannot decrypt"):
        SecretsStore(store.base, Vault.open(other)).read("doveadm")


def test_rotate_writes_a_new_value(store: SecretsStore) -> None:
    store.write("sogo-db", b"old")
    store.rotate("sogo-db", 40)
    assert store.read("sogo-db") != "old" and len(store.read("sogo-db")) == 40
    with pytest.raises(SecretsError, match="no secret"):
        store.rotate("missing", 40)


def test_password_file_is_private_or_a_script(tmp_path: Path) -> None:
    path = tmp_path / "v" / "p.pass"
    assert create_password_file(path) and not create_password_file(path)
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    path.chmod(0o640)
    with pytest.raises(SecretsError, match="readable by others"):
        read_password(path)
    script = tmp_path / "ask-token"
    script.write_text("#!/bin/sh\necho from-the-token\n")
    script.chmod(0o700)
    assert read_password(script) == b"from-the-token"
    with pytest.raises(SecretsError, match="egovinfra secrets init"):
        read_password(tmp_path / "absent")


def test_ansible_unvault_reads_what_the_store_writes(store: SecretsStore, tmp_path: Path) -> None:
    """The roles' lookup, run by ansible-playbook with the vault password converge hands it."""
    store.write("users/someone", b"Xy12")
    play = tmp_path / "read.yml"
    play.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.debug:\n"
        f"        msg: \"VALUE={{{{ lookup('ansible.builtin.unvault', '{store.base}/users/someone') | trim }}}}\"\n"
    )
    env = {**os.environ, "ANSIBLE_VAULT_PASSWORD_FILE": str(store.vault.password_file),
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}  # fmt: skip
    done = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", str(play)],
                          capture_output=True, text=True, env=env, check=False, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout[-1500:]
    assert "VALUE=Xy12" in done.stdout


def test_ca_keys_in_clear_are_encrypted_in_place(tmp_path: Path) -> None:
    base = tmp_path / "pki"
    layout = init_pki("example", "intranet.gov.example", base)
    assert not key_encrypted(layout.root_ca.key)
    before = load_key(layout.root_ca.key).private_numbers()
    assert encrypt_key_file(layout.root_ca.key, b"pass")
    assert key_encrypted(layout.root_ca.key) and not encrypt_key_file(layout.root_ca.key, b"pass")
    assert load_key(layout.root_ca.key, b"pass").private_numbers() == before
    assert PkiLayout(base).root_ca.key.stat().st_mode & 0o777 == 0o600


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "egovinfra", *args], capture_output=True, text=True,
                          check=False, env=env)  # fmt: skip


def test_cli_init_list_rotate_and_encrypted_ca_keys_by_default(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVINFRA_")}
    env |= {"EGOVINFRA_VAULT_PASSWORD_FILE": str(tmp_path / "vault.pass"),
            "EGOVINFRA_SECRETS_DIR": str(tmp_path / "secrets"), "EGOVINFRA_PKI_DIR": str(tmp_path / "pki")}  # fmt: skip
    refused = _cli("pki", "init", env=env)
    assert refused.returncode == 2 and "CA keys are encrypted" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "pki" / "root").exists()
    assert _cli("secrets", "init", env=env).returncode == 0
    assert _cli("secrets", "list", "--check", env=env).returncode == 0
    assert _cli("pki", "ensure", env=env).returncode == 0
    for key in ("root", "issuing"):
        assert key_encrypted(tmp_path / "pki" / key / "key.pem")
    assert _cli("pki", "issue", "gw.new.intranet.gov.cm", env=env).returncode == 0
    before = (tmp_path / "secrets" / "sogo-db").read_bytes()
    assert _cli("secrets", "rotate", "sogo-db", env=env).returncode == 0
    assert (tmp_path / "secrets" / "sogo-db").read_bytes() != before
    person = _cli("secrets", "rotate", "users/cmballa", env=env)
    assert person.returncode == 2 and "theirs to change" in person.stderr
    (tmp_path / "secrets" / "stray").write_text("in clear\n")
    listed = _cli("secrets", "list", "--check", env=env)
    assert listed.returncode == 1 and "IN CLEAR" in listed.stdout
    assert all(
        encrypted(p.read_bytes()) for p in (tmp_path / "secrets").rglob("*") if p.is_file() and p.name != "stray"
    )
