"""The overlap check that keeps the lab off the machine's own networks."""

from __future__ import annotations

from ipaddress import ip_interface, ip_network

from egovinfra.lab.safety import overlaps

MACHINE = [
    ip_interface("127.0.0.1/8"),
    ip_interface("192.0.2.2/24"),
    ip_interface("fe80::1/64"),
    ip_interface("2001:db8:1::2/64"),
]


def test_disjoint_lab_ranges_pass() -> None:
    lab = [ip_network("10.0.0.0/12"), ip_network("100.64.0.0/16"), ip_network("fd00::/48")]
    assert overlaps(lab, MACHINE) == []


def test_a_lab_range_containing_the_machine_network_is_refused() -> None:
    found = overlaps([ip_network("192.0.0.0/16")], MACHINE)
    assert found == ["lab range 192.0.0.0/16 overlaps 192.0.2.2/24 on this machine"]


def test_a_lab_range_inside_the_machine_network_is_refused() -> None:
    assert len(overlaps([ip_network("192.0.2.128/25")], MACHINE)) == 1


def test_ipv6_overlap_is_refused() -> None:
    assert len(overlaps([ip_network("2001:db8::/32")], MACHINE)) == 1


def test_loopback_and_link_local_do_not_count() -> None:
    assert overlaps([ip_network("127.0.0.0/8"), ip_network("fe80::/10")], MACHINE) == []
