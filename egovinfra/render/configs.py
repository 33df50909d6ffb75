"""Offline rendering of the roles' own templates into configs/<host>/<path>.

A template at roles/<role>/templates/etc/x.conf.j2 is the file /etc/x.conf on the host.
It is rendered here with plain Jinja2 and StrictUndefined, from the same variables the
inventory holds, so an undefined variable fails the render instead of writing a hole.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, TemplateError
from jinja2.defaults import DEFAULT_NAMESPACE

from egovinfra.compile.plan import Host
from egovinfra.render.assignments import ansible_roles
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.inventory import all_vars, host_vars
from egovinfra.render.tree import RenderError, Tree

ROLES_DIR = Path(__file__).resolve().parents[2] / "roles"


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(Environment):
    """Jinja as Ansible runs it, with `conn.name` on a plain dict looked up as a key at once.

    Jinja first tries an attribute and falls back to the key after an AttributeError; for
    a name that is no attribute of dict that attempt always fails, so the result is the
    same, and the hub's thousand tunnels are ~200,000 such lookups.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@cache
def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept between runs (Jinja checks each against its source's checksum).

    Only in a cache folder private to the user: another user able to write there could
    plant code that a render would run.
    """
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "egovinfra" / "jinja2"
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = base.stat()
    except (OSError, RuntimeError):  # no home folder, or a read-only one
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return FileSystemBytecodeCache(str(base))


def ansible_bool(value: Any) -> bool:
    """Ansible's `bool` filter: what `-e flag=false` (a string) must mean in a template.

    Booleans pass; the strings yes/on/1/true (any case) and the number 1 are true; anything
    else is false. Templates coerce every boolean option with it, so a string from the command
    line or the inventory cannot turn a guard the wrong way.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        value = value.lower()
    return value in ("yes", "on", "1", "true", 1)


@cache
def _environment(role: str) -> Environment:
    # Ansible's template module defaults: trim_blocks on, lstrip_blocks off.
    env = _Environment(
        loader=FileSystemLoader(str(ROLES_DIR / role / "templates")),
        undefined=StrictUndefined,
        # Templates do not change during a render: skip the per-use freshness check.
        auto_reload=False,
        bytecode_cache=_bytecode_cache(),
        trim_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["bool"] = ansible_bool
    return env


@cache
def role_templates(role: str) -> tuple[str, ...]:
    """The templates of a role, as paths relative to its templates/ folder."""
    base = ROLES_DIR / role / "templates"
    if not base.is_dir():
        return ()
    return tuple(sorted(p.relative_to(base).as_posix() for p in base.rglob("*.j2")))


def render_template(role: str, template: str, variables: dict[str, Any]) -> str:
    """Render one role template with `variables` (StrictUndefined)."""
    return _render(role, template, {**DEFAULT_NAMESPACE, **variables})


def _render(role: str, template: str, scope: dict[str, Any]) -> str:
    # The scope (globals and a host's variables) is built once per host and shared by all its
    # templates, like Ansible's templar does: copying ~60 variables for each of a host's
    # small files cost more than rendering most of them.
    try:
        compiled = _environment(role).get_template(template)
        return "".join(compiled.root_render_func(compiled.new_context(scope, shared=True)))
    except TemplateError as exc:
        raise RenderError(f"roles/{role}/templates/{template}: {exc}") from None


def render_configs(ctx: RenderContext, host: Host) -> Tree:
    """configs/<host>/... for every template of every role of `host`."""
    scope = {**DEFAULT_NAMESPACE, **all_vars(ctx), **host_vars(ctx, host), "inventory_hostname": host.name}
    tree: Tree = {}
    for role in ansible_roles(host, ctx.plan):
        for template in role_templates(role):
            target = template.removesuffix(".j2")
            tree[f"configs/{host.name}/{target}"] = _render(role, template, scope).encode()
    return tree
