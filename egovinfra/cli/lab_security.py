"""`egovinfra lab revoke-drill`, `lab admin-drill`: the security drills of the lab, through the operator's commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from ruamel.yaml import YAML

from egovinfra.cli.converge import BOOTSTRAP_PLAYBOOK
from egovinfra.cli.lab_cmds import LabDir, Reports, _egovinfra, console, lab
from egovinfra.cli.topology_cmds import TopologyArg, load_plan
from egovinfra.lab import admin_drill as admins
from egovinfra.lab import revocation
from egovinfra.lab.access import lab_access
from egovinfra.lab.errors import LabError
from egovinfra.model import load_topology
from egovinfra.verify import groupware

Inventory = Annotated[Path, typer.Option(help="the lab's rendered inventory")]


@lab.command(name="revoke-drill")
def revoke_drill(
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    reports: Reports = Path("reports"),
    inventory: Inventory = Path("inventories/lab"),
    gateway: Annotated[str | None, typer.Option(help="the gateway declared stolen (default: chosen)")] = None,
) -> None:
    """A ministry gateway is declared stolen: `pki revoke` and `pki publish` must close its
    tunnels on both hubs and refuse it, while a neighbour still authenticates; then `pki issue`
    and a converge of that gateway bring it back, so the lab stays usable."""
    plan = load_plan(path, "lab")
    access = lab_access(plan.name, lab_dir)
    try:
        avoid = set(groupware.drill_sites(plan))
    except groupware.GroupwareCheckError:
        avoid = set()
    chosen = revocation.pick_gateways(plan, avoid, gateway)
    target = ("--inventory", str(inventory), "--lab-dir", str(access.lab_dir))

    def revoke(fqdn: str) -> None:
        _egovinfra("pki", "revoke", fqdn, "--reason", "key_compromise")
        _egovinfra("pki", "publish", *target)

    def restore(fqdn: str) -> None:
        _egovinfra("pki", "issue", fqdn)
        runs = str(reports / "revoke-drill" / "converge")
        _egovinfra("converge", *target, "--limit", chosen.revoked.name, "--tags", "pki,ipsec", "--reports", runs)

    result = revocation.run(access, chosen, revocation.RevocationActions(revoke, restore), say=console.print)
    out = reports / "revoke-drill.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n")
    table = Table("measure", "value", title=f"revocation of {result.revoked}")
    rows = [
        (f"{result.revoked}'s IKE SAs closed on {', '.join(result.hubs)}", str(result.closed_on_hubs)),
        (f"{result.revoked} refused when it initiates (hubs log: revoked)", str(result.retry_refused)),
        (f"{result.neighbour} re-authenticated after the new CRL", str(result.neighbour_reestablished)),
        *[(f"step: {name}", f"{seconds:.1f} s") for name, seconds in result.steps.items()],
        (
            "fresh certificate issued → tunnels up again",
            "not reached" if result.restored_after is None else f"{result.restored_after:.1f} s",
        ),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    if not result.ok:
        raise LabError(f"revocation drill failed: see {out}")


@lab.command(name="admin-drill")
def admin_drill(
    path: TopologyArg = None,
    lab_dir: LabDir = None,
    reports: Reports = Path("reports"),
    inventory: Inventory = Path("inventories/lab"),
    target: Annotated[str | None, typer.Option(help="the host the administrators work on (default: chosen)")] = None,
) -> None:
    """Two administrators are declared (a copy of the topology in the lab folder): one logs in
    through the bastion and sudoes, logged under their name on every log host; then they are
    removed, the other converges as themselves, and the removed one's login is refused."""
    loaded = load_topology(path)
    plan = load_plan(path, "lab")
    access = lab_access(plan.name, lab_dir)
    host, bastion = admins.pick_target(plan, target)
    work = access.lab_dir / "admin-drill"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    people = admins.make_admins(work)
    copy = work / "topology"
    shutil.copytree(loaded.origin if loaded.origin.is_dir() else loaded.origin.parent, copy)
    runs = str(reports / "admin-drill" / "converge")

    def declare(chosen: tuple[admins.DrillAdmin, ...]) -> Path:
        declare_administrators(loaded.origin, copy, chosen)
        out = work / "inventory"
        _egovinfra("inventory", str(copy), "--env", "lab", "--out", str(out))
        return out

    def converge(rendered: Path, hosts: tuple[str, ...], who: admins.DrillAdmin | None) -> None:
        common = ("--inventory", str(rendered), "--lab-dir", str(access.lab_dir), "--limit", ",".join(hosts))
        person = ("--user", who.login, "--private-key", str(who.private_key)) if who else ()
        # Plain ssh: two hosts gain nothing from Mitogen, whose start-up times out on a loaded machine.
        _egovinfra("converge", str(BOOTSTRAP_PLAYBOOK), *common, *person, "--no-mitogen", "--reports", runs)

    actions = admins.AdminActions(declare, converge, inventory)
    result = admins.run(access, plan, people, actions, host, bastion, say=console.print)
    out = reports / "admin-drill.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n")
    table = Table("measure", "value", title=f"administrators on {result.target} through {result.bastion}")
    rows = [
        (f"{admins.GONE} logs in through {result.bastion} and sudoes", str(result.login_through_bastion)),
        (f"{admins.GONE} straight to {result.target} refused", str(result.direct_login_refused)),
        (f"root from {result.bastion} to {result.target} refused", str(result.root_login_refused)),
        *[
            (f"sudo under {admins.GONE}'s name in {store}'s logs", "NOT SEEN" if s is None else f"{s:.1f} s")
            for store, s in result.sudo_logged_after.items()
        ],
        (f"converge as {admins.KEEP} through {result.bastion}", str(result.converged_as_admin)),
        (f"{admins.GONE} removed: login refused", str(result.removed_login_refused)),
        (
            f"{admins.GONE} removed: no account on {result.target} nor {result.bastion}",
            str(result.removed_account_gone),
        ),
        (f"{admins.KEEP} still logs in", str(result.kept_login_works)),
        *[(f"step: {name}", f"{seconds:.1f} s") for name, seconds in result.steps.items()],
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    if not result.ok:
        raise LabError(f"administrators drill failed: see {out}")


def declare_administrators(origin: Path, copy: Path, chosen: tuple[admins.DrillAdmin, ...]) -> None:
    """Write the copy's topology.yaml: the original's administrators and the drill's `chosen`."""
    source = origin if origin.is_file() else origin / "topology.yaml"
    yaml = YAML()  # round trip: comments, anchors and order kept
    yaml.width = 4096  # a key stays on its line
    data = yaml.load(source.read_text())
    listed = list(data.get("administrators") or [])
    listed += [{"login": a.login, "name": a.name, "keys": [a.public_key]} for a in chosen]
    data["administrators"] = listed
    with (copy / source.name).open("w") as out:
        yaml.dump(data, out)
