"""Bring a lab up in stages (image → network → hosts → health), take it down, report status.

`up` records each namespace, mount and process in the state file before creating it; `down`
removes what the state file lists *and* whatever carries the lab's prefix, so it also cleans
up after a crash or a lost state file, and can be run any number of times.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from egovinfra.lab import cgroups, netns, procs
from egovinfra.lab.errors import LabError
from egovinfra.lab.health import ssh_true, wait_sshd
from egovinfra.lab.image import build_image
from egovinfra.lab.keys import ensure_operator_key, known_hosts_line
from egovinfra.lab.names import owned
from egovinfra.lab.network import build_network
from egovinfra.lab.nspawn import (
    host_dirs,
    mount_overlay,
    mount_points,
    seed_host,
    start_host,
    unmount,
)
from egovinfra.lab.preflight import ensure_inotify
from egovinfra.lab.progress import Stages
from egovinfra.lab.safety import check_root_untouched, refuse_overlaps, root_links
from egovinfra.lab.spec import LabSpec, check_spec
from egovinfra.lab.state import HostRecord, LabState, ProcessRecord, load_state, save_state

KNOWN_HOSTS = "known_hosts"


@dataclass(frozen=True)
class UpResult:
    """Timings of each stage and of each host until its sshd answered."""

    timings: dict[str, float]
    ready: dict[str, float]


@dataclass(frozen=True)
class DownResult:
    """What `down` removed."""

    stopped: tuple[str, ...]
    killed: tuple[str, ...]
    unmounted: tuple[str, ...]
    netns: tuple[str, ...]


@dataclass(frozen=True)
class HostStatus:
    """One host as seen now."""

    name: str
    machine: str
    mgmt_address: str
    pid: int | None
    netns: bool


def operator_key(lab_dir: Path) -> Path:
    """The private key the operator (Ansible, tests) logs in with."""
    return lab_dir / "id_ed25519"


def known_hosts(lab_dir: Path) -> Path:
    """The known_hosts file listing every host key of the lab."""
    return lab_dir / KNOWN_HOSTS


def _running(record: ProcessRecord) -> bool:
    """True when the recorded PID is still the nspawn we started (not a reused PID)."""
    return procs.alive(record.pid) and procs.starttime(record.pid) == record.starttime


def _open_state(spec: LabSpec, lab_dir: Path) -> LabState:
    state = load_state(lab_dir) or LabState(name=spec.name, prefix=spec.prefix)
    if state.prefix != spec.prefix:
        raise LabError(f"{lab_dir} belongs to a lab with prefix {state.prefix}; run `lab down` there first")
    state.mgmt_ns = spec.mgmt_ns
    return state


def up(
    spec: LabSpec,
    lab_dir: Path,
    image_dir: Path,
    stages: Stages,
    *,
    health_timeout: float = 120.0,
) -> UpResult:
    """Build (or complete) the lab described by ``spec``; raise LabError on any failure.

    On failure what was made stays in place for inspection; `down` removes it.
    """
    check_spec(spec)
    with stages.stage("image"):
        image = build_image(image_dir, log=stages.note if stages.console else None)
        stages.note("built" if image.built else f"cached {image.digest[:12]}")

    with stages.stage("network"):
        refuse_overlaps(spec.ranges)
        before = root_links()
        state = _open_state(spec, lab_dir)
        save_state(lab_dir, state)

        def record(name: str) -> None:
            state.add_netns(name)
            save_state(lab_dir, state)

        build_network(spec, record)
        check_root_untouched(before, spec.devices())
        stages.note(f"{len(spec.namespaces)} namespaces, {len(spec.links)} links")

    with stages.stage("hosts"):
        raised = ensure_inotify(len(spec.hosts))
        if raised:
            stages.note(raised)
        key = ensure_operator_key(lab_dir)
        operator_public = key.with_suffix(".pub").read_text()
        running = {p.machine: p for p in state.processes if _running(p)}
        entries: list[str] = []
        started = 0
        for host in spec.hosts:
            dirs = host_dirs(lab_dir, host.name)
            state.add_mount(dirs.merged)
            save_state(lab_dir, state)
            mount_overlay(image.rootfs, dirs)
            host_public = seed_host(dirs.merged, host.name, operator_public)
            entries.append(known_hosts_line([host.name, host.mgmt_address], host_public))
            if host.machine not in running:
                state.add_process(start_host(dirs, host.machine, host.name, host.machine))
                started += 1
            state.add_host(HostRecord(name=host.name, machine=host.machine, mgmt_address=host.mgmt_address))
            save_state(lab_dir, state)
        known_hosts(lab_dir).write_text("\n".join(entries) + "\n")
        stages.note(f"{started} of {len(spec.hosts)} hosts started")
        if spec.skipped:
            stages.note(f"not run: {', '.join(spec.skipped)}")

    with stages.stage("health"):
        ready = wait_sshd(spec.mgmt_ns, {h.name: h.mgmt_address for h in spec.hosts}, health_timeout)
        # ssh logins are independent and each mostly waits on key exchange: run them together
        with ThreadPoolExecutor(max_workers=8) as pool:
            checks = [
                pool.submit(ssh_true, spec.mgmt_ns, key, known_hosts(lab_dir), h.mgmt_address) for h in spec.hosts
            ]
            for check in checks:
                check.result()
        if ready:
            stages.note(f"sshd on all hosts after {max(ready.values()):.1f} s, ssh login checked")
    return UpResult(timings=dict(stages.timings), ready=ready)


def _mounts_under(lab_dir: Path) -> list[str]:
    root = str(lab_dir.resolve()) + "/"
    return [m for m in mount_points() if m.startswith(root)]


def leftovers(prefix: str, lab_dir: Path) -> list[str]:
    """Everything of the lab that still exists: processes, namespaces, mounts."""
    found = [f"process {pid} ({name})" for pid, name in procs.find_machines(prefix).items()]
    found += [f"netns {ns}" for ns in netns.list_netns() if owned(prefix, ns)]
    found += [f"mount {m}" for m in _mounts_under(lab_dir)]
    return found


def down(name: str, prefix: str, lab_dir: Path, *, stop_timeout: float = 10.0) -> DownResult:
    """Stop every host, unmount every overlay, delete every namespace of the lab.

    Works from the state file and from the prefix alone, so it is safe after a crash and
    idempotent. Keeps the operator key (inventories point at it); removes the hosts' files.
    """
    state = load_state(lab_dir) or LabState(name=name, prefix=prefix)
    if state.prefix != prefix:
        raise LabError(f"{lab_dir} holds lab prefix {state.prefix}, not {prefix}")

    machines = {r.pid: r.machine for r in state.processes if _running(r)}
    machines.update(procs.find_machines(prefix))
    killed = procs.stop_all(sorted(machines), timeout=stop_timeout)

    mounts = sorted(set(state.mounts) | set(_mounts_under(lab_dir)), key=len, reverse=True)
    for mount in mounts:
        unmount(Path(mount))

    namespaces = list(reversed(state.netns))
    namespaces += [ns for ns in netns.list_netns() if owned(prefix, ns) and ns not in namespaces]
    for ns in namespaces:
        netns.del_netns(ns)

    cgroups.remove_subtrees(prefix)
    remaining = leftovers(prefix, lab_dir)
    if remaining:
        raise LabError("lab down left these behind:\n  " + "\n  ".join(remaining))
    if (lab_dir / "hosts").exists():
        shutil.rmtree(lab_dir / "hosts")
    for path in (known_hosts(lab_dir), lab_dir / "state.json"):
        path.unlink(missing_ok=True)
    return DownResult(
        stopped=tuple(sorted(m for pid, m in machines.items() if pid not in killed)),
        killed=tuple(sorted(machines[pid] for pid in killed)),
        unmounted=tuple(mounts),
        netns=tuple(namespaces),
    )


def status(lab_dir: Path) -> list[HostStatus]:
    """Every host recorded in the lab's state, with its running PID and namespace presence."""
    state = load_state(lab_dir)
    if state is None:
        return []
    pids = {r.machine: r.pid for r in state.processes if _running(r)}
    return [
        HostStatus(
            name=h.name,
            machine=h.machine,
            mgmt_address=h.mgmt_address,
            pid=pids.get(h.machine),
            netns=netns.netns_exists(h.machine),
        )
        for h in state.hosts
    ]
