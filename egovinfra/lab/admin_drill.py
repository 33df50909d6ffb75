"""The administrators drill: a named administrator works through the bastion, then is removed.

The operator's commands do the work (a topology that declares the administrators, `egovinfra
inventory`, `egovinfra converge` as root once, then as an administrator); this module makes the
drill's two people and their keys, logs in as each through the datacenter's bastion exactly as
a person would, and measures. It proves that an administrator reaches a host through the
bastion only, that their sudo reaches both log hosts under their own name, that a converge runs
as an administrator's own account, and that removing one from the topology refuses their next
login and deletes their account.
"""

from __future__ import annotations

import secrets
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from egovinfra.compile.plan import Host, Plan
from egovinfra.lab.access import LabAccess
from egovinfra.lab.errors import LabError
from egovinfra.lab.keys import new_keypair, write_private
from egovinfra.lab.netns import exec_argv

Say = Callable[[str], None]
STORE = "/var/log/remote"  # where each log host keeps what every host sent (role logstore)
KEEP, GONE = "drill-keep", "drill-gone"


@dataclass(frozen=True)
class DrillAdmin:
    """One of the drill's administrators: a login, a full name and the key the lab holds for them."""

    login: str
    name: str
    public_key: str
    private_key: Path


@dataclass(frozen=True)
class AdminActions:
    """The operator's commands the drill runs."""

    # Write the lab's topology with these administrators added; render its inventory; return it.
    declare: Callable[[tuple[DrillAdmin, ...]], Path]
    # Converge the common base on `hosts` with an inventory, as root (None) or as an administrator.
    converge: Callable[[Path, tuple[str, ...], DrillAdmin | None], None]
    # The lab's own inventory (the committed topology): what the hosts return to at the end.
    designed: Path


@dataclass
class AdminReport:
    """What the drill saw (seconds where timed)."""

    target: str
    bastion: str
    log_hosts: tuple[str, ...]
    steps: dict[str, float] = field(default_factory=dict)
    login_through_bastion: bool = False  # the administrator got a shell on the target via the bastion
    direct_login_refused: bool = False  # the same person, straight to the target, was refused
    root_login_refused: bool = False  # root with a valid key from the bastion's side was refused
    sudo_logged_after: dict[str, float | None] = field(default_factory=dict)  # log host → seconds
    converged_as_admin: bool = False  # the converge ran as the remaining administrator, through the bastion
    removed_login_refused: bool = False  # the removed administrator, through the bastion, after the converge
    removed_account_gone: bool = False  # no account left on the target nor the bastion
    kept_login_works: bool = False  # the remaining administrator still logs in

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)

    @property
    def ok(self) -> bool:
        """Every expectation of the drill held."""
        return (
            self.login_through_bastion
            and self.direct_login_refused
            and self.root_login_refused
            and bool(self.sudo_logged_after)
            and all(v is not None for v in self.sudo_logged_after.values())
            and self.converged_as_admin
            and self.removed_login_refused
            and self.removed_account_gone
            and self.kept_login_works
        )


def make_admins(directory: Path) -> tuple[DrillAdmin, DrillAdmin]:
    """The drill's two administrators, with fresh keys in `directory` (the lab's, outside git)."""
    out = []
    for login, name in ((KEEP, "Drill Administrator Kept"), (GONE, "Drill Administrator Removed")):
        pair = new_keypair(f"{login}@admin-drill")
        private = directory / login
        write_private(private, pair.private_openssh)
        out.append(DrillAdmin(login, name, pair.public_openssh, private))
    return out[0], out[1]


def pick_target(plan: Plan, target: str | None = None) -> tuple[Host, Host]:
    """A datacenter host of the active datacenter (not its bastion) and that datacenter's bastion."""
    if target is not None:
        host = plan.host(target)
        if host.kind != "datacenter":
            raise LabError(f"{target}: not a datacenter host")
    else:
        candidates = [h for h in plan.hosts if h.scope == plan.active.name and h.kind == "datacenter"]
        host = next(h for h in sorted(candidates, key=lambda h: h.name) if "bastion" not in h.roles)
    bastion = next((h for h in plan.hosts if h.scope == host.scope and "bastion" in h.roles), None)
    if bastion is None or bastion.name == host.name:
        raise LabError(f"{host.name}: its datacenter has no other host with the bastion role")
    return host, bastion


def ssh_config(access: LabAccess, admin: DrillAdmin) -> Path:
    """An ssh client configuration for `admin`: their key and the lab's host keys (also read by -J)."""
    path = admin.private_key.with_name(f"{admin.login}.ssh_config")
    path.write_text(
        f"Host *\n  IdentityFile {admin.private_key}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {access.known_hosts}\n  StrictHostKeyChecking yes\n"
        "  BatchMode yes\n  ConnectTimeout 10\n"
    )
    return path


def login(
    access: LabAccess, admin: DrillAdmin, target: Host, bastion: Host | None, command: str = "true"
) -> subprocess.CompletedProcess[str]:
    """`admin` runs `command` on `target` from the management network, through `bastion` (or
    straight, when None), as a person would; the exit code is the caller's to judge."""
    jump = ["-J", f"{admin.login}@{bastion.mgmt_address}"] if bastion else []
    argv = ["ssh", "-F", str(ssh_config(access, admin)), *jump, f"{admin.login}@{target.mgmt_address}", "--", command]
    return subprocess.run(exec_argv(access.mgmt_ns, argv), capture_output=True, text=True, timeout=60, check=False)


