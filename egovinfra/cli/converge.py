"""`egovinfra converge`: run a playbook with ansible-runner, show progress, keep the events.

Every run gets its own folder under the reports folder (ansible-runner's private data dir):
`artifacts/<id>/job_events/*.json` holds every event, `stdout` the classic output, and
`summary.json` the per-host recap this command prints. A lab inventory (its group_vars say
`egovinfra_environment: lab`) is converged from inside the lab's management namespace with the
lab's operator key and known hosts, so `egovinfra converge --inventory inventories/lab` just works.
"""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import ansible_runner
import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table
from ruamel.yaml import YAML

from egovinfra.cli import app
from egovinfra.cli.changes import changed_paths, limit_for, tags_for
from egovinfra.errors import EgovinfraError
from egovinfra.lab import lifecycle
from egovinfra.lab.errors import LabError
from egovinfra.lab.names import mgmt_ns
from egovinfra.lab.netns import join_netns
from egovinfra.lab.state import DEFAULT_LABS_DIR, load_state
from egovinfra.secrets import resolve_password_file

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PLAYBOOK = REPO / "playbooks" / "site.yml"
BOOTSTRAP_PLAYBOOK = REPO / "playbooks" / "common.yml"
ANSIBLE_CFG = REPO / "ansible.cfg"
COUNTERS = ("ok", "changed", "failures", "dark", "skipped")

console = Console(highlight=False, emoji=False)


class ConvergeError(EgovinfraError):
    """A converge that cannot start (missing playbook, inventory or lab)."""


def failure_message(res: Mapping[str, Any]) -> str:
    """A failed result's message; for a loop, each failed item's own, which names the cause
    ("One or more items failed" alone does not)."""
    message = str(res.get("msg", ""))
    items = [r for r in res.get("results", []) or [] if isinstance(r, Mapping) and r.get("failed")]
    for item in items:
        label = item.get("_ansible_item_label", item.get("item", ""))
        said = "; ".join(str(item[k]) for k in ("msg", "details", "stderr") if item.get(k))
        message += f"\n  item {label}: {said}"
    return message


@dataclass
class Progress:
    """What the events said so far: the current play and task, and per-host counters."""

    play: str = ""
    task: str = ""
    hosts: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    results: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # task → host → result
    changes: dict[str, list[str]] = field(default_factory=dict)  # host → "task: file" that changed

    def count(self, host: str, what: str) -> None:
        """Add one result of kind `what` for `host`."""
        counters = self.hosts.setdefault(host, dict.fromkeys(COUNTERS, 0))
        counters[what] += 1

    def handle(self, event: Mapping[str, Any]) -> None:
        """Fold one ansible-runner event in."""
        kind = event.get("event", "")
        data = event.get("event_data", {})
        host = str(data.get("host", ""))
        if kind == "playbook_on_play_start":
            self.play = str(data.get("play", ""))
        elif kind == "playbook_on_task_start":
            self.task = str(data.get("task", ""))
        elif kind == "runner_on_ok":
            res = data.get("res", {})
            self.count(host, "changed" if res.get("changed") else "ok")
            self.results.setdefault(str(data.get("task", "")), {})[host] = res
            if res.get("changed"):
                where = res.get("dest") or res.get("path") or res.get("name") or ""
                self.changes.setdefault(host, []).append(f"{data.get('task', '')}{': ' + str(where) if where else ''}")
        elif kind == "runner_on_skipped":
            self.count(host, "skipped")
        elif kind in ("runner_on_failed", "runner_on_unreachable"):
            if kind == "runner_on_failed" and data.get("ignore_errors"):
                return
            self.count(host, "failures" if kind == "runner_on_failed" else "dark")
            self.failures.append(f"{host}: {data.get('task', '')}: {failure_message(data.get('res', {}))}")
        elif kind == "playbook_on_stats":
            self.stats = {
                name: {key: int(data.get(key, {}).get(name, 0)) for key in (*COUNTERS, "rescued", "ignored")}
                for name in sorted({h for key in COUNTERS for h in data.get(key, {}) or {}})
            }

    def table(self, final: bool) -> Table:
        """Per-host counters: the recap when final, else the live view."""
        source = self.stats if final and self.stats else self.hosts
        title = "converge recap" if final else f"{self.play} > {self.task}"
        table = Table("host", "ok", "changed", "failed", "unreachable", "skipped", title=title)
        for host, counts in sorted(source.items()):
            bad = counts["failures"] or counts["dark"]
            table.add_row(
                host,
                str(counts["ok"]),
                str(counts["changed"]),
                str(counts["failures"]),
                str(counts["dark"]),
                str(counts["skipped"]),
                style="red" if bad else ("yellow" if counts["changed"] else None),
            )
        return table


