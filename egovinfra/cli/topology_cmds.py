"""Commands on a topology: validate, plan, render, inventory, diff, diagram, schema."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from egovinfra.cli import app
from egovinfra.compile import Plan, compile_loaded
from egovinfra.errors import EgovinfraError
from egovinfra.model import LoadedTopology, load_topology
from egovinfra.model.cloud_state import CloudState, cloud_state_path, is_cloud_state, load_cloud_state
from egovinfra.model.operations import STATE_DIR, Operations, load_operations, state_path
from egovinfra.model.problems import Problem, TopologyError
from egovinfra.model.schema import Site, Topology
from egovinfra.render import Environment, Output, read_tree, render_all, render_changes, write_tree
from egovinfra.render.diff import host_changes, unified
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.inventory import render_inventory
from egovinfra.render.preflight import render_problems

out = Console(highlight=False, emoji=False)

TopologyArg = Annotated[
    Path | None,
    typer.Argument(help="topology folder or file (default: the embedded topology/cameroon)", show_default=False),
]


class Format(StrEnum):
    """Output formats of listing commands."""

    table = "table"
    json = "json"


class Env(StrEnum):
    """Target environments of a render."""

    production = "production"
    lab = "lab"


def load_plan(path: Path | None, environment: str = "production") -> Plan:
    """Load, validate and compile with the operational and cloud state of `environment`
    (``state/<environment>.yaml`` and ``state/<environment>-cloud.yaml`` beside the topology),
    then find what a render would refuse: valid means renderable. Every problem is located and
    raised together."""
    loaded = load_topology(path)
    return renderable(compile_loaded(loaded, load_state(loaded, environment), load_cloud(loaded, environment)))


def renderable(plan: Plan) -> Plan:
    """`plan`, once nothing a render would refuse is found in it."""
    problems = render_problems(plan)
    if problems:
        raise EgovinfraError("the topology cannot be rendered:\n  " + "\n  ".join(problems))
    return plan


def load_state(loaded: LoadedTopology, environment: str) -> Operations:
    """The operational state of `environment`: the designed one when no state file exists."""
    path = state_path(loaded.origin, environment)
    return load_operations(loaded.topology, path, _shown(path) if path else "")


def load_cloud(loaded: LoadedTopology, environment: str) -> CloudState:
    """The hubs' addresses the cloud reported for `environment`: none when no cloud state file exists."""
    path = cloud_state_path(loaded.origin, environment)
    return load_cloud_state(loaded.topology, path, _shown(path) if path else "")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@app.command()
def validate(path: TopologyArg = None) -> None:
    """Check a topology and its state files (operational, cloud); exit 0 when valid, 2 with every problem on stderr."""
    loaded = load_topology(path)
    states = sorted((loaded.origin / STATE_DIR).glob("*.yaml")) if loaded.origin.is_dir() else []
    problems: list[Problem] = []
    for state in states:
        try:
            if is_cloud_state(state):
                load_cloud_state(loaded.topology, state, _shown(state))
            else:
                load_operations(loaded.topology, state, _shown(state))
        except TopologyError as exc:
            problems += exc.problems
    if problems:
        raise TopologyError(problems)
    plan = renderable(compile_loaded(loaded))
    out.print(
        f"{plan.name}: valid — {len(plan.datacenters)} datacenters, {len(plan.sites)} sites, "
        f"{len(plan.hosts)} hosts, {len(plan.flows)} flows"
    )


def _plan_json(plan: Plan) -> dict[str, Any]:
    data = asdict(plan)
    data.pop("_host_index", None)
    return data


@app.command()
def plan(path: TopologyArg = None, fmt: Annotated[Format, typer.Option("--format")] = Format.table) -> None:
    """Print the address plan: datacenters, zones, sites, subnets and every host address."""
    resolved = load_plan(path)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(_plan_json(resolved), indent=2, sort_keys=True) + "\n")
        return
    zones = Table("datacenter", "role", "zone", "subnet", "gateway", title="Datacenters")
    for dc in resolved.datacenters:
        for zone in dc.zones:
            zones.add_row(dc.name, dc.role, zone.name, zone.cidr, zone.gateway)
    sites = Table("site", "id", "LAN", "WAN", "edge", title="Sites")
    for site in resolved.sites:
        sites.add_row(site.name, str(site.id), site.lan, site.wan.endpoint_address, site.edge)
    hosts = Table("host", "where", "address", "management", "interfaces", title="Hosts")
    for host in resolved.hosts:
        where = f"{host.scope}/{host.zone}" if host.zone else host.scope
        hosts.add_row(
            host.name,
            where,
            host.address,
            host.mgmt_address,
            " ".join(f"{i.name}={i.address}" for i in host.interfaces),
        )
    for table in (zones, sites, hosts):
        out.print(table)


