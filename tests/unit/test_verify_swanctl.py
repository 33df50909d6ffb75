"""Reading `swanctl --list-sas`: established IKE_SAs, installed CHILD_SAs and their selectors."""

from __future__ import annotations

from egovinfra.verify.swanctl import installed, parse_sas

LISTING = """\
minfi_yde: #3, ESTABLISHED, IKEv2, 9c0e2b0f1a2b3c4d_i* 5e6f7a8b9c0d1e2f_r
  local  'gw.minfi.intranet.gov.cm' @ 100.64.1.10[4500]
  remote 'hub.yde.intranet.gov.cm' @ 100.64.0.6[4500]
  AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384
  established 12s ago, rekeying in 13976s
  minfi_yde: #2, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256/ECP_384
    installed 12s ago, rekeying in 3400s, expires in 3948s
    in  c8a1b2c3,    840 bytes,    10 packets,     1s ago
    out c1d2e3f4,    840 bytes,    10 packets,     1s ago
    local  10.64.2.0/24
    remote 10.1.0.0/16 10.1.9.0/24
minfi_dla: #4, CONNECTING, IKEv2, 1111111111111111_i* 0000000000000000_r
  local  'gw.minfi.intranet.gov.cm' @ 100.64.1.10[500]
  remote 'hub.dla.intranet.gov.cm' @ 100.64.0.10[500]
"""


def test_parse_children_and_selectors() -> None:
    sas = parse_sas(LISTING)
    assert [(s.name, s.state) for s in sas] == [("minfi_yde", "ESTABLISHED"), ("minfi_dla", "CONNECTING")]
    child = installed(sas, "minfi_yde", "minfi_yde")
    assert child is not None
    assert child.local_ts == ["10.64.2.0/24"]
    assert child.remote_ts == ["10.1.0.0/16", "10.1.9.0/24"]


def test_not_installed_when_ike_sa_is_not_established() -> None:
    assert installed(parse_sas(LISTING), "minfi_dla", "minfi_dla") is None
    assert installed(parse_sas(LISTING), "minfi_yde", "other") is None
    assert installed(parse_sas(""), "minfi_yde", "minfi_yde") is None
