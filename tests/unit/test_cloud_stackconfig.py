"""Each committed stack file, read as the Pulumi CLI reads it: every declared key set, of its
type, secrets encrypted, and the datacenter's cloud and region named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from egovinfra.cloud.stackconfig import read_stack_config
from tests.support.cloud import ROOT

PROJECT = ROOT / "stacks" / "datacenter"


@pytest.mark.parametrize("stack", ["primary", "secondary"])
def test_the_committed_stack_files_are_complete(stack: str) -> None:
    config = read_stack_config(PROJECT, stack)
    assert config.problems == ()
    declared = yaml.safe_load((PROJECT / "Pulumi.yaml").read_text())["config"]
    assert {f"egovinfra:{k}" for k in declared} <= set(config.values)
    assert config.values["openstack:cloud"] and config.values["openstack:region"]


def _project(tmp_path: Path, stack_config: dict[str, object]) -> Path:
    (tmp_path / "Pulumi.yaml").write_text((PROJECT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.primary.yaml").write_text(yaml.safe_dump({"config": stack_config}))
    return tmp_path


def _committed(stack: str) -> dict[str, object]:
    return dict(yaml.safe_load((PROJECT / f"Pulumi.{stack}.yaml").read_text())["config"])


def test_a_missing_declared_key_is_reported(tmp_path: Path) -> None:
    given = _committed("primary")
    del given["egovinfra:datacenter"]
    problems = read_stack_config(_project(tmp_path, given), "primary").problems
    assert problems == ("primary: missing required configuration value egovinfra:datacenter",)


def test_a_missing_provider_setting_is_reported(tmp_path: Path) -> None:
    given = _committed("primary")
    del given["openstack:region"]
    assert read_stack_config(_project(tmp_path, given), "primary").problems == (
        "primary: missing provider setting openstack:region",
    )


def test_wrong_types_and_clear_secrets_are_reported(tmp_path: Path) -> None:
    project = _project(tmp_path, {**_committed("primary"), "egovinfra:addressGroups": "yes"})
    assert read_stack_config(project, "primary").problems == (
        "primary: egovinfra:addressGroups should be of type boolean, not 'yes'",
    )
    text = (
        (tmp_path / "Pulumi.yaml")
        .read_text()
        .replace("  pkiDir:\n    type: string\n", "  pkiDir:\n    type: string\n    secret: true\n")
    )
    (tmp_path / "Pulumi.yaml").write_text(text)
    (tmp_path / "Pulumi.primary.yaml").write_text(
        yaml.safe_dump({"config": {**_committed("primary"), "egovinfra:pkiDir": "/srv/pki"}})
    )
    assert read_stack_config(tmp_path, "primary").problems == (
        "primary: egovinfra:pkiDir is secret and must be stored encrypted (pulumi config set --secret)",
    )
    (tmp_path / "Pulumi.primary.yaml").write_text(
        yaml.safe_dump({"config": {**_committed("primary"), "egovinfra:pkiDir": {"secure": "AAAB"}}})
    )
    config = read_stack_config(tmp_path, "primary")
    assert config.problems == ()
    assert config.for_program({"egovinfra:pkiDir": "/tmp/k"})["egovinfra:pkiDir"] == "/tmp/k"
