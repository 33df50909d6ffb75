"""Which hosts answer: one ssh login per host (`ssh ... true`), a bounded number at once.

Each login uses the connection settings the inventory gives Ansible (address, user, port,
key, ssh arguments, a ProxyJump among them), read through Ansible's own inventory so that
group and host variables take precedence as in a playbook run. A host answers when the
command exits 0 within the timeout; anything else is silence, reported with ssh's reason.
One process, no playbook: a failover's probe costs the connect timeout, not an Ansible start.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egovinfra.dr.steps import Reach

# ssh keeps the first value it is given for each option: these come before the inventory's.
# No multiplexing: a master connection left open to a host that vanished would hang the
# login instead of timing out; no prompt: a probe never waits for a person.
FIXED_OPTIONS = ("-o", "ControlMaster=no", "-o", "ControlPath=none", "-o", "BatchMode=yes")
# How long a login may take once connected (key exchange, a ProxyJump's second login, `true`)
# before the host counts as silent. A lost host never gets past the connect timeout, so this
# costs a failover nothing; it only has to be generous. On a machine with a load average of
# 240, the lab's answering hosts took more than 8 s to log in: a failover was refused because
# the datacenter taking over looked silent.
LOGIN_SLACK = 60.0

Runner = Callable[[Sequence[str], float], tuple[int, str]]  # argv, timeout → (exit code, stderr)


@dataclass(frozen=True)
class Connection:
    """How Ansible would reach one inventory host over ssh."""

    host: str
    address: str
    user: str | None = None
    port: int | None = None
    private_key: str | None = None
    args: tuple[str, ...] = ()  # ansible.cfg's ssh_args, then the host's common and extra args


@dataclass(frozen=True)
class Answer:
    """One host's probe: whether it answered, in how long, and why not."""

    host: str
    answered: bool
    seconds: float
    reason: str = ""


def ssh_argv(conn: Connection, connect_timeout: float) -> list[str]:
    """The ssh command line that logs in to `conn` and runs `true`."""
    argv = ["ssh", *FIXED_OPTIONS, "-o", f"ConnectTimeout={max(1, round(connect_timeout))}"]
    argv += ["-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=2"]
    if conn.port is not None:
        argv += ["-p", str(conn.port)]
    if conn.user:
        argv += ["-l", conn.user]
    if conn.private_key:
        argv += ["-i", conn.private_key]
    return [*argv, *conn.args, "--", conn.address, "true"]


def _run(argv: Sequence[str], timeout: float) -> tuple[int, str]:
    try:
        done = subprocess.run(
            argv, check=False, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return -1, f"no answer within {timeout:.0f} s"
    except OSError as exc:
        return -1, f"ssh could not run: {exc}"
    return done.returncode, done.stderr


def _reason(code: int, stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else f"ssh exited {code}"


def probe(
    connections: Iterable[Connection],
    *,
    connect_timeout: float = 2.0,
    workers: int = 32,
    run: Runner = _run,
) -> dict[str, Answer]:
    """Log in to every host at once (at most `workers` at a time); host name → answer."""
    conns = list(connections)

    def one(conn: Connection) -> Answer:
        start = time.monotonic()
        code, stderr = run(ssh_argv(conn, connect_timeout), connect_timeout + LOGIN_SLACK)
        seconds = time.monotonic() - start
        return Answer(conn.host, code == 0, seconds, "" if code == 0 else _reason(code, stderr))

    if not conns:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(conns)))) as pool:
        return {answer.host: answer for answer in pool.map(one, conns)}


def reach(answers: Mapping[str, Answer], hosts: Iterable[str], missing: Iterable[str] = ()) -> Reach:
    """Which of `hosts` answered; the others are silent, each with its reason (a host not
    probed at all is silent too)."""
    wanted = frozenset(hosts)
    answered = frozenset(name for name, a in answers.items() if a.answered and name in wanted)
    reasons = {name: a.reason for name, a in answers.items() if name in wanted and not a.answered}
    reasons.update({name: "not in the inventory" for name in missing if name in wanted})
    reasons.update({name: "not probed" for name in wanted - answered if name not in reasons})
    return Reach(answered, wanted - answered, reasons)


def _first(variables: Mapping[str, Any], *names: str) -> Any:
    return next((variables[n] for n in names if variables.get(n) not in (None, "")), None)


def connections(
    inventory: Path, hosts: Iterable[str], overrides: Mapping[str, Any], ssh_args: str
) -> tuple[list[Connection], list[str]]:
    """How Ansible would reach each of `hosts` from `inventory`, with `overrides` as extra vars
    and `ssh_args` as ansible.cfg's; also the hosts the inventory does not hold."""
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    manager = InventoryManager(loader=loader, sources=[str(inventory)])
    variables = VariableManager(loader=loader, inventory=manager)
    found: list[Connection] = []
    missing: list[str] = []
    for name in hosts:
        host = manager.get_host(name)
        if host is None:
            missing.append(name)
            continue
        values = {**variables.get_vars(host=host, include_hostvars=False), **overrides}
        templar = Templar(loader=loader, variables=values)

        def get(*keys: str, values: dict[str, Any] = values, templar: Templar = templar) -> Any:
            value = _first(values, *keys)
            return templar.template(value) if isinstance(value, str) else value

        args = str(get("ansible_ssh_args") or ssh_args)
        extra = [str(get(key) or "") for key in ("ansible_ssh_common_args", "ansible_ssh_extra_args")]
        port = get("ansible_port", "ansible_ssh_port")
        found.append(
            Connection(
                host=name,
                address=str(get("ansible_host", "ansible_ssh_host") or name),
                user=get("ansible_user", "ansible_ssh_user"),
                port=int(port) if port is not None else None,
                private_key=get("ansible_ssh_private_key_file", "ansible_private_key_file"),
                args=tuple(shlex.split(args) + [a for e in extra for a in shlex.split(e)]),
            )
        )
    return found, missing
