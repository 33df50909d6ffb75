"""`pki` commands on a PKI folder that was tampered with: exit 0 or 2, never a traceback, never a hang."""

from __future__ import annotations

import os
import random
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from egovinfra import pki
from egovinfra.pki.keys import MAX_PEM_BYTES
from egovinfra.secrets import Vault, resolve_password_file
from tests.support.fuzz import run_in_process

DOMAIN = "intranet.gov.cm"
HOSTS = ("gw.minfi.intranet.gov.cm", "gw.spm.intranet.gov.cm")
TIME_BOUND_S = 10.0


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised PKI with two gateways, one of them rotated once (a previous/ pair)."""
    base = tmp_path_factory.mktemp("pki") / "pki"
    # CA keys encrypted with the vault password, as the CLI writes and reads them.
    passphrase = Vault.open(resolve_password_file("cameroon-egov")).password
    pki.init_pki("cameroon-egov", DOMAIN, base, passphrase)
    for host in HOSTS:
        pki.issue(host, base, passphrase, timedelta(days=30))
    pki.rotate(HOSTS[0], base, passphrase, timedelta(days=30))
    return base


def _swap(files: list[Path], rng: random.Random) -> str:
    a, b = rng.sample(files, 2)
    data = a.read_bytes()
    a.write_bytes(b.read_bytes())
    b.write_bytes(data)
    return f"swap {a.name} of {a.parent.name} with {b.name} of {b.parent.name}"


def _tamper(base: Path, rng: random.Random) -> str:
    """One change an intruder or an accident could make to a PKI folder."""
    files = sorted(p for p in base.rglob("*.pem"))
    target = rng.choice(files)
    data = target.read_bytes()
    action = rng.choice(
        ("corrupt", "truncate", "swap", "directory", "fifo", "device", "delete", "append", "huge", "foreign", "locked")
    )
    if action == "corrupt":
        spots = bytearray(data)
        for _ in range(rng.randint(1, 10)):
            spots[rng.randrange(len(spots))] = rng.randrange(256)
        target.write_bytes(bytes(spots))
    elif action == "truncate":
        target.write_bytes(data[: rng.randrange(len(data))])
    elif action == "swap":
        return _swap(files, rng)
    elif action == "directory":
        target.unlink()
        target.mkdir()
    elif action == "fifo":
        target.unlink()
        os.mkfifo(target)
    elif action == "device":
        target.unlink()
        target.symlink_to("/dev/zero")
    elif action == "delete":
        target.unlink()
    elif action == "append":
        target.write_bytes(data + data[::-1])
    elif action == "huge":
        target.write_bytes(data + b"\n" * MAX_PEM_BYTES)
    elif action == "foreign":  # a valid key of another curve in place of a key or a certificate
        other = ec.generate_private_key(ec.SECP256R1())
        target.write_bytes(
            other.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    else:  # a key encrypted with a passphrase nobody set
        key = serialization.load_pem_private_key(data, None) if b"PRIVATE KEY" in data else None
        if key is None:
            return f"locked: {target.name} is no key"
        target.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"unknown"),
            )
        )
    return f"{action} {target.relative_to(base)}"


COMMANDS = (
    ("list",),
    ("list", "--json"),
    ("issue", "gw.new.intranet.gov.cm"),
    ("rotate", HOSTS[0]),
    ("rotate", HOSTS[1]),
    ("retire", HOSTS[0]),
)


@pytest.mark.parametrize("seed", range(40))
def test_commands_on_a_tampered_pki_exit_cleanly(seed: int, pristine: Path, tmp_path: Path) -> None:
    rng = random.Random(seed)
    base = tmp_path / "pki"
    shutil.copytree(pristine, base, symlinks=True)
    done = _tamper(base, rng)
    for command in COMMANDS:
        run = run_in_process("pki", *command, "--pki-dir", str(base))
        assert not run.crash, f"{done}: pki {' '.join(command)}\n{run.crash}"
        assert run.code in (0, 2), f"{done}: pki {' '.join(command)} exit {run.code}\n{run.stderr}"
        assert "Traceback" not in run.stderr
        assert run.seconds < TIME_BOUND_S, f"{done}: pki {' '.join(command)} took {run.seconds:.1f} s"


def test_a_swapped_issuing_key_is_refused(pristine: Path, tmp_path: Path) -> None:
    """Signing with a key that is not the issuing CA's would give certificates no peer verifies."""
    base = tmp_path / "pki"
    shutil.copytree(pristine, base)
    layout = pki.PkiLayout(base)
    shutil.copy(layout.root_ca.key, layout.issuing_ca.key)
    run = run_in_process("pki", "issue", "gw.new.intranet.gov.cm", "--pki-dir", str(base))
    assert run.code == 2
    assert "does not belong to its certificate" in run.stderr