# The operator's own account on the hosts, when `--user` is not given.
OPERATOR_ENV = "EGOVINFRA_OPERATOR"
ROOT = "root"


@dataclass(frozen=True)
class Access:
    """How to reach the hosts: the account, the network namespace to run in and the ssh credentials.

    An administrator goes through the inventory's ProxyJump (their datacenter's bastion) and
    becomes root with sudo, logged under their name. Root logs in directly: the lab's
    controller, and `--bootstrap` on hosts that have no administrator account yet.
    """

    user: str = ROOT
    netns: str | None = None
    private_key: Path | None = None
    known_hosts: Path | None = None
    ssh_config: Path | None = None  # for an administrator in a lab: read by ssh and by its ProxyJump

    def extravars(self) -> dict[str, Any]:
        """Connection variables that override the inventory's."""
        out: dict[str, Any] = {"ansible_user": self.user}
        if self.user != ROOT:
            out |= {"ansible_become": True, "ansible_become_method": "sudo"}
        if self.private_key:
            out["ansible_ssh_private_key_file"] = str(self.private_key)
        if self.ssh_config:
            # ssh hands -F to the ProxyJump it spawns; command-line -o options it does not.
            out["ansible_ssh_extra_args"] = f"-F {self.ssh_config}"
        elif self.known_hosts:
            # Root from the lab's controller: directly, not through the bastion.
            out["ansible_ssh_common_args"] = f"-o UserKnownHostsFile={self.known_hosts} -o StrictHostKeyChecking=yes"
        return out


def operator(user: str | None, bootstrap: bool) -> str | None:
    """The account a converge logs in with: `--user`, else $EGOVINFRA_OPERATOR, else root for
    `--bootstrap`; None when none is given."""
    if bootstrap:
        if user not in (None, ROOT):
            raise ConvergeError("--bootstrap logs in as root; it takes no --user")
        return ROOT
    return user or os.environ.get(OPERATOR_ENV) or None


def ssh_config_text(private_key: Path, known_hosts: Path) -> str:
    """An ssh client configuration for an administrator in a lab: their key, the lab's host keys."""
    return (
        "Host *\n"
        f"  IdentityFile {private_key}\n"
        "  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {known_hosts}\n"
        "  StrictHostKeyChecking yes\n"
        "  BatchMode yes\n"
        "  ConnectTimeout 10\n"
    )


def production_access(user: str | None, private_key: Path | None) -> Access:
    """The operator's own account, through the bastions; ConvergeError when no account is named."""
    if user is None:
        raise ConvergeError(
            f"converge runs as your own administrator account: give --user or set ${OPERATOR_ENV} "
            "(--bootstrap logs in as root once, on hosts that have no administrator yet)"
        )
    return Access(user=user, private_key=private_key)


def inventory_environment(inventory: Path) -> tuple[str, str]:
    """(deployment name, environment) from a rendered inventory's group_vars/all.yml."""
    path = inventory / "group_vars" / "all.yml"
    if not path.is_file():
        raise ConvergeError(f"{inventory}: not a rendered inventory (no group_vars/all.yml); run egovinfra inventory")
    data = YAML(typ="safe").load(path.read_text()) or {}
    return str(data.get("egovinfra_deployment", "")), str(data.get("egovinfra_environment", ""))


def lab_access(name: str, lab_dir: Path | None, user: str | None = None, private_key: Path | None = None) -> Access:
    """The management namespace and known hosts of the running lab `name`: as root with the lab's
    operator key by default, or as the administrator `user` with `private_key` through the bastions."""
    directory = (lab_dir or DEFAULT_LABS_DIR / name).absolute()
    state = load_state(directory)
    if state is None:
        raise ConvergeError(f"lab {name!r} is not up (no state in {directory}); run egovinfra lab up")
    netns = state.mgmt_ns or mgmt_ns(state.prefix)
    known = lifecycle.known_hosts(directory)
    if user in (None, ROOT):
        return Access(ROOT, netns, lifecycle.operator_key(directory), known)
    if private_key is None:
        raise ConvergeError(f"--user {user} in a lab needs --private-key (the administrator's key)")
    config = directory / f"ssh_config-{user}"
    config.write_text(ssh_config_text(private_key.absolute(), known))
    return Access(user, netns, private_key.absolute(), known, config)