@app.command()
def render(
    path: TopologyArg = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="output folder (created whole, or updated file by file)")
    ] = Path("out"),
    env: Annotated[Env, typer.Option(help="target environment")] = Env.production,
) -> None:
    """Render the inventory and every host's configuration files, deterministically."""
    resolved = load_plan(path, env.value)
    with Output.open(out_dir) as output:
        changes = render_changes(resolved, output, _env(env))
        output.commit(changes)
    out.print(
        f"rendered {len(changes.files())} files for {len(resolved.hosts)} hosts into {out_dir} "
        f"({len(changes.write) + len(changes.staged)} written, {len(changes.kept)} unchanged)",
        soft_wrap=True,
    )


def _env(env: Env) -> Environment:
    return "lab" if env is Env.lab else "production"


@app.command()
def inventory(
    path: TopologyArg = None,
    out_dir: Annotated[Path, typer.Option("--out", help="inventory folder, e.g. inventories/lab")] = Path(
        "inventories/production"
    ),
    env: Annotated[Env, typer.Option(help="target environment")] = Env.production,
) -> None:
    """Render only the Ansible inventory (hosts.yml, group_vars/, host_vars/)."""
    resolved = load_plan(path, env.value)
    tree = render_inventory(RenderContext(resolved, _env(env)), prefix="")
    write_tree(tree, out_dir)
    out.print(f"wrote the {env.value} inventory of {len(resolved.hosts)} hosts to {out_dir}")


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="topology before the change")],
    new: Annotated[Path, typer.Argument(help="topology after the change")],
    show: Annotated[bool, typer.Option(help="print the unified diff of every changed file")] = False,
) -> None:
    """Which hosts' rendered files change between two topologies, and how."""
    before = render_all(load_plan(old))
    after = render_all(load_plan(new))
    changes = host_changes(before, after)
    if not changes:
        out.print("no rendered file changes")
        return
    table = Table("host", "change", "files")
    for change in changes:
        table.add_row(change.host, change.status, "\n".join(change.files))
    out.print(table)
    if show:
        for change in changes:
            for file in change.files:
                sys.stdout.write(unified(before, after, file))


@app.command()
def diagram(
    path: TopologyArg = None,
    out_file: Annotated[Path, typer.Option("--out", help="output file, .svg or .png")] = Path("topology.svg"),
) -> None:
    """Draw datacenters, zones, ministry sites and the tunnels between them (graphviz)."""
    fmt = out_file.suffix.lstrip(".").lower()
    if fmt not in ("svg", "png"):
        raise EgovinfraError(f"{out_file}: the diagram is written as .svg or .png")
    from egovinfra.render.diagram import diagram as build_diagram  # graphviz: only for this command

    resolved = load_plan(path)
    try:
        data = build_diagram(resolved).pipe(format=fmt)
    except Exception as exc:  # graphviz raises several unrelated types when `dot` fails
        raise EgovinfraError(f"graphviz failed: {exc} (is the `dot` program installed?)") from None
    out_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_file.parent, prefix=f".{out_file.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, out_file)
    out.print(f"wrote {out_file}")


@app.command()
def schema(site: Annotated[bool, typer.Option("--site", help="schema of one sites/*.yaml file")] = False) -> None:
    """Print the JSON Schema of the topology format, for editors."""
    model = Site if site else Topology
    sys.stdout.write(json.dumps(model.model_json_schema(by_alias=True), indent=2, sort_keys=True) + "\n")


def tree_of(path: Path) -> dict[str, bytes]:
    """A rendered folder read back (used by freshness checks)."""
    return read_tree(path)
