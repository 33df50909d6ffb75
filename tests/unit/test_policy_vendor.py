"""Vendor edges: the minrex ACL in two dialects, from the same intent as nftables."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest

from egovinfra.compile import Plan, compile_loaded
from egovinfra.compile.policy.edges import TERM_NAME_MAX
from egovinfra.compile.policy.model import EdgeAcl
from egovinfra.model import load_topology
from egovinfra.render.tree import RenderError
from egovinfra.render.vendor import render_edge, render_vendor
from egovinfra.render.vendor.dialects import DIALECTS


@cache
def default_plan() -> Plan:
    return compile_loaded(load_topology(None))


def minrex() -> str:
    return "".join(
        render_vendor(default_plan(), "cisco-asa", "minrex")[p].decode()
        for p in render_vendor(default_plan(), "cisco-asa", "minrex")
    )


def test_only_vendor_sites_get_an_acl() -> None:
    assert [(e.site, e.vendor) for e in default_plan().policy.edges] == [("minrex", "juniper-srx")]


def test_asa_permits_the_flows_then_denies() -> None:
    lines = [line for line in minrex().splitlines() if "extended" in line]
    assert "access-list minrex-to-intranet extended permit tcp 10.64.4.0 255.255.255.0 host 10.1.1.10 eq https" in lines
    assert (
        "access-list minrex-to-intranet extended permit udp 10.64.4.0 255.255.255.0 host 10.2.1.11 eq domain" in lines
    )
    assert lines[-1] == "access-list minrex-to-intranet extended deny ip any any"
    assert not any("5432" in line or " 22" in line for line in lines)  # no database, no ssh


def test_srx_policy_from_lan_to_intranet() -> None:
    tree = render_vendor(default_plan(), None, "minrex")
    assert list(tree) == ["vendor/minrex/minrex-juniper-srx.srx"]
    text = tree["vendor/minrex/minrex-juniper-srx.srx"].decode()
    assert "from-zone lan to-zone intranet" in text
    assert "address MINREX_LAN_0 10.64.4.0/24;" in text
    assert "policy ministries-to-groupware-groupware-https-tcp" in text
    assert text.index("policy default-deny") > text.index("policy ministries-to-groupware-dns-udp")


@pytest.mark.parametrize("vendor", ["juniper-srx", "cisco-asa", "paloalto"])
def test_deterministic(vendor: str) -> None:
    acl = default_plan().policy.edges[0]
    assert render_edge(acl, vendor) == render_edge(acl, vendor)


def test_unknown_dialect_and_linux_site_are_errors() -> None:
    with pytest.raises(RenderError, match="unknown vendor dialect"):
        render_vendor(default_plan(), "cisco-ios", "minrex")
    with pytest.raises(RenderError, match="Linux edge"):
        render_vendor(default_plan(), None, "minfi")


def test_cli_writes_the_edge(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = cli("vendor", "--vendor", "paloalto", "--out", str(tmp_path / "v"))
    assert result.code == 0, result.stderr
    assert "<member>MINREX_LAN</member>" in (tmp_path / "v/vendor/minrex/minrex-paloalto.xml").read_text()


def _with_term_named(length: int) -> EdgeAcl:
    acl = default_plan().policy.edges[0]
    term = next(t for t in acl.terms if t.protocol == "tcp")
    name = ("f" * length)[: length - len(term.name)] + term.name if length > len(term.name) else term.name[:length]
    return replace(acl, terms=(replace(term, name=name),))


@pytest.mark.parametrize("vendor", sorted(DIALECTS))
def test_every_dialect_writes_a_term_name_of_the_checked_length(vendor: str) -> None:
    """Validate's bound on term names is one that every dialect of Aerleon accepts."""
    assert render_edge(_with_term_named(TERM_NAME_MAX), vendor)


def test_the_bound_on_term_names_is_the_strictest_dialects() -> None:
    """One character more and a dialect refuses it: the bound is no stricter than needed."""
    with pytest.raises(RenderError, match="63 characters max"):
        render_edge(_with_term_named(TERM_NAME_MAX + 1), "paloalto")
