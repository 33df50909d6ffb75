"""The Pulumi project files, `egovinfra stacks`, `egovinfra preview` and `egovinfra stack-outputs`."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from egovinfra.render.pulumi import render_stack_config
from tests.support.cloud import ROOT, default_plan, default_preview

STACK_DIR = ROOT / "stacks" / "datacenter"


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "egovinfra", *args], capture_output=True, text=True, check=False, cwd=cwd
    )


def test_committed_stack_files_are_fresh() -> None:
    rendered = render_stack_config(default_plan())
    assert sorted(rendered) == ["Pulumi.primary.yaml", "Pulumi.secondary.yaml"]
    for name, content in rendered.items():
        assert (STACK_DIR / name).read_bytes() == content, f"{name} is stale: run `egovinfra stacks`"


def test_stack_files_name_the_datacenter_of_their_role() -> None:
    primary = yaml.safe_load((STACK_DIR / "Pulumi.primary.yaml").read_text())["config"]
    secondary = yaml.safe_load((STACK_DIR / "Pulumi.secondary.yaml").read_text())["config"]
    assert (primary["egovinfra:datacenter"], secondary["egovinfra:datacenter"]) == ("yde", "dla")


def test_the_program_is_thin_and_the_project_runs_python() -> None:
    project = yaml.safe_load((STACK_DIR / "Pulumi.yaml").read_text())
    assert project["name"] == "egovinfra" and project["runtime"]["name"] == "python"
    code = [
        line
        for line in (STACK_DIR / "__main__.py").read_text().splitlines()
        if line.strip() and not line.startswith(('"""', "#"))
    ]
    assert code[-2:] == ["from egovinfra.cloud.program import main", "main()"]


def test_stacks_keeps_what_pulumi_config_set_added(tmp_path: Path) -> None:
    out = tmp_path / "stacks"
    out.mkdir()
    (out / "Pulumi.primary.yaml").write_text(
        "encryptionsalt: v1:abc:def\nconfig:\n  egovinfra:datacenter: old\n  egovinfra:flavor: m2.large\n"
        "  egovinfra:vpnPsk:\n    secure: AAABAKx\n"
    )
    result = _cli("stacks", "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((out / "Pulumi.primary.yaml").read_text())
    assert data == {
        "encryptionsalt": "v1:abc:def",
        "config": {
            "egovinfra:datacenter": "yde",
            "egovinfra:flavor": "m2.large",
            "egovinfra:vpnPsk": {"secure": "AAABAKx"},
            "egovinfra:topology": "",
            "openstack:cloud": "yde",
            "openstack:region": "RegionOne",
        },
    }
    assert yaml.safe_load((out / "Pulumi.secondary.yaml").read_text()) == {
        "config": {
            "egovinfra:datacenter": "dla",
            "egovinfra:peerStack": "organization/egovinfra/primary",
            "egovinfra:topology": "",
            "openstack:cloud": "dla",
            "openstack:region": "RegionOne",
        }
    }


def test_preview_lists_every_resource_of_both_datacenters() -> None:
    plan = default_plan()
    for role in ("primary", "secondary"):
        result = _cli("preview", "--datacenter", role, "--format", "json")
        assert result.returncode == 0, result.stderr
        doc = json.loads(result.stdout)
        dc = next(d for d in plan.datacenters if d.role == role)
        assert doc["datacenter"] == dc.name
        assert doc["total"] == len(doc["resources"]) == sum(doc["counts"].values())
        names = {r["name"] for r in doc["resources"] if r["type"] == "compute.Instance"}
        assert names == {h.name for h in plan.hosts if h.scope == dc.name}


def test_preview_table_ends_with_the_count() -> None:
    result = _cli("preview", "--datacenter", "secondary")
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().splitlines()[-1].endswith("components")
    assert "dla-hub-eth0" in result.stdout


def test_both_stacks_preview_from_their_own_stack_files() -> None:
    for stack in ("primary", "secondary"):
        result = _cli("preview", "--datacenter", stack, "--format", "json")
        assert result.returncode == 0, result.stderr
        doc = json.loads(result.stdout)
        tags = {t for r in doc["resources"] if r["type"] == "networking.Network" for t in r["values"].get("tags", [])}
        assert f"egovinfra-deployment=egovinfra/{stack}" in tags
    # The secondary's file names the primary's stack: its hub admits the primary's address.
    secondary = json.loads(_cli("preview", "--datacenter", "secondary", "--format", "json").stdout)
    ike = [r for r in secondary["resources"] if r["type"] == "networking.AddressGroupV2" and "-udp-500-" in r["name"]]
    assert ike and all(any(a.startswith("203.0.113.") for a in r["values"]["addresses"]) for r in ike)


def test_preview_refuses_an_incomplete_stack_file(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text((STACK_DIR / "Pulumi.yaml").read_text())
    (project / "Pulumi.primary.yaml").write_text("config:\n  egovinfra:datacenter: yde\n")
    result = _cli("preview", "--datacenter", "primary", "--stacks", str(project))
    assert result.returncode == 2
    assert "missing provider setting openstack:cloud" in result.stderr


def test_preview_of_an_unknown_datacenter_exits_2_without_traceback() -> None:
    result = _cli("preview", "--datacenter", "tertiary")
    assert result.returncode == 2
    assert "no single datacenter 'tertiary'" in result.stderr
    assert "Traceback" not in result.stderr


def test_stack_outputs_land_in_the_inventory_and_stale_ones_are_refused(tmp_path: Path) -> None:
    topology = tmp_path / "topology"
    shutil.copytree(ROOT / "topology" / "cameroon", topology, ignore=shutil.ignore_patterns("state"))
    inventory = tmp_path / "inventory"
    assert _cli("inventory", str(topology), "--out", str(inventory)).returncode == 0
    outputs = copy.deepcopy(default_preview("primary").outputs)  # cached for other tests: not to be changed
    good = tmp_path / "yde.json"
    good.write_text(json.dumps(outputs))
    result = _cli("stack-outputs", str(good), "--inventory", str(inventory), "--topology", str(topology))
    assert result.returncode == 0, result.stderr
    merged = yaml.safe_load((inventory / "cloud-yde.yml").read_text())
    assert merged["all"]["hosts"]["yde-db"] == {"egovinfra_cloud_instance_id": "instance-yde-db-id"}
    assert merged["all"]["children"]["dc_yde"]["vars"] == {"egovinfra_vpn_backend": "strongswan"}
    recorded = yaml.safe_load((topology / "state" / "production-cloud.yaml").read_text())
    assert recorded["datacenters"]["yde"]["public_address"] == outputs["vpn"]["public_address"]
    assert f"yde: the hub is reached at {outputs['vpn']['public_address']}" in result.stdout
    outputs["hosts"]["yde-db"]["ports"]["eth0"] = ["10.1.3.77"]
    outputs["vpn"]["public_address"] = "198.51.100.99"
    before = (topology / "state" / "production-cloud.yaml").read_bytes()
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(outputs))
    result = _cli("stack-outputs", str(stale), "--inventory", str(inventory), "--topology", str(topology))
    assert result.returncode == 2
    assert "yde-db eth0: the cloud gave ['10.1.3.77'], the Plan says 10.1.3.10" in result.stderr
    assert (topology / "state" / "production-cloud.yaml").read_bytes() == before  # nothing recorded
