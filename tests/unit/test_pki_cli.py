"""`egovinfra pki ...` end to end: files land in the PKI directory, errors exit 2 cleanly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _cli(*args: str, pki_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVINFRA_PKI")}
    return subprocess.run(
        [sys.executable, "-m", "egovinfra", "pki", *args, "--pki-dir", str(pki_dir)],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("cli") / "pki"
    result = _cli("init", pki_dir=base)
    assert result.returncode == 0, result.stderr
    return base


def test_init_uses_the_topology_domain(pki_dir: Path) -> None:
    # The embedded example topology's intranet domain bounds what the issuing CA may sign.
    assert _cli("issue", "gw.test.intranet.gov.cm", pki_dir=pki_dir).returncode == 0
    key = pki_dir / "hosts" / "gw.test.intranet.gov.cm" / "key.pem"
    assert key.stat().st_mode & 0o777 == 0o600


def test_foreign_identity_exits_2_without_traceback(pki_dir: Path) -> None:
    result = _cli("issue", "gw.example.org", pki_dir=pki_dir)
    assert result.returncode == 2
    assert "outside the intranet domain 'intranet.gov.cm'" in result.stderr
    assert "Traceback" not in result.stderr


def test_second_init_exits_2(pki_dir: Path) -> None:
    result = _cli("init", pki_dir=pki_dir)
    assert result.returncode == 2
    assert "already exists" in result.stderr


def test_list_check_fails_when_a_certificate_expires_soon(pki_dir: Path) -> None:
    assert _cli("issue", "gw.soon.intranet.gov.cm", "--days", "7", pki_dir=pki_dir).returncode == 0
    result = _cli("list", "--json", "--check", pki_dir=pki_dir)
    assert result.returncode == 1
    rows = {tuple(r["san"]): r for r in json.loads(result.stdout) if r["role"] in ("current", "previous")}
    assert rows[("gw.soon.intranet.gov.cm",)]["expiring"] is True
    assert rows[("gw.soon.intranet.gov.cm",)]["days_left"] in (6, 7)
    assert _cli("list", "--check", "--window", "3", pki_dir=pki_dir).returncode == 0
