"""IKEv2 between two real charon daemons with certificates from the intranet PKI.

Checks that the strong default proposals (and the compatibility profile) are accepted by
strongSwan's openssl plugin on the userspace ESP path, that packets really cross the tunnel, and
that a responder on the default profile refuses legacy proposals. Prints SA establishment times.
Reads the SAs as the infra suites and the drills do: over vici, on the daemon's socket and
relayed over ssh (a real sshd, run from the lab image, in the responder's namespace).
"""

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from egovinfra.lab.health import ssh_command
from egovinfra.pki import PkiLayout, init_pki, issue
from egovinfra.pki.ca import load_issuing
from egovinfra.pki.issue import sign_leaf
from egovinfra.pki.keys import write_cert, write_key
from egovinfra.ssh_relay import SshRoute
from egovinfra.vici_sas import ChildSa, IkeSa, installed, local_sas, remote_sas
from tests.support import charon as h
from tests.support import sshd

pytestmark = pytest.mark.root

PREFIX = "egp-"
DOMAIN = "intranet.gov.example"
WAN = {"a": "198.18.250.1", "b": "198.18.250.2"}  # RFC 2544 benchmark range, never routed out
LAN = {"a": "10.250.1", "b": "10.250.2"}
DEFAULT = ("aes256gcm16-prfsha384-ecp384", "aes256gcm16-ecp384")


@dataclass
class Pair:
    """Two gateways, each a charon in its own namespace, holding certificates from one PKI."""

    a: h.Charon
    b: h.Charon


def _fqdn(side: str) -> str:
    return f"gw-{side}.{DOMAIN}"


def gateway_conf(side: str, ike: str, esp: str) -> str:
    """swanctl.conf of one gateway, in the shape the ipsec role renders."""
    peer = "b" if side == "a" else "a"
    return f"""connections {{
  intranet {{
    version = 2
    local_addrs = {WAN[side]}
    remote_addrs = {WAN[peer]}
    proposals = {ike}
    encap = yes
    dpd_delay = 10s
    rekey_time = 4h
    over_time = 10m
    rand_time = 10m
    local {{
      auth = pubkey
      certs = host.pem
      id = {_fqdn(side)}
    }}
    remote {{
      auth = pubkey
      id = {_fqdn(peer)}
    }}
    children {{
      lan {{
        local_ts = {LAN[side]}.0/24
        remote_ts = {LAN[peer]}.0/24
        esp_proposals = {esp}
        rekey_time = 1h
        rand_time = 5m
        dpd_action = restart
        start_action = none
      }}
    }}
  }}
}}
"""


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("pki") / "example"
    init_pki("example", DOMAIN, base)
    for side in ("a", "b"):
        issue(_fqdn(side), base)
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


def _establish(pair: Pair, ike: str, esp: str) -> float:
    pair.a.load(gateway_conf("a", ike, esp))
    pair.b.load(gateway_conf("b", ike, esp))
    started = time.monotonic()
    pair.a.swanctl("--initiate", "--child", "lan", "--timeout", "15")
    return time.monotonic() - started


@pytest.mark.parametrize(
    ("ike", "esp", "ike_sa", "child_sa"),
    [
        (*DEFAULT, "AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384", "AES_GCM_16-256/ECP_384"),
        (
            "aes256gcm16-prfsha384-curve25519",
            "aes256gcm16-curve25519",
            "AES_GCM_16-256/PRF_HMAC_SHA2_384/CURVE_25519",
            "AES_GCM_16-256/CURVE_25519",
        ),
        (
            "aes256-sha384-ecp384",
            "aes256-sha256-ecp384",
            "AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384",
            "AES_CBC-256/HMAC_SHA2_256_128/ECP_384",
        ),
        (
            "aes256-sha384-prfsha384-ecp384",
            "aes256-sha384-ecp384",
            "AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384",
            "AES_CBC-256/HMAC_SHA2_384_192/ECP_384",
        ),
    ],
    ids=["default-ecp384", "default-curve25519", "compat-cbc-sha256", "compat-cbc-sha384"],
)
def test_proposal_establishes_and_carries_traffic(pair: Pair, ike: str, esp: str, ike_sa: str, child_sa: str) -> None:
    elapsed = _establish(pair, ike, esp)
    sas = pair.b.swanctl("--list-sas").stdout
    assert "ESTABLISHED, IKEv2" in sas
    assert f"\n  {ike_sa}\n" in sas
    # Both sides authenticated each other with the PKI's certificates, identities from SAN.
    assert f"local  '{_fqdn('b')}'" in sas
    assert f"remote '{_fqdn('a')}'" in sas
    # No route to the peer's LAN exists but the tunnel's: a reply proves ESP carried it.
    h.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", f"{LAN['a']}.1", f"{LAN['b']}.1"],
          netns=pair.a.netns)  # fmt: skip
    assert "3 packets" in pair.b.swanctl("--list-sas").stdout
    # The first CHILD_SA takes its keys from IKE_SA_INIT; the rekey runs a fresh exchange (PFS).
    pair.a.swanctl("--rekey", "--child", "lan")
    rekeyed = pair.b.swanctl("--list-sas").stdout
    assert f"INSTALLED, TUNNEL-in-UDP, ESP:{child_sa}\n" in rekeyed, rekeyed
    print(f"\n{ike} / {esp}: CHILD_SA installed {elapsed * 1000:.0f} ms after --initiate")


