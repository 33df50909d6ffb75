"""Plan → files. Renderers build in-memory trees; an `Output` alone puts them on disk."""

from __future__ import annotations

from collections.abc import Callable

from egovinfra.compile.plan import Plan
from egovinfra.render.configs import render_configs
from egovinfra.render.hostvars import Environment, RenderContext
from egovinfra.render.inventory import host_vars_file, inventory_index
from egovinfra.render.parallel import map_chunks
from egovinfra.render.tree import Changes, Output, RenderError, Tree, read_tree, write_tree
from egovinfra.render.vpn_peers import render_vendor_peers


def _shared_files(ctx: RenderContext) -> Tree:
    """The files that belong to no single host: inventory index, vendor peer configs."""
    return {**inventory_index(ctx), **render_vendor_peers(ctx.plan)}


def _hosts(ctx: RenderContext) -> Callable[[range], Tree]:
    """A job rendering a range of the Plan's hosts: host_vars and configs/<host>/.

    Datacenter hosts come first: their files grow with the number of sites (a hub's
    tunnels, the DNS zone), so a worker that started them last would finish long after
    the other, which had only uniform gateways left.
    """
    hosts = sorted(ctx.plan.hosts, key=lambda host: host.kind != "datacenter")

    def job(chunk: range) -> Tree:
        tree: Tree = {}
        for index in chunk:
            tree.update(host_vars_file(ctx, hosts[index]))
            tree.update(render_configs(ctx, hosts[index]))
        return tree

    return job


def render_all(plan: Plan, env: Environment = "production") -> Tree:
    """The whole rendered deployment: inventory/ and configs/<host>/."""
    ctx = RenderContext(plan, env)
    tree = _shared_files(ctx)
    for part in map_chunks(_hosts(ctx), len(plan.hosts)):
        tree.update(part)
    return tree


def render_changes(plan: Plan, output: Output, env: Environment = "production") -> Changes:
    """The whole rendered deployment, held against the folder it is for (see `Output.take`).

    Each worker stages or compares its own hosts' files, so neither a new folder's contents
    nor an existing one's unchanged files (nearly all of a re-render) cross between processes.
    """
    ctx = RenderContext(plan, env)
    render_hosts = _hosts(ctx)
    changes = output.take(_shared_files(ctx))
    for part in map_chunks(lambda chunk: output.take(render_hosts(chunk)), len(plan.hosts)):
        changes.merge(part)
    return changes


__all__ = [
    "Changes",
    "Environment",
    "Output",
    "RenderContext",
    "RenderError",
    "Tree",
    "read_tree",
    "render_all",
    "render_changes",
    "write_tree",
]
