"""Key material: 0600 files, outside the repository by default, never tracked by git."""

import os
import subprocess
from pathlib import Path

import pytest

from egovinfra.pki import PkiError, init_pki, issue, passphrase_from_env, resolve_pki_dir

REPO = Path(__file__).resolve().parents[2]
DOMAIN = "intranet.gov.example"
# Built by concatenation so this file does not itself match what it looks for.
PEM_KEY_MARKER = b"PRIVATE KEY" + b"-----"


def test_no_tracked_file_contains_a_private_key() -> None:
    listing = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True).stdout
    tracked = [REPO / name for name in listing.decode().split("\0") if name]
    assert tracked, "git ls-files listed nothing: the test would prove nothing"
    offenders = [
        str(path.relative_to(REPO)) for path in tracked if path.is_file() and PEM_KEY_MARKER in path.read_bytes()
    ]
    assert offenders == []


def test_default_directory_is_outside_the_repository() -> None:
    default = resolve_pki_dir("cameroon", environ={})
    assert default == Path("/var/lib/egovinfra/pki/cameroon")
    assert REPO not in default.parents


def test_argument_then_environment_override_the_default(tmp_path: Path) -> None:
    env = {"EGOVINFRA_PKI_DIR": str(tmp_path / "env")}
    assert resolve_pki_dir("x", environ=env) == tmp_path / "env"
    assert resolve_pki_dir("x", tmp_path / "arg", environ=env) == tmp_path / "arg"


def test_passphrase_from_environment() -> None:
    assert passphrase_from_env({"EGOVINFRA_PKI_PASSPHRASE": "s3cret"}) == b"s3cret"
    assert passphrase_from_env({"EGOVINFRA_PKI_PASSPHRASE": ""}) is None
    assert passphrase_from_env({}) is None


def test_keys_are_0600_and_folders_0700(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        base = tmp_path / "deep" / "pki"
        init_pki("example", DOMAIN, base)
        issue("gw.intranet.gov.example", base)
    finally:
        os.umask(old_umask)
    keys = sorted(base.rglob("key.pem"))
    assert len(keys) == 3  # root, issuing, gateway
    assert {k.stat().st_mode & 0o777 for k in keys} == {0o600}
    folders = [base, *(p for p in base.rglob("*") if p.is_dir())]
    assert {f.stat().st_mode & 0o777 for f in folders} == {0o700}
    assert (tmp_path / "deep").stat().st_mode & 0o777 == 0o700
    assert {c.stat().st_mode & 0o777 for c in base.rglob("cert.pem")} == {0o644}


def test_refuses_a_directory_tracked_by_the_repository() -> None:
    target = REPO / "tests" / "pki-refused"
    with pytest.raises(PkiError, match="inside the git working tree"):
        init_pki("example", DOMAIN, target)
    assert not target.exists()


def test_accepts_an_ignored_directory_inside_a_working_tree(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(".pki/\n")
    init_pki("example", DOMAIN, tmp_path / ".pki" / "lab")
    assert (tmp_path / ".pki" / "lab" / "root" / "key.pem").exists()
    with pytest.raises(PkiError, match="not ignored"):
        init_pki("example", DOMAIN, tmp_path / "visible")
