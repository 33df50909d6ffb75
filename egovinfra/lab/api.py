"""The lab's entry points, as the CLI exposes them: image, up, down, status, ssh_command.

A lab is named after its Plan (``plan.name``); its files live in ``lab_dir`` (default
``/var/lib/egovinfra/lab/<name>``) and everything it creates on the machine carries the prefix
``<family>-<4 hex digits of the name>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from egovinfra.compile.plan import Plan
from egovinfra.lab import lifecycle
from egovinfra.lab.errors import LabError
from egovinfra.lab.health import ssh_argv
from egovinfra.lab.image import DEFAULT_CACHE_DIR, Image, build_image
from egovinfra.lab.names import DEFAULT_FAMILY, lab_prefix, mgmt_ns
from egovinfra.lab.progress import Stages
from egovinfra.lab.state import DEFAULT_LABS_DIR, load_state
from egovinfra.lab.topology import lab_spec


def _lab_dir(name: str, lab_dir: Path | None) -> Path:
    return (lab_dir or DEFAULT_LABS_DIR / name).absolute()


def image(*, cache_dir: Path = DEFAULT_CACHE_DIR, force: bool = False, console: Console | None = None) -> Image:
    """Build the lab rootfs if its recipe changed (or ``force``); return where it is."""
    say = console.print if console is not None else None
    return build_image(cache_dir, force=force, log=say)


def up(
    plan: Plan,
    *,
    lab_dir: Path | None = None,
    image_dir: Path = DEFAULT_CACHE_DIR,
    family: str = DEFAULT_FAMILY,
    console: Console | None = None,
    health_timeout: float = 120.0,
) -> lifecycle.UpResult:
    """Start the lab of ``plan``: image, network, hosts, health; re-running completes it."""
    spec = lab_spec(plan, lab_prefix(plan.name, family))
    return lifecycle.up(
        spec,
        _lab_dir(plan.name, lab_dir),
        image_dir,
        Stages(console),
        health_timeout=health_timeout,
    )


def down(name: str, *, lab_dir: Path | None = None, family: str = DEFAULT_FAMILY) -> lifecycle.DownResult:
    """Remove every process, mount and namespace of the lab ``name``; safe to re-run."""
    return lifecycle.down(name, lab_prefix(name, family), _lab_dir(name, lab_dir))


def status(name: str, *, lab_dir: Path | None = None) -> list[lifecycle.HostStatus]:
    """The hosts of the lab ``name`` with their PIDs (None when stopped)."""
    return lifecycle.status(_lab_dir(name, lab_dir))


def ssh_command(name: str, host: str, *, lab_dir: Path | None = None, command: Sequence[str] = ()) -> list[str]:
    """The argv that opens ssh (or runs ``command``) as root on ``host`` of the lab ``name``."""
    directory = _lab_dir(name, lab_dir)
    state = load_state(directory)
    if state is None:
        raise LabError(f"lab {name!r} is not up (no state in {directory})")
    record = next((h for h in state.hosts if h.name == host), None)
    if record is None:
        known = ", ".join(h.name for h in state.hosts)
        raise LabError(f"lab {name!r} has no host {host!r} (hosts: {known})")
    argv = ssh_argv(
        state.mgmt_ns or mgmt_ns(state.prefix),
        lifecycle.operator_key(directory),
        lifecycle.known_hosts(directory),
        record.mgmt_address,
    )
    return [*argv, *command]
