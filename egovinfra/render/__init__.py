"""Plan → files. Renderers build in-memory trees; `write_tree` alone puts them on disk."""

from __future__ import annotations

from egovinfra.compile.plan import Plan
from egovinfra.render.configs import render_configs
from egovinfra.render.hostvars import Environment, RenderContext
from egovinfra.render.inventory import host_vars_file, inventory_index
from egovinfra.render.parallel import map_hosts
from egovinfra.render.tree import RenderError, Tree, read_tree, write_tree
from egovinfra.render.vpn_peers import render_vendor_peers


def render_all(plan: Plan, env: Environment = "production") -> Tree:
    """The whole rendered deployment: inventory/ and configs/<host>/."""
    ctx = RenderContext(plan, env)
    hosts = plan.hosts

    def one_host(index: int) -> Tree:
        host = hosts[index]
        return {**host_vars_file(ctx, host), **render_configs(ctx, host)}

    tree = inventory_index(ctx)
    tree.update(map_hosts(one_host, len(hosts)))
    tree.update(render_vendor_peers(plan))
    return tree


__all__ = ["Environment", "RenderContext", "RenderError", "Tree", "read_tree", "render_all", "write_tree"]
