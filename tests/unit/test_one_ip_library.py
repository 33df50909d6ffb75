"""One IP library across egovinfra: the standard library's `ipaddress` (no netaddr, no hand-made prefix type)."""

from __future__ import annotations

import ast
from pathlib import Path

import egovinfra

PACKAGE = Path(egovinfra.__file__).parent
OTHER_IP_LIBRARIES = {"netaddr", "ipcalc", "IPy", "netaddress"}


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_imports_another_ip_library() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if (found := _imported(ast.parse(path.read_text())) & OTHER_IP_LIBRARIES)
    }
    assert offenders == {}


def test_the_address_plan_works_on_ipaddress_values() -> None:
    """No class of its own for prefixes: the plan's arithmetic takes and returns `ipaddress` objects."""
    from ipaddress import IPv4Network

    from egovinfra.compile import addresses

    classes = [n.name for n in ast.walk(ast.parse(Path(addresses.__file__).read_text())) if isinstance(n, ast.ClassDef)]
    assert classes == []
    assert isinstance(addresses.nth_subnet(IPv4Network("10.64.0.0/10"), 24, 3), IPv4Network)
