"""The deployment's time zone: an IANA name from the topology, SOGo's default for its users."""

from __future__ import annotations

import shutil
from pathlib import Path

from egovinfra.cli.topology_cmds import load_plan
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.providers import PROVIDERS

ROOT = Path(__file__).resolve().parents[2]


def _copy(tmp_path: Path, zone: str) -> Path:
    topology = tmp_path / "t"
    shutil.copytree(ROOT / "topology" / "cameroon", topology, ignore=shutil.ignore_patterns("state"))
    text = (topology / "topology.yaml").read_text()
    (topology / "topology.yaml").write_text(text.replace("timezone: Africa/Douala", f"timezone: {zone}"))
    return topology


def test_the_groupware_keeps_the_topology_s_time_zone(tmp_path: Path) -> None:
    plan = load_plan(_copy(tmp_path, "Africa/Kinshasa"))
    values = PROVIDERS["groupware"](RenderContext(plan, "production"), plan.host("yde-groupware"))
    assert values is not None and values["groupware_timezone"] == "Africa/Kinshasa"


def test_an_unknown_time_zone_is_located(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("validate", str(_copy(tmp_path, "Africa/Yaounde-Centre")))
    assert result.code == 2
    assert "topology.yaml:6: timezone: unknown time zone 'Africa/Yaounde-Centre'" in result.stderr
