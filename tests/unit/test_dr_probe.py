"""The probe of `egovinfra dr`: which hosts answer an ssh login, with the inventory's own
connection settings, all at once; and the failover's decision taken from its answers."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from egovinfra.cli.topology_cmds import load_plan
from egovinfra.compile import Plan
from egovinfra.dr import probe, steps

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(ROOT / "topology" / "cameroon", "designed-only")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _mute_servers(count: int) -> Iterator[list[int]]:
    """Listening sockets that accept a connection and never greet: hosts whose TCP stack
    answers while nothing serves ssh."""
    sockets = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    try:
        yield [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def test_a_host_without_sshd_is_silent_and_ssh_says_why() -> None:
    assert shutil.which("ssh"), "the probe logs in with the ssh client"
    conn = probe.Connection("yde-db", "127.0.0.1", user="root", port=_free_port())
    answers = probe.probe([conn], connect_timeout=1)
    assert not answers["yde-db"].answered
    assert "refused" in answers["yde-db"].reason


def test_silent_hosts_cost_one_timeout_not_one_each() -> None:
    with _mute_servers(6) as ports:
        conns = [probe.Connection(f"h{i}", "127.0.0.1", port=p) for i, p in enumerate(ports)]
        start = time.monotonic()
        answers = probe.probe(conns, connect_timeout=1, workers=8)
        elapsed = time.monotonic() - start
    assert {a.host for a in answers.values() if not a.answered} == {f"h{i}" for i in range(6)}
    assert all("banner" in a.reason or "timed out" in a.reason for a in answers.values())
    assert elapsed < 6 * 1.0, f"logged in one host after the other ({elapsed:.1f} s for 6)"


def test_the_fixed_options_come_first_so_that_ssh_keeps_them() -> None:
    conn = probe.Connection(
        "dla-db",
        "10.2.3.10",
        user="root",
        port=2222,
        private_key="/k",
        args=("-o", "ControlMaster=auto", "-o", "ProxyJump=root@bastion"),
    )
    argv = probe.ssh_argv(conn, 2)
    master = [i for i, a in enumerate(argv) if a.startswith("ControlMaster=")]
    assert argv[master[0]] == "ControlMaster=no" and argv[master[1]] == "ControlMaster=auto"
    assert "ConnectTimeout=2" in argv and argv.index("ConnectTimeout=2") < argv.index("ProxyJump=root@bastion")
    assert argv[argv.index("-p") + 1] == "2222" and argv[argv.index("-l") + 1] == "root"
    assert argv[argv.index("-i") + 1] == "/k"
    assert argv[-3:] == ["--", "10.2.3.10", "true"]


def _inventory(tmp_path: Path) -> Path:
    inventory = tmp_path / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "host_vars").mkdir()
    hosts = {"all": {"children": {"dc_dla": {"hosts": {"dla-db": None, "dla-dns": {"ansible_port": 2200}}}}}}
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    (inventory / "group_vars" / "all.yml").write_text(
        yaml.safe_dump(
            {
                "ansible_user": "root",
                "jump": "admin@10.2.4.10",
                "ansible_ssh_private_key_file": "/inventory/key",
                "ansible_ssh_common_args": "-o ProxyJump={{ jump }}",
            }
        )
    )
    (inventory / "host_vars" / "dla-db.yml").write_text(yaml.safe_dump({"ansible_host": "10.2.3.10"}))
    return inventory


def test_connections_follow_the_inventory_and_the_command_s_overrides(tmp_path: Path) -> None:
    found, missing = probe.connections(
        _inventory(tmp_path),
        ["dla-db", "dla-dns", "dla-gone"],
        {"ansible_ssh_private_key_file": "/lab/operator"},
        "-o ControlMaster=auto -o ControlPersist=300s",
    )
    by_name = {c.host: c for c in found}
    assert missing == ["dla-gone"]
    assert by_name["dla-db"].address == "10.2.3.10"
    assert by_name["dla-dns"].address == "dla-dns" and by_name["dla-dns"].port == 2200
    assert {c.user for c in found} == {"root"} and {c.private_key for c in found} == {"/lab/operator"}
    assert by_name["dla-db"].args == (
        "-o",
        "ControlMaster=auto",
        "-o",
        "ControlPersist=300s",
        "-o",
        "ProxyJump=admin@10.2.4.10",
    )


def _runner(answering: set[str], addresses: dict[str, str]) -> probe.Runner:
    """A fake ssh: exit 0 for the hosts in `answering`, a timeout for the others."""
    by_address = {address: name for name, address in addresses.items()}

    def run(argv: Sequence[str], timeout: float) -> tuple[int, str]:
        host = by_address[argv[-2]]
        if host in answering:
            return 0, ""
        return 255, f"ssh: connect to host {argv[-2]} port 22: Connection timed out\n"

    return run


def _reach(plan: Plan, answering: set[str]) -> steps.Reach:
    hosts = [h for dc in plan.datacenters for h in steps.datacenter_hosts(plan, dc)]
    conns = [probe.Connection(h.name, h.address) for h in hosts]
    answers = probe.probe(conns, run=_runner(answering, {h.name: h.address for h in hosts}))
    return probe.reach(answers, [h.name for h in hosts])


def test_a_failover_is_refused_while_the_active_datacenter_answers(plan: Plan) -> None:
    everyone = {h.name for dc in plan.datacenters for h in steps.datacenter_hosts(plan, dc)}
    one_left = (everyone - {h.name for h in steps.datacenter_hosts(plan, plan.active)}) | {"yde-dns"}
    for answering in (everyone, one_left):
        proposal = steps.failover(plan, plan.datacenter("dla"), _reach(plan, answering), force=False, reason="")
        assert any("yde still answers" in r for r in proposal.refusals)


def test_a_silent_active_datacenter_is_failed_over_and_its_hosts_reported(plan: Plan) -> None:
    dla = {h.name for h in steps.datacenter_hosts(plan, plan.datacenter("dla"))}
    reach = _reach(plan, dla)
    assert steps.failover(plan, plan.datacenter("dla"), reach, force=False, reason="").refusals == ()
    yde = {h.name for h in steps.datacenter_hosts(plan, plan.datacenter("yde"))}
    assert reach.silent == frozenset(yde)
    assert all("Connection timed out" in reach.reasons[name] for name in yde)


def test_a_host_missing_from_the_inventory_is_silent_not_forgotten() -> None:
    reach = probe.reach({}, ["yde-db", "dla-db"], missing=["yde-db"])
    assert reach.answered == frozenset() and reach.silent == {"yde-db", "dla-db"}
    assert reach.reasons == {"yde-db": "not in the inventory", "dla-db": "not probed"}


def test_a_slow_login_is_waited_for_a_lost_host_is_not() -> None:
    """Only the connect is short: a host that answers slowly (a loaded machine, a ProxyJump)
    must not look lost, or the datacenter taking over would be refused as silent."""
    seen: list[tuple[list[str], float]] = []

    def run(argv: Sequence[str], timeout: float) -> tuple[int, str]:
        seen.append((list(argv), timeout))
        return 0, ""

    probe.probe([probe.Connection("dla-db", "10.2.3.10")], connect_timeout=2, run=run)
    argv, timeout = seen[0]
    assert "ConnectTimeout=2" in argv
    assert timeout >= 30, "a login that takes 10 s on a loaded machine still answers"
