"""Lab names: one prefix per lab, kernel-sized interface names."""

from __future__ import annotations

import pytest

from egovinfra.lab import names


def test_prefix_is_stable_and_distinct_per_lab() -> None:
    assert names.lab_prefix("cameroon") == names.lab_prefix("cameroon")
    assert names.lab_prefix("cameroon") != names.lab_prefix("senegal")
    assert names.lab_prefix("cameroon").startswith("eg-")
    assert names.lab_prefix("cameroon", family="egt").startswith("egt-")
    assert len(names.lab_prefix("cameroon")) == len("eg-") + 4


@pytest.mark.parametrize("bad", ["", "Cameroon", "a b", "-x", "x/y"])
def test_prefix_refuses_names_that_are_not_dns_labels(bad: str) -> None:
    with pytest.raises(ValueError, match="DNS labels"):
        names.lab_prefix(bad)


def test_every_object_name_is_owned_by_its_lab_only() -> None:
    mine, other = names.lab_prefix("one"), names.lab_prefix("two")
    created = [
        names.mgmt_ns(mine),
        names.wan_ns(mine),
        names.router_ns(mine, "yde"),
        names.site_ns(mine, "minfi"),
        names.host_machine(mine, "yde-db"),
    ]
    assert all(names.owned(mine, n) for n in created)
    assert not any(names.owned(other, n) for n in created)
    assert len(set(created)) == len(created)


def test_host_named_like_a_lab_namespace_does_not_collide() -> None:
    prefix = names.lab_prefix("one")
    assert names.host_machine(prefix, "mgmt") != names.mgmt_ns(prefix)
    assert names.host_machine(prefix, "wan") != names.wan_ns(prefix)


def test_short_interface_names_are_kept_readable() -> None:
    assert names.ifname("m", "yde-db") == "m-yde-db"
    assert names.ifname("br", "app") == "br-app"


def test_long_interface_names_fit_the_kernel_and_stay_distinct() -> None:
    long_a = names.ifname("m", "ministere-des-finances-gw")
    long_b = names.ifname("m", "ministere-des-finances-ws1")
    assert len(long_a) <= 15
    assert len(long_b) <= 15
    assert long_a != long_b
    assert names.ifname("m", "ministere-des-finances-gw") == long_a
