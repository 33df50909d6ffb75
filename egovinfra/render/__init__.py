"""Plan → files. Renderers build in-memory trees; an `Output` alone puts them on disk."""

from __future__ import annotations

from egovinfra.compile.plan import Host, Plan
from egovinfra.render.configs import render_configs
from egovinfra.render.hostvars import Environment, RenderContext
from egovinfra.render.inventory import host_vars_file, inventory_index
from egovinfra.render.tree import Changes, Output, RenderError, Tree, read_tree, write_tree
from egovinfra.render.vpn_peers import render_vendor_peers


def _shared_files(ctx: RenderContext) -> Tree:
    """The files that belong to no single host: inventory index, vendor peer configs."""
    return {**inventory_index(ctx), **render_vendor_peers(ctx.plan)}


def _host_files(ctx: RenderContext, host: Host) -> Tree:
    """A host's own files: host_vars and configs/<host>/."""
    return {**host_vars_file(ctx, host), **render_configs(ctx, host)}


def render_all(plan: Plan, env: Environment = "production") -> Tree:
    """The whole rendered deployment: inventory/ and configs/<host>/."""
    ctx = RenderContext(plan, env)
    tree = _shared_files(ctx)
    for host in plan.hosts:
        tree.update(_host_files(ctx, host))
    return tree


def render_changes(plan: Plan, output: Output, env: Environment = "production") -> Changes:
    """The whole rendered deployment, held against the folder it is for (see `Output.take`).

    In the caller's process: at 1,000 sites the rendering itself is about half a second of CPU,
    of which forked workers could run at most half on a second core, at a third more CPU time
    and with the hazards of forking from library code (figures in benchmarks/README.md).
    """
    ctx = RenderContext(plan, env)
    changes = output.take(_shared_files(ctx))
    # Host by host: only changed files stay in memory, never the whole tree.
    for host in plan.hosts:
        changes.merge(output.take(_host_files(ctx, host)))
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
