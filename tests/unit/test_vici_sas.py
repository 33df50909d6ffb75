"""charon's `list-sas` answer, as vici carries it, turned into typed SAs (age and identities included)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vici.protocol import FiniteStream, Message

from egovinfra.vici_sas import ChildSa, IkeSa, SasError, installed, sas_from_answers


def on_the_wire(section: Mapping[str, Any]) -> dict[str, Any]:
    """What vici hands back for `section` once it has crossed the socket: names str, values bytes."""
    return Message.deserialize(FiniteStream(Message.serialize(section)))


def ike_section(sa: IkeSa, uniqueid: int = 3) -> dict[str, Any]:
    """charon's answer for one IKE_SA, in the shape of strongSwan 5.9's vici `list-sa` event."""
    body: dict[str, Any] = {
        "uniqueid": str(uniqueid),
        "version": str(sa.version),
        "state": sa.state,
        "local-host": "100.64.0.6",
        "local-port": "4500",
        "local-id": sa.local_id,
        "remote-host": "100.64.1.10",
        "remote-port": "4500",
        "remote-id": sa.remote_id,
        "initiator-spi": "9c0e2b0f1a2b3c4d",
        "responder-spi": "5e6f7a8b9c0d1e2f",
        "encr-alg": "AES_GCM_16",
        "encr-keysize": "256",
        "prf-alg": "PRF_HMAC_SHA2_384",
        "dh-group": "ECP_384",
        "tasks-active": ["IKE_DPD"],
    }
    if sa.established is not None:
        body |= {"established": str(sa.established), "rekey-time": "13976"}
    body["child-sas"] = {
        f"{child.name}-{index}": {
            "name": child.name,
            "uniqueid": str(index),
            "reqid": "1",
            "state": child.state,
            "mode": child.mode,
            "protocol": "ESP",
            **({"encap": "yes"} if child.encap else {}),
            "spi-in": "c8a1b2c3",
            "bytes-in": "840",
            "install-time": "12",
            "local-ts": list(child.local_ts),
            "remote-ts": list(child.remote_ts),
        }
        for index, child in enumerate(sa.children, start=2)
    }
    return {sa.name: body}


HUB_SIDE = IkeSa(
    name="minfi_yde",
    state="ESTABLISHED",
    version=2,
    local_id="hub.yde.intranet.gov.cm",
    remote_id="gw.minfi.intranet.gov.cm",
    established=12,
    children=(ChildSa("minfi_yde", "INSTALLED", "TUNNEL", True, ("10.1.0.0/16", "10.1.9.0/24"), ("10.64.2.0/24",)),),
)
CONNECTING = IkeSa("minfi_dla", "CONNECTING", 2, "hub.yde.intranet.gov.cm", "gw.minfi.intranet.gov.cm", None, ())


def test_an_established_sa_reads_back_with_its_age_identities_and_selectors() -> None:
    sas = sas_from_answers([on_the_wire(ike_section(HUB_SIDE)), on_the_wire(ike_section(CONNECTING, 4))])
    assert sas == [HUB_SIDE, CONNECTING]
    assert sas[0].established == 12 and sas[0].remote_id == "gw.minfi.intranet.gov.cm"
    assert sas[1].established is None  # charon gives no age before IKE_AUTH completes


def test_installed_needs_an_established_ike_sa_and_an_installed_child() -> None:
    sas = sas_from_answers([on_the_wire(ike_section(HUB_SIDE)), on_the_wire(ike_section(CONNECTING, 4))])
    assert installed(sas, "minfi_yde", "minfi_yde") == HUB_SIDE.children[0]
    assert installed(sas, "minfi_yde", "other") is None
    assert installed(sas, "minfi_dla", "minfi_dla") is None
    old = replace(HUB_SIDE, children=(replace(HUB_SIDE.children[0], state="REKEYED"),))
    assert installed(sas_from_answers([on_the_wire(ike_section(old))]), "minfi_yde", "minfi_yde") is None
    assert installed([], "minfi_yde", "minfi_yde") is None


def test_a_malformed_answer_is_an_error_not_a_guess() -> None:
    with pytest.raises(SasError, match="child-sas is not a section"):
        sas_from_answers([{"minfi_yde": {"state": b"ESTABLISHED", "version": b"2", "child-sas": b"x"}}])
    with pytest.raises(SasError, match="local-ts is not a list"):
        sas_from_answers([{"a": {"version": b"2", "child-sas": {"a-1": {"local-ts": b"10.0.0.0/8"}}}}])


_names = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz_-0123456789"), min_size=1, max_size=12)
_ts = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(8, 32)).map(
    lambda t: f"10.{t[0]}.{t[1]}.0/{t[2]}"
)
_children = st.builds(
    ChildSa,
    name=_names,
    state=st.sampled_from(["INSTALLED", "REKEYED", "DELETING"]),
    mode=st.sampled_from(["TUNNEL", "TRANSPORT"]),
    encap=st.booleans(),
    local_ts=st.lists(_ts, min_size=1, max_size=3).map(tuple),
    remote_ts=st.lists(_ts, min_size=1, max_size=3).map(tuple),
)
_ike_sas = st.builds(
    IkeSa,
    name=_names,
    state=st.sampled_from(["ESTABLISHED", "CONNECTING", "REKEYING", "DELETING"]),
    version=st.sampled_from([1, 2]),
    local_id=_names.map(lambda n: f"{n}.intranet.gov.example"),
    remote_id=_names.map(lambda n: f"{n}.intranet.gov.example"),
    established=st.none() | st.integers(0, 10**6),
    children=st.lists(_children, max_size=3).map(tuple),
)


@given(st.lists(_ike_sas, max_size=4))
def test_every_sa_survives_the_wire_unchanged(sas: list[IkeSa]) -> None:
    answers = [on_the_wire(ike_section(sa, uniqueid)) for uniqueid, sa in enumerate(sas, start=1)]
    assert sas_from_answers(answers) == sas
