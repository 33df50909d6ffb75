"""`egovinfra converge`: the recap, the exit code and the kept events, on local hosts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from egovinfra.cli.converge import Progress, parse_extravars
from egovinfra.errors import EgovinfraError

PLAYBOOK = """\
- name: Test play
  hosts: all
  gather_facts: false
  tasks:
    - name: Change something
      ansible.builtin.command: "true"
      changed_when: true
    - name: Report nothing new
      ansible.builtin.debug:
        msg: "{{ greeting | default('none') }}"
    - name: Fail where asked
      ansible.builtin.fail:
        msg: broken on purpose
      when: inventory_hostname in (fail_on | default('')).split(',')
"""


# The local "hosts" are this machine, where the tests run as root (no sudo to become with).
AS_ROOT = ("--user", "root")


def make_inventory(tmp_path: Path) -> tuple[Path, Path]:
    inventory = tmp_path / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "group_vars" / "all.yml").write_text(
        "egovinfra_deployment: test\negovinfra_environment: production\n"
        'ansible_connection: local\nansible_python_interpreter: "{{ ansible_playbook_python }}"\n'
    )
    (inventory / "hosts.yml").write_text("all:\n  hosts:\n    alpha:\n    beta:\n")
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    return inventory, playbook


def only_summary(reports: Path) -> dict:  # type: ignore[type-arg]
    (summary,) = reports.glob("*/summary.json")
    return json.loads(summary.read_text())  # type: ignore[no-any-return]


def test_a_clean_run_exits_zero_and_keeps_its_events(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inventory, playbook = make_inventory(tmp_path)
    reports = tmp_path / "reports"
    result = cli("converge", str(playbook), "--inventory", str(inventory), "--reports", str(reports), *AS_ROOT)
    assert result.code == 0, result.stdout + result.stderr
    summary = only_summary(reports)
    assert summary["status"] == "successful"
    for host in ("alpha", "beta"):
        assert summary["hosts"][host]["changed"] == 1
        assert summary["hosts"][host]["failures"] == 0
    assert "alpha" in result.stdout and "recap" in result.stdout
    assert list(reports.glob("*/artifacts/*/job_events/*.json")), "events were not kept"


def test_a_failure_on_one_host_exits_non_zero(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inventory, playbook = make_inventory(tmp_path)
    reports = tmp_path / "reports"
    result = cli(
        "converge",
        str(playbook),
        "--inventory",
        str(inventory),
        "--reports",
        str(reports),
        "-e",
        "fail_on=beta",
        *AS_ROOT,
    )
    assert result.code == 1
    summary = only_summary(reports)
    assert summary["hosts"]["beta"]["failures"] == 1
    assert summary["hosts"]["alpha"]["failures"] == 0
    assert "broken on purpose" in result.stdout


def test_limit_restricts_the_hosts(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inventory, playbook = make_inventory(tmp_path)
    reports = tmp_path / "reports"
    result = cli(
        "converge",
        str(playbook),
        "--inventory",
        str(inventory),
        "--reports",
        str(reports),
        "--limit",
        "alpha",
        *AS_ROOT,
    )
    assert result.code == 0
    assert set(only_summary(reports)["hosts"]) == {"alpha"}


def test_bad_input_is_a_clear_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inventory, playbook = make_inventory(tmp_path)
    missing = cli("converge", str(tmp_path / "nope.yml"), "--inventory", str(inventory))
    assert missing.code == 2 and "no such playbook" in missing.stderr
    not_rendered = cli("converge", str(playbook), "--inventory", str(tmp_path))
    assert not_rendered.code == 2 and "not a rendered inventory" in not_rendered.stderr
    with pytest.raises(EgovinfraError, match="KEY=VALUE"):
        parse_extravars(["novalue"])


def test_progress_counts_what_the_events_say() -> None:
    progress = Progress()
    events = [
        {"event": "playbook_on_play_start", "event_data": {"play": "Base"}},
        {"event": "playbook_on_task_start", "event_data": {"task": "Harden sshd"}},
        {"event": "runner_on_ok", "event_data": {"host": "a", "res": {"changed": True}}},
        {"event": "runner_on_ok", "event_data": {"host": "b", "res": {"changed": False}}},
        {"event": "runner_on_unreachable", "event_data": {"host": "c", "task": "Harden sshd", "res": {"msg": "no"}}},
        {"event": "runner_on_failed", "event_data": {"host": "b", "ignore_errors": True, "res": {}}},
    ]
    for event in events:
        progress.handle(event)
    assert (progress.play, progress.task) == ("Base", "Harden sshd")
    assert progress.hosts["a"]["changed"] == 1
    assert progress.hosts["b"] == {"ok": 1, "changed": 0, "failures": 0, "dark": 0, "skipped": 0}
    assert progress.hosts["c"]["dark"] == 1
    assert progress.failures == ["c: Harden sshd: no"]


def test_a_run_stopped_without_a_return_code_fails_cleanly(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ansible-runner reports no return code for a playbook stopped by SIGTERM: exit 1, no traceback."""
    import ansible_runner

    class Stopped:
        status = "canceled"
        rc = None

    monkeypatch.setattr(ansible_runner, "run", lambda **_: Stopped())
    inventory, playbook = make_inventory(tmp_path)
    result = cli("converge", str(playbook), "--inventory", str(inventory), "--reports", str(tmp_path / "r"), *AS_ROOT)
    assert result.code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "canceled" in result.stdout + result.stderr


def test_a_failed_loop_names_each_failed_item_and_its_cause() -> None:
    """A loop's "One or more items failed" hides the cause: the recap names each failed item."""
    from egovinfra.cli.converge import Progress

    unwilling = "{'desc': 'Server is unwilling to perform'}"
    progress = Progress()
    res = {
        "msg": "One or more items failed",
        "results": [
            {"item": "uid=a,ou=people", "failed": False, "changed": True},
            {"item": "uid=b,ou=people", "failed": True, "msg": "Attribute action failed.", "details": unwilling},
            {"_ansible_item_label": "c", "failed": True, "stderr": "ldapmodrdn: No such object (32)"},
        ],
    }
    event = {"host": "yde-ldap", "task": "Disable them", "res": res}
    progress.handle({"event": "runner_on_failed", "event_data": event})
    (failure,) = progress.failures
    assert failure.startswith("yde-ldap: Disable them: One or more items failed")
    assert f"item uid=b,ou=people: Attribute action failed.; {unwilling}" in failure
    assert "item c: ldapmodrdn: No such object (32)" in failure
    assert "uid=a" not in failure
