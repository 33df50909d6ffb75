"""Revocation between two real charon daemons: a hub with `revocation = strict` and a site.

What the hubs rely on: a CRL from `egovinfra pki` loaded with `swanctl --load-creds` makes
charon refuse a revoked certificate at IKE_AUTH, a certificate issued afresh to the same
identity passes, and strict mode refuses every peer when no CRL is loaded (which is why
`pki ensure` always publishes one).
"""

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from egovinfra.pki import PkiLayout, init_pki, issue
from egovinfra.pki.crl import CrlPaths, publish, revoke
from tests.root.test_pki_tunnel import DEFAULT, LAN, WAN, Pair, gateway_conf
from tests.support import charon as h

pytestmark = pytest.mark.root

PREFIX = "egr-"
DOMAIN = "intranet.gov.example"


def _fqdn(side: str) -> str:
    return f"gw-{side}.{DOMAIN}"


def hub_conf() -> str:
    """Side b is the hub: strict revocation for its peer, as the ipsec role renders it."""
    return gateway_conf("b", *DEFAULT).replace(
        f"id = {_fqdn('a')}\n", f"id = {_fqdn('a')}\n      revocation = strict\n", 1
    )


@pytest.fixture
def pki_dir(tmp_path: Path) -> Path:
    base = tmp_path / "pki"
    init_pki("example", DOMAIN, base)
    for side in ("a", "b"):
        issue(_fqdn(side), base)
    publish(base)
    return base


@pytest.fixture
def pair(pki_dir: Path, tmp_path: Path) -> Iterator[Pair]:
    reason = h.missing_requirements()
    if reason:
        pytest.skip(reason)
    h.cleanup(PREFIX)
    tag = f"{PREFIX}{os.getpid()}"
    layout = PkiLayout(pki_dir)
    cas = [layout.root_ca.cert, layout.issuing_ca.cert]
    with h.namespace(f"{tag}-a") as ns_a, h.namespace(f"{tag}-b") as ns_b:
        h.link(ns_a, f"{WAN['a']}/30", ns_b, f"{WAN['b']}/30")
        h.lan(ns_a, f"{LAN['a']}.1/32")
        h.lan(ns_b, f"{LAN['b']}.1/32")
        with h.charon(ns_a, tmp_path / "a") as a, h.charon(ns_b, tmp_path / "b") as b:
            for side, daemon in (("a", a), ("b", b)):
                paths = layout.host_current(_fqdn(side))
                daemon.install_credentials(paths.cert, paths.key, cas)
            yield Pair(a=a, b=b)


def _install_crl(daemon: h.Charon, pki_dir: Path) -> None:
    paths = CrlPaths(pki_dir)
    shutil.copyfile(paths.crl, daemon.swanctl_dir / "x509crl" / "issuing.crl.pem")
    shutil.copyfile(paths.root_crl, daemon.swanctl_dir / "x509crl" / "root.crl.pem")


def _initiate(pair: Pair) -> bool:
    result = pair.a.swanctl("--initiate", "--child", "lan", "--timeout", "10", check=False)
    return result.returncode == 0 and "ESTABLISHED" in pair.b.swanctl("--list-sas").stdout


def test_strict_hub_accepts_a_valid_peer_with_the_crl(pair: Pair, pki_dir: Path) -> None:
    _install_crl(pair.b, pki_dir)
    pair.b.load(hub_conf())
    pair.a.load(gateway_conf("a", *DEFAULT))
    assert _initiate(pair), pair.b.tail_log()


def test_strict_hub_refuses_every_peer_without_a_crl(pair: Pair) -> None:
    pair.b.load(hub_conf())
    pair.a.load(gateway_conf("a", *DEFAULT))
    assert not _initiate(pair)
    assert "AUTHENTICATION_FAILED" in pair.a.log.read_text()


def test_revoked_peer_is_closed_and_refused_then_a_fresh_certificate_passes(pair: Pair, pki_dir: Path) -> None:
    _install_crl(pair.b, pki_dir)
    pair.b.load(hub_conf())
    pair.a.load(gateway_conf("a", *DEFAULT))
    assert _initiate(pair)
    revoke(_fqdn("a"), pki_dir, "key_compromise")
    _install_crl(pair.b, pki_dir)
    # What the pki role's handler does: load the new CRL, drop the CRLs charon cached while
    # verifying (it would keep using the old one), close the revoked identity's IKE SAs.
    pair.b.swanctl("--load-creds", "--noprompt")
    pair.b.swanctl("--flush-certs", "--type", "x509crl")
    pair.b.swanctl("--terminate", "--ike", "intranet", "--timeout", "10")
    assert "ESTABLISHED" not in pair.b.swanctl("--list-sas").stdout
    assert not _initiate(pair)
    assert "certificate was revoked" in pair.b.log.read_text(), pair.b.tail_log()
    # The identity gets a fresh certificate (new key, new serial): the hub accepts it.
    fresh = issue(_fqdn("a"), pki_dir)
    pair.a.install_credentials(fresh.cert, fresh.key, [])
    pair.a.swanctl("--load-creds", "--noprompt")
    assert _initiate(pair), pair.b.tail_log()


def test_stale_crl_under_strict(pair: Pair, pki_dir: Path) -> None:
    """A CRL past its next update: what strict revocation then does (documented in docs/pki.md)."""
    publish(pki_dir, now=datetime.now(UTC) - timedelta(days=40))
    _install_crl(pair.b, pki_dir)
    pair.b.load(hub_conf())
    pair.a.load(gateway_conf("a", *DEFAULT))
    established = _initiate(pair)
    print(f"\nstale CRL under strict revocation: {'accepted' if established else 'refused'}")
    assert not established, "a stale CRL must not count as current revocation information"
