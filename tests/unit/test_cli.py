"""The command line: contracts of validate, plan, diagram and inventory."""

from __future__ import annotations

import json
from pathlib import Path

import yaml


def test_validate_default_exits_0(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("validate")
    assert result.code == 0
    assert "cameroon-egov: valid" in result.stdout


def test_plan_json_lists_every_host_address(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("plan", "--format", "json")
    assert result.code == 0
    data = json.loads(result.stdout)
    hosts = {h["name"]: h for h in data["hosts"]}
    assert hosts["yde-web"]["address"] == "10.1.1.10"
    assert {d["name"] for d in data["datacenters"]} == {"yde", "dla"}
    assert len(data["sites"]) == 8


def test_plan_table_shows_zones_sites_and_hosts(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("plan")
    assert result.code == 0
    for text in ("10.1.3.0/24", "minjustice", "10.64.6.0/24", "yde-bastion"):
        assert text in result.stdout


def test_diagram_svg(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "t.svg"
    result = cli("diagram", "--out", str(out))
    assert result.code == 0, result.stderr
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    assert "minfi" in svg and "yde" in svg


def test_diagram_rejects_unknown_format(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("diagram", "--out", str(tmp_path / "t.gif"))
    assert result.code == 2
    assert ".svg or .png" in result.stderr


def test_inventory_command(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "inv"
    assert cli("inventory", "--env", "lab", "--out", str(out)).code == 0
    assert yaml.safe_load((out / "group_vars" / "all.yml").read_text())["egovinfra_environment"] == "lab"
    assert (out / "host_vars" / "yde-db.yml").is_file()


def test_every_command_is_mapped_to_the_module_that_defines_it() -> None:
    """The lazy command table stays complete: a command missing from it would vanish."""
    from egovinfra.cli import COMMAND_MODULES, app, load_commands

    load_commands(["--help"])
    defined: dict[str, str] = {}
    for command in app.registered_commands:
        assert command.callback is not None
        name = command.name or command.callback.__name__.replace("_", "-")
        defined[name] = command.callback.__module__.rsplit(".", 1)[-1]
    for group in app.registered_groups:
        assert group.typer_instance is not None and group.name is not None
        first = group.typer_instance.registered_commands[0].callback
        assert first is not None
        defined[group.name] = first.__module__.rsplit(".", 1)[-1]
    assert defined == COMMAND_MODULES