def _refused(done: subprocess.CompletedProcess[str]) -> bool:
    return done.returncode == 255 and "Permission denied" in done.stderr


def _root_from_bastion(access: LabAccess, target: Host, bastion: Host) -> bool:
    """Root, with the lab's operator key, from the bastion's address: refused (root's exception
    is the lab's controller alone)."""
    key = shlex.quote(access.must(bastion.name, "mktemp -d").strip())
    try:
        access.must(bastion.name, f"cat > {key}/k && chmod 600 {key}/k", input_text=access.operator_key.read_text())
        done = access.ssh(
            bastion.name,
            f"ssh -i {key}/k -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
            f"root@{target.mgmt_address} true",
        )
        return done.returncode == 255 and "Permission denied" in done.stderr
    finally:
        access.ssh(bastion.name, f"rm -rf {key}")


def _sudo_seen(access: LabAccess, plan: Plan, target: Host, pattern: str, give_up: float) -> dict[str, float | None]:
    stores = plan.monitoring.log_servers
    seen: dict[str, float | None] = dict.fromkeys(stores)
    command = f"grep -rqE {shlex.quote(pattern)} {STORE}/{shlex.quote(target.name)}/"
    start = time.monotonic()
    while time.monotonic() - start < give_up and any(v is None for v in seen.values()):
        for store in stores:
            if seen[store] is None and access.ssh(store, command).returncode == 0:
                seen[store] = round(time.monotonic() - start, 2)
        time.sleep(0.5)
    return seen


def _account_gone(access: LabAccess, host: Host, login_name: str) -> bool:
    return access.ssh(host.name, f"getent passwd {shlex.quote(login_name)}").returncode == 2


def run(
    access: LabAccess,
    plan: Plan,
    admins: tuple[DrillAdmin, DrillAdmin],
    actions: AdminActions,
    target: Host,
    bastion: Host,
    say: Say,
    give_up: float = 30.0,
) -> AdminReport:
    """Declare two administrators, log in and sudo as one, remove them, converge as the other."""
    keep, gone = admins
    hosts = (bastion.name, target.name)
    report = AdminReport(target.name, bastion.name, plan.monitoring.log_servers)
    if not report.log_hosts:
        raise LabError("this topology has no log host")

    start = time.monotonic()
    inventory = actions.declare((keep, gone))
    actions.converge(inventory, hosts, None)
    report.steps["declare both, converge as root from the controller"] = round(time.monotonic() - start, 1)

    nonce = f"egovinfra-admin-drill-{secrets.token_hex(4)}"
    done = login(access, gone, target, bastion, f"sudo -n /usr/bin/true {nonce}")
    report.login_through_bastion = done.returncode == 0
    say(f"{gone.login} through {bastion.name} to {target.name}, sudo: exit {done.returncode} {done.stderr.strip()}")
    report.direct_login_refused = _refused(login(access, gone, target, None))
    say(f"{gone.login} straight to {target.name}: {'refused' if report.direct_login_refused else 'ACCEPTED'}")
    report.root_login_refused = _root_from_bastion(access, target, bastion)
    say(f"root from {bastion.name} to {target.name}: {'refused' if report.root_login_refused else 'ACCEPTED'}")
    pattern = f"sudo.*{gone.login} : .*COMMAND=/usr/bin/true {nonce}"
    report.sudo_logged_after = _sudo_seen(access, plan, target, pattern, give_up)
    for store, seconds in report.sudo_logged_after.items():
        seen = "NOT SEEN" if seconds is None else f"{seconds} s"
        say(f"  {gone.login}'s sudo on {target.name} in {store}'s logs: {seen}")

    say(f"removing {gone.login} from the topology; converging as {keep.login} through {bastion.name}")
    start = time.monotonic()
    inventory = actions.declare((keep,))
    try:
        actions.converge(inventory, hosts, keep)
        report.converged_as_admin = True
    except LabError as exc:
        say(f"converge as {keep.login} failed: {exc}")
    report.steps[f"remove {gone.login}, converge as {keep.login}"] = round(time.monotonic() - start, 1)

    done = login(access, gone, target, bastion)
    report.removed_login_refused = done.returncode == 255 and "Permission denied" in done.stderr
    verdict = "refused" if report.removed_login_refused else "ACCEPTED"
    say(f"{gone.login} after removal: {verdict} ({done.stderr.strip()})")
    report.removed_account_gone = all(_account_gone(access, h, gone.login) for h in (target, bastion))
    report.kept_login_works = login(access, keep, target, bastion).returncode == 0
    say(f"{keep.login} still logs in: {report.kept_login_works}")

    start = time.monotonic()
    actions.converge(actions.designed, hosts, None)
    report.steps["back to the designed topology (converge as root)"] = round(time.monotonic() - start, 1)
    if not all(_account_gone(access, h, keep.login) for h in (target, bastion)):
        raise LabError(f"{keep.login} is still on {target.name} or {bastion.name} after the designed converge")
    return report
