"""Plan → Ansible inventory: hosts.yml with groups, group_vars/all.yml, host_vars/<host>.yml."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from egovinfra.compile.plan import Host
from egovinfra.render.assignments import ansible_roles
from egovinfra.render.hostvars import RenderContext, host_identity
from egovinfra.render.providers import PROVIDERS
from egovinfra.render.tree import Tree
from egovinfra.render.yamlout import dump_yaml

HEADER = "Rendered by `egovinfra render` from the topology; do not edit, regenerate."


def host_vars(ctx: RenderContext, host: Host) -> dict[str, Any]:
    """Every variable of one host: identity, then each of its roles' variables."""
    cached = ctx.computed.get(host.name)
    if cached is not None:
        return cached
    out = host_identity(ctx, host)
    for role in ansible_roles(host, ctx.plan):
        found = PROVIDERS.get(role)
        values = found(ctx, host) if found else None
        if values:
            out.update(values)
    out["egovinfra_roles"] = list(ansible_roles(host, ctx.plan))
    bastion = ctx.plan.access.of(host.name).bastion
    if bastion is not None:
        # Administrators reach the host through its datacenter's bastion, as themselves (ssh
        # expands %r to the login), without a template in the inventory.
        out["ansible_ssh_common_args"] = f"-o ProxyJump=%r@{ctx.plan.host(bastion).mgmt_address}"
    ctx.computed[host.name] = out
    return out


def groups(ctx: RenderContext) -> dict[str, list[str]]:
    """Inventory groups: by datacenter or site, by function, and by Ansible role (`role_<name>`).

    A fenced datacenter's hosts (`egovinfra dr failover` lost it) are in `dr_fenced` and in no
    other group: no play reaches them until `egovinfra dr failback` takes them back.
    """
    out: dict[str, list[str]] = defaultdict(list)
    for host in ctx.plan.hosts:
        if not host.managed:
            continue
        if not ctx.plan.serving(host):
            out["dr_fenced"].append(host.name)
            continue
        out[f"{'dc' if host.kind == 'datacenter' else 'site'}_{host.scope}".replace("-", "_")].append(host.name)
        out["datacenter_hosts" if host.kind == "datacenter" else "site_hosts"].append(host.name)
        for function in host.roles:
            out[function].append(host.name)
        for role in ansible_roles(host, ctx.plan):
            out[f"role_{role}"].append(host.name)
        if host.kind == "datacenter":
            dc = ctx.plan.datacenter(host.scope)
            out[f"{dc.role}_datacenter"].append(host.name)
            if dc.name == ctx.plan.active.name:
                out["dr_active"].append(host.name)
    return {name: sorted(members) for name, members in sorted(out.items())}


def all_vars(ctx: RenderContext) -> dict[str, Any]:
    """Deployment-wide variables."""
    plan = ctx.plan
    return {
        "egovinfra_deployment": plan.name,
        "egovinfra_domain": plan.domain,
        "egovinfra_environment": ctx.env,
        "egovinfra_primary_datacenter": plan.primary.name,
        # Operational state (state/<environment>.yaml), changed only by `egovinfra dr`.
        "egovinfra_active_datacenter": plan.active.name,
        "egovinfra_dr_generation": plan.generation,
        "egovinfra_fenced_datacenters": [dc.name for dc in plan.fenced],
        "egovinfra_replication_mode": plan.replication_mode,
        # No ansible_user: converge logs in as the operator (--user, $EGOVINFRA_OPERATOR).
        "ansible_python_interpreter": "/usr/bin/python3",
    }


def inventory_index(ctx: RenderContext, prefix: str = "inventory/") -> Tree:
    """hosts.yml (groups) and group_vars/all.yml under `prefix`."""
    hosts_yml: dict[str, Any] = {
        "all": {
            "hosts": {h.name: None for h in ctx.plan.hosts if h.managed},
            "children": {name: {"hosts": {m: None for m in members}} for name, members in groups(ctx).items()},
        }
    }
    return {
        f"{prefix}hosts.yml": dump_yaml(hosts_yml, HEADER),
        f"{prefix}group_vars/all.yml": dump_yaml(all_vars(ctx), HEADER),
    }


def host_vars_file(ctx: RenderContext, host: Host, prefix: str = "inventory/") -> Tree:
    """host_vars/<host>.yml under `prefix` (nothing for an unmanaged host)."""
    if not host.managed:
        return {}
    return {f"{prefix}host_vars/{host.name}.yml": dump_yaml(host_vars(ctx, host), HEADER)}


def render_inventory(ctx: RenderContext, prefix: str = "inventory/") -> Tree:
    """The inventory files under `prefix`."""
    tree = inventory_index(ctx, prefix)
    for host in ctx.plan.hosts:
        tree.update(host_vars_file(ctx, host, prefix))
    return tree