@pytest.mark.parametrize(
    "weak",
    ["3des-sha1-modp1024", "aes128-md5-modp1536", "aes256-sha1-modp2048"],
)
def test_default_responder_refuses_legacy_ike(pair: Pair, weak: str) -> None:
    pair.b.load(gateway_conf("b", *DEFAULT))
    pair.a.load(gateway_conf("a", weak, DEFAULT[1]))
    result = pair.a.swanctl("--initiate", "--child", "lan", "--timeout", "10", check=False)
    assert result.returncode != 0
    assert "ESTABLISHED" not in pair.b.swanctl("--list-sas").stdout
    assert "received NO_PROPOSAL_CHOSEN notify error" in pair.a.log.read_text()


def test_name_constraints_enforced_by_charon(pair: Pair, tmp_path: Path, pki_dir: Path) -> None:
    """A certificate outside the intranet domain, even signed by the issuing CA, fails IKE auth."""
    layout = PkiLayout(pki_dir)
    foreign = "gw-b.other.example"
    cert, key = sign_leaf(load_issuing(layout), foreign, datetime.now(UTC))
    write_cert(tmp_path / "foreign.pem", cert)
    write_key(tmp_path / "foreign.key.pem", key)
    pair.b.install_credentials(tmp_path / "foreign.pem", tmp_path / "foreign.key.pem", [layout.root_ca.cert])
    conf_b = gateway_conf("b", *DEFAULT).replace(_fqdn("b"), foreign)
    conf_a = gateway_conf("a", *DEFAULT).replace(_fqdn("b"), foreign)
    pair.b.load(conf_b)
    pair.a.load(conf_a)
    result = pair.a.swanctl("--initiate", "--child", "lan", "--timeout", "10", check=False)
    assert result.returncode != 0
    assert "ESTABLISHED" not in pair.a.swanctl("--list-sas").stdout
    assert f"'CN={foreign}' does not match permitted name constraint '{DOMAIN}'" in (pair.a.log.read_text()), (
        pair.a.tail_log()
    )


def _expected(side: str) -> IkeSa:
    """The one IKE_SA (and its CHILD_SA) the gateway `side` holds once the tunnel is up; its age apart."""
    peer = "b" if side == "a" else "a"
    lan = ChildSa("lan", "INSTALLED", "TUNNEL", True, (f"{LAN[side]}.0/24",), (f"{LAN[peer]}.0/24",))
    return IkeSa("intranet", "ESTABLISHED", 2, _fqdn(side), _fqdn(peer), None, (lan,))


def _ageless(sas: list[IkeSa]) -> list[IkeSa]:
    return [replace(sa, established=None) for sa in sas]


def test_sas_read_over_vici_on_both_ends(pair: Pair) -> None:
    elapsed = _establish(pair, *DEFAULT)
    for side, daemon in (("a", pair.a), ("b", pair.b)):
        sas = local_sas(daemon.socket)
        assert _ageless(sas) == [_expected(side)], side
        assert sas[0].established is not None and sas[0].established <= elapsed + 1
        assert installed(sas, "intranet", "lan") == _expected(side).children[0]
        assert _ageless(local_sas(daemon.socket, ike="intranet")) == [_expected(side)]
        assert local_sas(daemon.socket, ike="other") == []
    # the age is charon's clock, not a snapshot: it grows
    before = local_sas(pair.b.socket)[0].established
    time.sleep(2.1)
    after = local_sas(pair.b.socket)[0].established
    assert before is not None and after is not None and after >= before + 2
    pair.a.swanctl("--terminate", "--ike", "intranet", "--timeout", "10")
    assert local_sas(pair.b.socket) == []


@pytest.fixture
def responder_sshd(pair: Pair, tmp_path: Path) -> Iterator[sshd.Sshd]:
    """A real sshd on the responder's WAN address, its charon's socket where Debian keeps it."""
    reason = sshd.missing_requirements()
    if reason:
        pytest.skip(reason)
    # at /run, where Debian's /var/run points: the relay asks for /var/run/charon.vici, as on a host
    with sshd.sshd(pair.b.netns, WAN["b"], tmp_path / "sshd", expose={pair.b.socket: "/run/charon.vici"}) as daemon:
        yield daemon


def test_sas_read_over_ssh_from_the_hosts_vici_socket(pair: Pair, responder_sshd: sshd.Sshd) -> None:
    _establish(pair, *DEFAULT)
    # the lab's own ssh command line (key, known hosts, batch mode), from the initiator's namespace
    route = SshRoute(
        tuple(ssh_command(pair.a.netns, responder_sshd.key, responder_sshd.known_hosts)), f"root@{WAN['b']}"
    )
    sas = remote_sas(route, ike="intranet")
    assert _ageless(sas) == [_expected("b")], responder_sshd.log.read_text()
    # nothing is left of the relay: no ssh on this side, no netcat on the host
    for ns, daemons in ((pair.a.netns, ["charon-systemd"]), (pair.b.netns, ["charon-systemd", "sshd"])):
        pids = h.run(["ip", "netns", "pids", ns]).stdout.split()
        assert sorted(Path(f"/proc/{pid}/comm").read_text().strip() for pid in pids) == daemons, ns
