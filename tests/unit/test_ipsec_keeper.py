"""The ipsec role's tunnel keeper, run against a stand-in swanctl: it starts exactly the tunnels
this host initiates that are not up, and says so."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import ROOT

KEEPER = ROOT / "roles" / "ipsec" / "files" / "usr" / "local" / "sbin" / "egovinfra-ipsec-keeper"

SAS = """\
minfi_yde: #3, ESTABLISHED, IKEv2, 1_i 2_r*
  local  'gw.minfi' @ 100.64.1.10[4500]
  minfi_yde: #9, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256
minfi_dla: #4, ESTABLISHED, IKEv2, 3_i 4_r*
  minfi_dla: #10, reqid 2, REKEYING, TUNNEL-in-UDP, ESP:AES_GCM_16-256
"""


def run_keeper(tmp_path: Path, initiate_rc: int = 0) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    swanctl = bin_dir / "swanctl"
    swanctl.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {calls}\n'
        f'case "$1" in --list-sas) cat {tmp_path / "sas"} ;; --initiate) exit {initiate_rc} ;; esac\n'
    )
    swanctl.chmod(0o755)
    (tmp_path / "sas").write_text(SAS)
    listing = tmp_path / "initiate.list"
    listing.write_text("# header\nminfi_yde minfi_yde\nminfi_dla minfi_dla\nminfi_x minfi_x\n")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([str(KEEPER), str(listing)], capture_output=True, text=True, env=env, check=False)
    return done, calls.read_text().splitlines()


def test_only_tunnels_down_are_started(tmp_path: Path) -> None:
    done, calls = run_keeper(tmp_path)
    assert done.returncode == 0
    # minfi_yde is up; minfi_dla's child is not INSTALLED; minfi_x has no SA at all
    started = ["--initiate --child minfi_dla --timeout 20", "--initiate --child minfi_x --timeout 20"]
    assert calls == ["--list-sas", *started]
    assert done.stdout.split("\n")[:2] == ["started minfi_dla", "started minfi_x"]


def test_a_tunnel_that_cannot_be_started_fails_the_run(tmp_path: Path) -> None:
    done, _ = run_keeper(tmp_path, initiate_rc=1)
    assert done.returncode == 1
    assert "could not start minfi_x" in done.stderr
