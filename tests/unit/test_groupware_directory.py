"""The directory as data: people and mail domains from the sites, and the errors of bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from egovinfra.compile import compile_plan
from egovinfra.compile.build import compile_loaded
from egovinfra.errors import EgovinfraError
from egovinfra.model import load_topology
from egovinfra.model.problems import TopologyError
from tests.conftest import CASES, DEFAULT_TOPOLOGY


def _copy_topology(tmp_path: Path) -> Path:
    target = tmp_path / "topo"
    shutil.copytree(DEFAULT_TOPOLOGY, target)
    return target


def test_default_topology_has_people_in_two_ministries() -> None:
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    by_uid = {p.uid: p for p in plan.directory.people}
    assert {p.site for p in by_uid.values()} >= {"minpostel", "minfi"}
    assert by_uid["aessomba"].mail == "aessomba@minpostel.intranet.gov.cm"
    assert by_uid["cmballa"].organization == "Ministère des Finances"
    assert plan.directory.suffix == "dc=intranet,dc=gov,dc=cm"
    assert plan.directory.dn(by_uid["cmballa"]) == "uid=cmballa,ou=people,dc=intranet,dc=gov,dc=cm"


def test_every_site_gets_a_mail_domain_under_the_intranet_by_default() -> None:
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    domains = {d.site: d.name for d in plan.directory.domains}
    assert set(domains) == {s.name for s in plan.sites}
    assert domains["prc"] == "prc.intranet.gov.cm"


def test_a_topology_without_people_stays_valid() -> None:
    plan = compile_plan(load_topology(CASES / "valid" / "minimal.yaml").topology)
    assert plan.directory.people == ()
    assert len(plan.directory.domains) == len(plan.sites)


def test_surname_defaults_to_the_last_word_and_can_be_given(tmp_path: Path) -> None:
    topo = _copy_topology(tmp_path)
    site = topo / "sites" / "spm.yaml"
    site.write_text(
        site.read_text()
        + "users:\n  - {uid: jdupont, name: Jean Paul Dupont}\n"
        + "  - {uid: mbella, name: Marie Ngo Bella, surname: Ngo Bella}\n"
    )
    people = {p.uid: p for p in compile_plan(load_topology(topo).topology).directory.people}
    assert (people["jdupont"].given_name, people["jdupont"].surname) == ("Jean Paul", "Dupont")
    assert (people["mbella"].given_name, people["mbella"].surname) == ("Marie", "Ngo Bella")


def test_a_login_used_twice_is_reported_where_it_repeats(tmp_path: Path) -> None:
    topo = _copy_topology(tmp_path)
    site = topo / "sites" / "spm.yaml"
    site.write_text(site.read_text() + "users:\n  - {uid: cmballa, name: Carine Autre}\n")
    with pytest.raises(TopologyError) as caught:
        compile_loaded(load_topology(topo))
    (problem,) = caught.value.problems
    assert problem.dotted_path() == "sites.spm.users[0].uid"
    assert problem.file.endswith("spm.yaml") and problem.line > 0
    assert "minfi" in problem.message


def test_a_mail_domain_used_twice_is_reported(tmp_path: Path) -> None:
    topo = _copy_topology(tmp_path)
    site = topo / "sites" / "spm.yaml"
    site.write_text(site.read_text() + "mail_domain: minfi.intranet.gov.cm\n")
    with pytest.raises(TopologyError) as caught:
        compile_loaded(load_topology(topo))
    assert [p.dotted_path() for p in caught.value.problems] == ["sites.spm.mail_domain"]


@pytest.mark.parametrize(
    ("entry", "key"),
    [("{uid: Alice, name: Alice}", "uid"), ("{uid: alice, name: Alice, mail: a@b.c}", "mail")],
)
def test_bad_people_entries_are_refused_at_load(tmp_path: Path, entry: str, key: str) -> None:
    topo = _copy_topology(tmp_path)
    site = topo / "sites" / "spm.yaml"
    site.write_text(site.read_text() + f"users:\n  - {entry}\n")
    with pytest.raises(EgovinfraError) as caught:
        load_topology(topo)
    assert f"users[0].{key}" in str(caught.value)
