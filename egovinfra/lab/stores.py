"""What the drills write into the file store and the directory, and how they find it again.

A drill writes numbered items through the datacenter that serves (a file into the replicated
file store, as the groupware writes attachments; an entry into the directory provider, as an
administrator adds one), then, after the fault and the operator's commands, counts which items
reached the other datacenter. Writes go where the application or the administrator would write;
nothing here copies, syncs or repairs: that is the platform's job, and what is measured.
"""

from __future__ import annotations

import secrets
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass

from egovinfra.compile.plan import Host, Plan
from egovinfra.lab.access import LabAccess
from egovinfra.lab.errors import LabError

FILES_DIR = "/srv/groupware/files/egovinfra-drill"
LDAPI = "-Q -Y EXTERNAL -H ldapi:///"


@dataclass(frozen=True)
class Written:
    """Items written into one store through one datacenter."""

    keys: tuple[str, ...]
    at: tuple[float, ...]  # time.time() of each acknowledged write
    datacenter: str


@dataclass(frozen=True)
class Store:
    """One replicated store as the drills see it."""

    name: str  # files, directory
    unit: str  # what an item is: "files", "entries"
    back_when: str  # what serving means, for the RTO
    write_one: Callable[[str, str], None]  # (datacenter, key)
    present: Callable[[str, tuple[str, ...]], set[str]]  # (datacenter, keys) → those it holds
    serving: Callable[[str], bool]  # datacenter → it takes writes: the RTO's end

    def write(self, datacenter: str, count: int) -> Written:
        """`count` new items through `datacenter`."""
        keys, at = [], []
        for _ in range(count):
            key = f"drill-{secrets.token_hex(5)}"
            self.write_one(datacenter, key)
            keys.append(key)
            at.append(time.time())
        return Written(tuple(keys), tuple(at), datacenter)

    def missing(self, datacenter: str, written: Written) -> list[str]:
        """The items of `written` that `datacenter` does not hold."""
        found = self.present(datacenter, written.keys)
        return [k for k in written.keys if k not in found]


def host_of(plan: Plan, function: str, datacenter: str) -> Host:
    """The managed host doing `function` in `datacenter`."""
    found = sorted(
        (h for h in plan.hosts if function in h.roles and h.scope == datacenter and h.managed), key=lambda h: h.name
    )
    if not found:
        raise LabError(f"{datacenter} has no {function} host")
    return found[0]


def files(plan: Plan, access: LabAccess) -> Store:
    """The groupware's file store, pushed from the active datacenter to the other. The
    application writes into the copy of the datacenter that serves."""

    def host(datacenter: str) -> str:
        return host_of(plan, "filestore", datacenter).name

    def write_one(datacenter: str, key: str) -> None:
        path = f"{FILES_DIR}/{key}"
        command = f"mkdir -p {FILES_DIR} && cat > {path}.tmp && mv {path}.tmp {path}"
        access.must(host(datacenter), command, input_text=key + "\n")

    def present(datacenter: str, keys: tuple[str, ...]) -> set[str]:
        done = access.ssh(host(datacenter), f"ls -1 {FILES_DIR} 2>/dev/null", timeout=30)
        return set(done.stdout.split()) & set(keys) if done.returncode == 0 else set()

    def serving(datacenter: str) -> bool:
        probe = f"{FILES_DIR}/.probe"
        command = f"mkdir -p {FILES_DIR} && echo ok > {probe} && cat {probe} && rm -f {probe}"
        return access.ssh(host(datacenter), command, timeout=10).returncode == 0

    return Store("files", "files", "its file store takes a write", write_one, present, serving)


def directory(plan: Plan, access: LabAccess) -> Store:
    """The directory: entries under the suffix, added on the provider of the active datacenter
    as an administrator adds them."""
    suffix = plan.directory.suffix

    def host(datacenter: str) -> str:
        return host_of(plan, "directory", datacenter).name

    def dn(key: str) -> str:
        return f"cn={key},{suffix}"

    def add(datacenter: str, key: str, timeout: float = 30) -> bool:
        entry = f"dn: {dn(key)}\nobjectClass: organizationalRole\ncn: {key}\ndescription: egovinfra drill\n"
        return access.ssh(host(datacenter), f"ldapadd {LDAPI}", input_text=entry, timeout=timeout).returncode == 0

    def write_one(datacenter: str, key: str) -> None:
        if not add(datacenter, key):
            raise LabError(f"{host(datacenter)}: the directory refused the drill's entry {dn(key)}")

    def present(datacenter: str, keys: tuple[str, ...]) -> set[str]:
        query = f"ldapsearch {LDAPI} -LLL -b {shlex.quote(suffix)} -s one '(cn=drill-*)' cn"
        done = access.ssh(host(datacenter), query, timeout=30)
        if done.returncode != 0:
            return set()
        found = {line.split(":", 1)[1].strip() for line in done.stdout.splitlines() if line.startswith("cn:")}
        return found & set(keys)

    def serving(datacenter: str) -> bool:
        # A provider takes the write; a consumer refuses it (a shadow copy).
        key = f"drill-probe-{secrets.token_hex(4)}"
        if not add(datacenter, key, timeout=10):
            return False
        access.ssh(host(datacenter), f"ldapdelete {LDAPI} {shlex.quote(dn(key))}", timeout=30)
        return True

    return Store("directory", "entries", "its directory provider takes a write", write_one, present, serving)


def cleanup(plan: Plan, access: LabAccess, datacenter: str) -> None:
    """Remove what the drills wrote, through `datacenter` (the one serving); replication
    carries the removal to the other."""
    access.ssh(host_of(plan, "filestore", datacenter).name, f"rm -rf {FILES_DIR}", timeout=30)
    host = host_of(plan, "directory", datacenter).name
    query = f"ldapsearch {LDAPI} -LLL -b {shlex.quote(plan.directory.suffix)} -s one '(cn=drill-*)' dn"
    done = access.ssh(host, query, timeout=30)
    dns = [line.split(":", 1)[1].strip() for line in done.stdout.splitlines() if line.startswith("dn:")]
    if dns:
        access.ssh(host, f"ldapdelete {LDAPI}", input_text="\n".join(dns) + "\n", timeout=30)


def stores(plan: Plan, access: LabAccess) -> tuple[Store, ...]:
    """The stores of the topology that a drill writes into."""
    functions = {role for h in plan.hosts for role in h.roles}
    found = []
    if "filestore" in functions:
        found.append(files(plan, access))
    if "directory" in functions and plan.directory.suffix:
        found.append(directory(plan, access))
    return tuple(found)
