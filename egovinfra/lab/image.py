"""The lab's Debian rootfs: built once with debootstrap, every role package baked in, cached.

The cache holds ``rootfs/`` (the overlay lower dir every lab host shares) and ``stamp`` (the
sha256 of the package list and of the exact build commands). A build happens only when the stamp
differs; it runs in a temporary directory and is renamed into place, so a crashed build never
leaves a half-made rootfs behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from egovinfra.lab.errors import LabError

DEFAULT_CACHE_DIR = Path("/var/lib/egovinfra/image")
PACKAGES_FILE = Path(__file__).with_name("packages.txt")

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
SECURITY_MIRROR = "http://deb.debian.org/debian-security"

# Answers for the packages that would otherwise ask questions. Postfix and slapd are left
# unconfigured: their roles write the whole configuration.
DEBCONF = (
    "postfix postfix/main_mailer_type select No configuration",
    "postfix postfix/mailname string localhost",
    "slapd slapd/no_configuration boolean true",
)

# Services the roles configure and start themselves; disabled so a fresh host boots fast and
# quiet. Timers that would reach the internet are disabled too: lab hosts have none.
DISABLED_UNITS = (
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "chrony.service",
    "dovecot.service",
    "dpkg-db-backup.timer",
    "e2scrub_all.timer",
    "e2scrub_reap.service",
    "fstrim.timer",
    "lsyncd.service",
    "memcached.service",
    "named.service",
    "nftables.service",
    "nginx.service",
    "postfix.service",
    "postgresql.service",
    "prometheus.service",
    "prometheus-alertmanager.service",
    "prometheus-bind-exporter.service",
    "prometheus-blackbox-exporter.service",
    "prometheus-node-exporter.service",
    "prometheus-postgres-exporter.service",
    "rsync.service",
    "rsyslog.service",
    "slapd.service",
    "sogo.service",
    "strongswan.service",
    "unattended-upgrades.service",
)
ENABLED_UNITS = ("ssh.service",)

Log = Callable[[str], None]


@dataclass(frozen=True)
class Image:
    """A ready rootfs: where it is, which recipe made it, and whether this call built it."""

    rootfs: Path
    digest: str
    built: bool
    seconds: float


def read_packages(text: str) -> tuple[str, ...]:
    """Parse a package list: one name a line, ``#`` starts a comment, blank lines ignored."""
    names: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if len(line.split()) != 1:
            raise LabError(f"{PACKAGES_FILE.name}:{number}: one package per line, got {line!r}")
        names.append(line)
    return tuple(names)


def debootstrap_argv(target: Path) -> list[str]:
    """The debootstrap command that lays down the minimal base system into ``target``."""
    return ["debootstrap", "--variant=minbase", SUITE, str(target), MIRROR]


def chroot_script(packages: tuple[str, ...]) -> str:
    """The shell script run inside the new rootfs: install, disable services, clean identity."""
    sources = (
        f"deb {MIRROR} {SUITE} main\ndeb {MIRROR} {SUITE}-updates main\ndeb {SECURITY_MIRROR} {SUITE}-security main\n"
    )
    debconf = "\n".join(DEBCONF)
    units = " ".join(DISABLED_UNITS)
    return f"""set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
cat > /etc/apt/sources.list <<'SOURCES'
{sources}SOURCES
debconf-set-selections <<'DEBCONF'
{debconf}
DEBCONF
apt-get update
apt-get -y -o Dpkg::Options::=--force-confold dist-upgrade
apt-get -y -o Dpkg::Options::=--force-confold install --no-install-recommends \\
  {" ".join(shlex.quote(p) for p in packages)}
for unit in {units}; do
  # slapd and lsyncd ship only SysV scripts: systemctl disables those through update-rc.d
  if [ -e "/lib/systemd/system/$unit" ] || [ -e "/etc/init.d/${{unit%.service}}" ]; then
    systemctl disable "$unit"
  fi
done
systemctl enable {" ".join(ENABLED_UNITS)}
# Identity is per host: the lab writes host keys, machine-id and hostname into each overlay.
rm -f /etc/ssh/ssh_host_*
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
printf '' > /etc/resolv.conf
rm -f /usr/sbin/policy-rc.d
apt-get clean
"""