def enter_netns(netns: str) -> None:
    """Move this command into `netns`: Ansible's ssh, started from here, then reaches the hosts."""
    try:
        join_netns(netns)
    except LabError as exc:
        raise ConvergeError(str(exc)) from None


def bootstrap_playbook(playbook: Path) -> Path:
    """What `--bootstrap` runs: the common base only (accounts, sshd), whatever else was asked.

    A root login is refused once the base has closed it: a longer playbook run as root would
    lose its hosts half way.
    """
    if playbook.resolve() not in (DEFAULT_PLAYBOOK, BOOTSTRAP_PLAYBOOK):
        raise ConvergeError(f"--bootstrap runs {BOOTSTRAP_PLAYBOOK.relative_to(REPO)} only, not {playbook}")
    return BOOTSTRAP_PLAYBOOK


def _repo_relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        raise ConvergeError(f"{path}: --changed-since needs an inventory inside the repository {REPO}") from None


def parse_extravars(pairs: list[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs → a dict; raises ConvergeError on a pair without `=`."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConvergeError(f"--extra-vars {pair!r}: expected KEY=VALUE")
        out[key] = value
    return out


def mitogen_strategy_dir() -> Path | None:
    """The folder of Mitogen's Ansible strategy plugins, when Mitogen is installed."""
    spec = importlib.util.find_spec("ansible_mitogen")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "plugins" / "strategy"


def runner_env(netns: str | None, mitogen: bool = False, vault_password: Path | None = None) -> dict[str, str]:
    """Environment of ansible-playbook: the repository's settings and the venv's executables;
    `mitogen` runs the plays with Mitogen's linear strategy (one Python per host, kept);
    `vault_password` decrypts the controller's secrets (egovinfra secrets init)."""
    strategies = mitogen_strategy_dir() if mitogen else None
    if mitogen and strategies is None:
        raise ConvergeError("--mitogen: the mitogen package is not installed (pip install mitogen)")
    return {
        **({"ANSIBLE_VAULT_PASSWORD_FILE": str(vault_password)} if vault_password else {}),
        **({"ANSIBLE_STRATEGY_PLUGINS": str(strategies), "ANSIBLE_STRATEGY": "mitogen_linear"} if strategies else {}),
        "ANSIBLE_CONFIG": str(ANSIBLE_CFG),
        # ssh multiplexing sockets are keyed by user@address:port only; two labs (namespaces)
        # use the same addresses, so each namespace gets its own folder of sockets.
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(Path.home() / ".ansible" / "cp" / (netns or "default")),
        "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        # ansible-runner turns host key checking off unless told otherwise.
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        # A lab's hosts share the controller's two cores: bootstrapping Mitogen's Python on
        # every host at once takes longer than a production ssh login (ansible.cfg: 20 s).
        **({"ANSIBLE_TIMEOUT": "60"} if mitogen else {}),
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
    }


def ansible_ssh_args() -> str:
    """The ssh arguments ansible.cfg gives every ssh connection of a playbook run."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(ANSIBLE_CFG)
    return config.get("ssh_connection", "ssh_args", fallback="")


def _vault_password(inventory: Path) -> Path | None:
    """The vault password file of the inventory's deployment, when there is one."""
    path = resolve_password_file(inventory_environment(inventory)[0])
    return path if path.exists() else None


def run_playbook(
    playbook: Path,
    inventory: Path,
    *,
    limit: str | None,
    extravars: Mapping[str, Any],
    reports: Path,
    forks: int,
    netns: str | None = None,
    mitogen: bool = False,
    tags: str | None = None,
    check: bool = False,
) -> tuple[Progress, str, int, float, Path]:
    """Run `playbook` with live progress; return the progress, status, rc, seconds and report dir."""
    ident = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    private = (reports / ident).absolute()
    private.mkdir(parents=True, exist_ok=True)
    progress = Progress()
    start = time.monotonic()
    with Live(progress.table(final=False), console=console, refresh_per_second=4, transient=True) as live:

        def on_event(event: dict[str, Any]) -> bool:
            progress.handle(event)
            live.update(progress.table(final=False))
            return True  # keep the event on disk

        runner = ansible_runner.run(
            private_data_dir=str(private),
            ident=ident,
            playbook=str(playbook.absolute()),
            inventory=str(inventory.absolute()),
            limit=limit,
            tags=tags,
            cmdline="--check --diff" if check else None,
            extravars=dict(extravars),
            forks=forks,
            envvars=runner_env(netns, mitogen, _vault_password(inventory)),
            event_handler=on_event,
            quiet=True,
        )
    seconds = time.monotonic() - start
    # A run stopped by a signal (or canceled) has no return code: it failed all the same.
    rc = runner.rc if isinstance(runner.rc, int) else 1
    return progress, str(runner.status), rc, seconds, private


@app.command()
def converge(
    playbook: Annotated[Path, typer.Argument(help="playbook to run")] = DEFAULT_PLAYBOOK,
    inventory: Annotated[Path, typer.Option(help="rendered inventory folder, e.g. inventories/lab")] = Path(
        "inventories/production"
    ),
    limit: Annotated[str | None, typer.Option(help="Ansible host pattern, e.g. role_dns or yde-db")] = None,
    extra_vars: Annotated[list[str] | None, typer.Option("--extra-vars", "-e", help="KEY=VALUE, repeatable")] = None,
    reports: Annotated[Path, typer.Option(help="where each run keeps its events")] = Path("reports/converge"),
    forks: Annotated[int, typer.Option(help="hosts converged in parallel")] = 30,
    lab_dir: Annotated[Path | None, typer.Option(help="lab state folder, for a lab inventory")] = None,
    mitogen: Annotated[
        bool | None, typer.Option(help="run with Mitogen (default: on for a lab inventory, off otherwise)")
    ] = None,
    tags: Annotated[str | None, typer.Option(help="only these roles' tasks, e.g. nftables,ipsec")] = None,
    check: Annotated[
        bool, typer.Option("--check", help="report what would change (--check --diff), change nothing")
    ] = False,
    changed_since: Annotated[
        str | None,
        typer.Option(
            help="only hosts whose rendered files or roles changed since this git revision, "
            "and only the roles whose variables or files changed (unless --tags)"
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option(help=f"your administrator account on the hosts (default: ${OPERATOR_ENV})")
    ] = None,
    private_key: Annotated[Path | None, typer.Option(help="your ssh private key (default: ssh's own)")] = None,
    bootstrap: Annotated[
        bool,
        typer.Option(
            "--bootstrap",
            help="log in as root once, to create the administrators' accounts on fresh hosts "
            "(runs playbooks/common.yml; root's ssh login is closed at its end)",
        ),
    ] = False,
) -> None:
    """Converge hosts with a playbook (default: the whole platform), then print a per-host recap."""
    if bootstrap:
        playbook = bootstrap_playbook(playbook)
    if not playbook.is_file():
        raise ConvergeError(f"{playbook}: no such playbook")
    name, environment = inventory_environment(inventory)
    account = operator(user, bootstrap)
    if environment == "lab":
        access = lab_access(name, lab_dir, account, private_key)
    else:
        access = production_access(account, private_key)
    if access.netns:
        enter_netns(access.netns)
    variables = {**access.extravars(), **parse_extravars(extra_vars or [])}
    if changed_since is not None:
        paths = changed_paths(changed_since, REPO)
        relative = _repo_relative(inventory)
        scoped = limit_for(paths, relative)
        if scoped is None:
            console.print(f"nothing converged changed since {changed_since}: no host to visit")
            return
        limit = scoped if limit is None else f"{limit}:&{scoped}"
        roles = {p.name for p in (REPO / "roles").iterdir() if p.is_dir()}
        tags = tags or tags_for(paths, relative, changed_since, REPO, roles)
        console.print(f"changed since {changed_since}: converging {limit} (roles: {tags or 'all'})")
    use_mitogen = environment == "lab" if mitogen is None else mitogen
    progress, status, rc, seconds, report = run_playbook(
        playbook,
        inventory,
        limit=limit,
        extravars=variables,
        reports=reports,
        forks=forks,
        netns=access.netns,
        mitogen=use_mitogen,
        tags=tags,
        check=check,
    )
    console.print(progress.table(final=True))
    for host, changed in sorted(progress.changes.items()):
        console.print(
            f"[yellow]{'would change' if check else 'changed'}[/yellow] {host}: " + "; ".join(changed), markup=True
        )
    for failure in progress.failures:
        console.print(f"[red]failed[/red] {failure}", markup=True)
    summary = {
        "playbook": str(playbook),
        "status": status,
        "rc": rc,
        "seconds": round(seconds, 1),
        "hosts": progress.stats,
    }
    (report / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    failed = rc != 0 or status != "successful" or any(c["failures"] or c["dark"] for c in progress.stats.values())
    console.print(f"{status} in {seconds:.1f} s; events in {report}")
    if failed:
        raise typer.Exit(1)
