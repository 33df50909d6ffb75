"""Plan → files. Renderers build in-memory trees; `write_tree` puts them on disk atomically."""

from __future__ import annotations

from egovinfra.compile.plan import Plan
from egovinfra.render.configs import render_configs
from egovinfra.render.hostvars import Environment, RenderContext
from egovinfra.render.inventory import render_inventory
from egovinfra.render.tree import RenderError, Tree, read_tree, write_tree
from egovinfra.render.vpn_peers import render_vendor_peers


def render_all(plan: Plan, env: Environment = "production") -> Tree:
    """The whole rendered deployment: inventory/ and configs/<host>/."""
    ctx = RenderContext(plan, env)
    tree = render_inventory(ctx)
    for host in plan.hosts:
        tree.update(render_configs(ctx, host))
    tree.update(render_vendor_peers(plan))
    return tree


__all__ = ["Environment", "RenderContext", "RenderError", "Tree", "read_tree", "render_all", "write_tree"]