def recipe_digest(packages_text: str) -> str:
    """sha256 over the package list and every build command: the cache key of the image."""
    packages = read_packages(packages_text)
    recipe = "\n".join([packages_text, shlex.join(debootstrap_argv(Path("TARGET"))), chroot_script(packages)])
    return hashlib.sha256(recipe.encode()).hexdigest()


def cached_digest(cache_dir: Path) -> str | None:
    """The digest of the image in ``cache_dir``, or None when there is no complete image."""
    stamp = cache_dir / "stamp"
    if not (cache_dir / "rootfs").is_dir() or not stamp.is_file():
        return None
    return stamp.read_text().strip() or None


def build_image(
    cache_dir: Path = DEFAULT_CACHE_DIR,
    *,
    packages_file: Path = PACKAGES_FILE,
    force: bool = False,
    log: Log | None = None,
) -> Image:
    """Return the cached rootfs, building it first when the recipe changed (or ``force``).

    Concurrent callers serialise on a lock file; the build log goes to ``cache_dir/build.log``.
    """
    say = log or (lambda _msg: None)
    packages_text = packages_file.read_text()
    packages = read_packages(packages_text)
    digest = recipe_digest(packages_text)
    cache_dir.mkdir(parents=True, exist_ok=True)
    rootfs = cache_dir / "rootfs"
    with _locked(cache_dir / ".lock"):
        if not force and cached_digest(cache_dir) == digest:
            return Image(rootfs=rootfs, digest=digest, built=False, seconds=0.0)
        _refuse_if_mounted(rootfs)
        started = time.monotonic()
        for stale in cache_dir.glob(".build-*"):
            shutil.rmtree(stale)
        work = cache_dir / f".build-{os.getpid()}"
        work.mkdir()
        logfile = cache_dir / "build.log"
        with logfile.open("w") as out:
            say(f"debootstrap {SUITE} (minbase) from {MIRROR}")
            _logged(debootstrap_argv(work), out, logfile)
            say(f"installing {len(packages)} packages")
            _logged(_chroot_argv(work), out, logfile, stdin=chroot_script(packages))
        _swap_in(work, rootfs)
        (cache_dir / "stamp").write_text(digest + "\n")
        seconds = time.monotonic() - started
        say(f"image ready in {seconds:.0f} s")
        return Image(rootfs=rootfs, digest=digest, built=True, seconds=seconds)


def _chroot_argv(root: Path) -> list[str]:
    """Run a script (stdin) chrooted in ``root`` with /proc, /sys, /dev mounted privately.

    The mounts live in a private mount namespace, so they vanish with the process.
    """
    r = shlex.quote(str(root))
    setup = (
        f"mount -t proc proc {r}/proc && mount -t sysfs sysfs {r}/sys && "
        f"mount --rbind /dev {r}/dev && cp /etc/resolv.conf {r}/etc/resolv.conf && "
        f"exec chroot {r} /bin/sh -s"
    )
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", setup]


def _logged(argv: list[str], out: IO[str], logfile: Path, stdin: str | None = None) -> None:
    """Run ``argv`` with output appended to the build log; fail with the log's tail."""
    out.write(f"$ {shlex.join(argv)}\n")
    out.flush()
    done = subprocess.run(argv, input=stdin, stdout=out, stderr=subprocess.STDOUT, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(logfile.read_text().splitlines()[-15:])
        raise LabError(f"{shlex.join(argv[:3])}...: exit {done.returncode}; see {logfile}\n{tail}")


def _swap_in(work: Path, rootfs: Path) -> None:
    """Replace ``rootfs`` by ``work`` with renames, then delete the previous image."""
    old = rootfs.with_name(f".old-{os.getpid()}")
    if rootfs.exists():
        rootfs.rename(old)
    work.rename(rootfs)
    if old.exists():
        shutil.rmtree(old)


def _refuse_if_mounted(rootfs: Path) -> None:
    """A running lab uses the rootfs as its overlay lower dir: replacing it would break it."""
    needle = f"lowerdir={rootfs}"
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        if needle in line:
            raise LabError(f"{rootfs} is in use by a running lab; run `lab down` first")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``path`` for the duration of the block."""
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
