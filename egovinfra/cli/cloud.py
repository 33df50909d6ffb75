"""Commands for the Pulumi stacks: preview (offline, under mocks), stacks, stack-outputs."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from egovinfra.bounded import FileRefused, read_bounded
from egovinfra.cli import app
from egovinfra.cli.topology_cmds import Env, Format, TopologyArg, load_plan, load_state, renderable
from egovinfra.compile import compile_loaded
from egovinfra.errors import EgovinfraError
from egovinfra.model import load_topology
from egovinfra.model.cloud_state import (
    CloudState,
    ObservedHub,
    check_cloud_state,
    cloud_state_path,
    read_cloud_state,
)
from egovinfra.model.problems import TopologyError
from egovinfra.render.pulumi import (
    DEFAULT_ORGANIZATION,
    HEADER,
    OWNED_KEYS,
    dump_stack_file,
    render_stack_config,
    stack_name,
)
from egovinfra.render.yamlout import dump_yaml

# Piped output (CI logs) gets wide rows instead of columns folded to 80 characters.
out = Console(highlight=False, emoji=False, soft_wrap=True, width=None if sys.stdout.isatty() else 220)
err = Console(stderr=True, highlight=False, emoji=False, style="yellow")


@app.command()
def preview(
    path: TopologyArg = None,
    datacenter: Annotated[
        str, typer.Option("--datacenter", help="datacenter name or role (primary, secondary)")
    ] = "primary",
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    project_dir: Annotated[
        Path, typer.Option("--stacks", help="the Pulumi project whose Pulumi.<stack>.yaml is previewed")
    ] = Path("stacks/datacenter"),
) -> None:
    """What the datacenter's stack would create, without a cloud: the program under Pulumi's mocks.

    Without TOPOLOGY the stack's own file (Pulumi.<stack>.yaml) is read as the Pulumi CLI reads
    it. Prints what the stack needs of the project's quotas and warns beyond OpenStack's
    defaults. Exits 2 when the previewed resources disagree with the Plan (addresses, policy, crypto).
    """
    # Pulumi is imported here only: the other commands stay quick to start.
    from egovinfra.cloud.audit import audit
    from egovinfra.cloud.openstack.datacenter import select_datacenter
    from egovinfra.cloud.preview import preview_stack, run_preview
    from egovinfra.cloud.quotas import quota_needs
    from egovinfra.cloud.summary import preview_rows

    plan = load_plan(path)
    dc = select_datacenter(plan, datacenter)
    stack = stack_name(plan, dc)
    if path is None and (project_dir / f"Pulumi.{stack}.yaml").exists():
        result = preview_stack(project_dir, stack)
    else:
        result = run_preview(dc.name, str(path) if path is not None else None)
    quotas = quota_needs(result)
    rows = preview_rows(result)
    counts = result.counts()
    custom = sum(1 for r in result.resources if r.custom)
    if fmt is Format.json:
        doc = {
            "datacenter": dc.name,
            "role": dc.role,
            "resources": rows,
            "outputs": result.outputs,
            "counts": dict(sorted(counts.items())),
            "total": len(result.resources),
            "cloud_resources": custom,
            "quotas": [{"quota": q.quota, "needed": q.needed, "default": q.default} for q in quotas],
        }
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n")
    else:
        table = Table("type", "name", "key inputs", title=f"{plan.name}: datacenter {dc.name} ({dc.role})")
        for row in rows:
            table.add_row(row["type"], row["name"], row["inputs"])
        out.print(table)
        for token, count in sorted(counts.items()):
            out.print(f"{count:5d}  {token}")
        quota_table = Table("quota", "needed", "OpenStack default", title=f"quotas of datacenter {dc.name}")
        for q in quotas:
            quota_table.add_row(q.quota, str(q.needed), str(q.default) + ("  EXCEEDED" if q.exceeded else ""))
        out.print(quota_table)
        out.print(
            f"{len(result.resources)} resources: {custom} in the cloud, {len(result.resources) - custom} components"
        )
    for q in quotas:
        if q.exceeded:
            err.print(f"warning: {dc.name} needs {q.needed} of {q.quota}, the default quota is {q.default}")
    problems = audit(result, plan, dc)
    if problems:
        raise EgovinfraError("the previewed stack disagrees with the Plan:\n  " + "\n  ".join(problems))


def _write_atomic(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _kept(existing: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """What Pulumi and `pulumi config set` put in a stack file: the config keys the renderer
    does not own, and the other top-level keys (the secrets provider's salt, ...)."""
    if not existing.exists():
        return {}, {}
    try:
        data = yaml.safe_load(existing.read_text()) or {}
    except yaml.YAMLError as exc:
        raise EgovinfraError(f"{existing}: not YAML ({exc}); fix or remove it") from None
    if not isinstance(data, dict):
        raise EgovinfraError(f"{existing}: not a Pulumi stack file (a mapping with `config:`)")
    config = data.get("config") or {}
    return ({k: v for k, v in config.items() if k not in OWNED_KEYS}, {k: v for k, v in data.items() if k != "config"})


@app.command()
def stacks(
    path: TopologyArg = None,
    out_dir: Annotated[Path, typer.Option("--out", help="the Pulumi project folder")] = Path("stacks/datacenter"),
    organization: Annotated[
        str, typer.Option(help="Pulumi organization of the stacks (a self-managed backend: organization)")
    ] = DEFAULT_ORGANIZATION,
) -> None:
    """Write Pulumi.<stack>.yaml for every datacenter, keeping keys set with `pulumi config set`."""
    plan = load_plan(path)
    topology = os.path.relpath(path.resolve(), out_dir.resolve()) if path is not None else None
    for name, content in render_stack_config(plan, topology, organization).items():
        target = out_dir / name
        rendered = yaml.safe_load(content)["config"]
        config, other = _kept(target)
        merged = {**config, **rendered}
        _write_atomic(target, content if (merged, other) == (rendered, {}) else dump_stack_file(merged, other))
        out.print(f"wrote {target}")


# `pulumi stack output --json` of a datacenter stack is a few KB a host.
MAX_OUTPUTS_BYTES = 16 << 20


def read_stack_outputs(file: Path) -> Any:
    """The JSON document in `file`: a regular file of at most MAX_OUTPUTS_BYTES, or an error to print."""
    try:
        return json.loads(read_bounded(file, MAX_OUTPUTS_BYTES))
    except OSError as exc:
        raise EgovinfraError(f"{file}: cannot read the stack outputs ({exc.strerror})") from None
    except FileRefused as exc:
        raise EgovinfraError(f"{file}: cannot read the stack outputs ({exc})") from None
    except ValueError as exc:  # not JSON, not UTF-8 (both ValueErrors)
        raise EgovinfraError(f"{file}: the stack outputs are not JSON ({exc})") from None
    except RecursionError:
        raise EgovinfraError(f"{file}: the stack outputs are not JSON (nested too deeply)") from None


CLOUD_STATE_HEADER = (
    "Cloud state of this environment: the public address the cloud gave each datacenter's hub.\n"
    "Written only by `egovinfra stack-outputs` from each datacenter stack's outputs; commit every change.\n"
    "Every peer of a hub (the other hub, each site gateway) is rendered to dial this address."
)


def write_cloud_state(path: Path, state: CloudState) -> None:
    """Write `state` to `path` atomically (a reader sees the old file or the new one)."""
    _write_atomic(path, dump_yaml(state.model_dump(mode="json"), CLOUD_STATE_HEADER))


@app.command("stack-outputs")
def stack_outputs(
    files: Annotated[list[Path], typer.Argument(help="`pulumi stack output --json` of each datacenter stack")],
    inventory_dir: Annotated[
        Path, typer.Option("--inventory", help="the inventory folder, e.g. inventories/production")
    ],
    topology: Annotated[Path | None, typer.Option(help="topology folder (default: the embedded one)")] = None,
    env: Annotated[Env, typer.Option(help="environment the stacks belong to")] = Env.production,
) -> None:
    """Record the hubs' public addresses and merge stack outputs into an Ansible inventory.

    Writes <topology>/state/<env>-cloud.yaml (the address the cloud gave each hub, which every
    peer then dials: commit it and render again) and <inventory>/cloud-<datacenter>.yml, an
    inventory source Ansible reads beside hosts.yml. Refuses outputs whose addresses disagree
    with the Plan or whose hub address contradicts the topology's `public_address`; nothing is
    written then.
    """
    from egovinfra.cloud.outputs import cloud_inventory

    loaded = load_topology(topology)
    # Compiled without the cloud state: the file being recorded again must not block its own update.
    plan = renderable(compile_loaded(loaded, load_state(loaded, env.value)))
    state_file = cloud_state_path(loaded.origin, env.value)
    if state_file is None:
        raise EgovinfraError(f"{loaded.origin}: a single-file topology has no folder for state/{env.value}-cloud.yaml")
    if not (inventory_dir / "hosts.yml").exists():
        raise EgovinfraError(f"{inventory_dir}: no hosts.yml; run `egovinfra inventory --out {inventory_dir}` first")
    merged = [cloud_inventory(plan, read_stack_outputs(file)) for file in files]
    observed = dict(read_cloud_state(state_file, str(state_file)).datacenters)
    observed.update({m.datacenter: ObservedHub(public_address=m.public_address) for m in merged})
    state = CloudState(version=1, datacenters=dict(sorted(observed.items())))
    problems = check_cloud_state(loaded.topology, state)
    if problems:
        raise loaded.sources.resolve_all(TopologyError(problems))
    write_cloud_state(state_file, state)
    for m in merged:
        out.print(f"{m.datacenter}: the hub is reached at {m.public_address}")
    out.print(f"wrote {state_file}: commit it, then render the inventories and configurations again")
    header = HEADER.replace("egovinfra stacks", "egovinfra stack-outputs").splitlines()[0] + "\n"
    for m in merged:
        body = yaml.safe_dump(m.data, sort_keys=True, default_flow_style=False)
        target = inventory_dir / f"cloud-{m.datacenter}.yml"
        _write_atomic(target, ("---\n" + header + body).encode())
        out.print(f"wrote {target}")
