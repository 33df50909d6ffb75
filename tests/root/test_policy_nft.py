"""Every nftables file of the default topology passes the real parser (`nft -c -f`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from egovinfra.compile import compile_loaded
from egovinfra.model import load_topology
from egovinfra.render.configs import render_template
from egovinfra.render.roles.nftables import ruleset_vars

pytestmark = pytest.mark.root

PLAN = compile_loaded(load_topology(None))


@pytest.mark.skipif(shutil.which("nft") is None, reason="nftables is not installed")
@pytest.mark.parametrize("host", sorted(PLAN.policy.rulesets))
def test_nft_accepts_the_rendered_file(host: str, tmp_path: Path) -> None:
    variables = {**ruleset_vars(PLAN.policy.rulesets[host]), "inventory_hostname": host}
    conf = tmp_path / "nftables.conf"
    conf.write_text(render_template("nftables", "etc/nftables.conf.j2", variables))
    result = subprocess.run(["nft", "-c", "-f", str(conf)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
