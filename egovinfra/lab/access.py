"""How to reach a running lab: its namespaces, credentials and hosts, read from its state file."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from egovinfra.lab import lifecycle
from egovinfra.lab.errors import LabError
from egovinfra.lab.health import ssh_command
from egovinfra.lab.names import mgmt_ns, wan_ns
from egovinfra.lab.state import DEFAULT_LABS_DIR, LabState, load_state
from egovinfra.ssh_relay import SshRoute
from egovinfra.vici_sas import IkeSa, SasError, remote_sas


@dataclass(frozen=True)
class LabAccess:
    """A running lab as its tools see it."""

    name: str
    lab_dir: Path
    state: LabState

    @property
    def prefix(self) -> str:
        """The name prefix of everything the lab made."""
        return self.state.prefix

    @property
    def mgmt_ns(self) -> str:
        """Where Ansible, testinfra and the health checks run."""
        return self.state.mgmt_ns or mgmt_ns(self.prefix)

    @property
    def wan_ns(self) -> str:
        """The WAN router's namespace."""
        return wan_ns(self.prefix)

    @property
    def operator_key(self) -> Path:
        """The private key root logs in with."""
        return lifecycle.operator_key(self.lab_dir)

    @property
    def known_hosts(self) -> Path:
        """Every host key of the lab."""
        return lifecycle.known_hosts(self.lab_dir)

    def hosts(self) -> dict[str, str]:
        """Inventory name -> management address, for every host the lab started."""
        return {h.name: h.mgmt_address for h in self.state.hosts}

    def ssh(
        self, host: str, command: str, *, timeout: float = 60.0, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the shell ``command`` as root on ``host`` (``input_text`` on its stdin); the exit
        code is the caller's to judge."""
        argv = [*self.route(host).argv(), "--", command]
        return subprocess.run(argv, input=input_text, capture_output=True, text=True, timeout=timeout, check=False)

    def route(self, host: str) -> SshRoute:
        """How root reaches ``host`` over ssh from the management namespace."""
        address = self.hosts().get(host)
        if address is None:
            raise LabError(f"lab {self.name!r} has no host {host!r}")
        return SshRoute(tuple(ssh_command(self.mgmt_ns, self.operator_key, self.known_hosts)), f"root@{address}")

    def sas(self, host: str, ike: str | None = None) -> list[IkeSa]:
        """The IKE_SAs (only connection ``ike``'s when given) of ``host``'s charon, read over vici."""
        try:
            return remote_sas(self.route(host), ike)
        except SasError as error:
            raise LabError(str(error)) from error

    def must(self, host: str, command: str, *, timeout: float = 60.0, input_text: str | None = None) -> str:
        """Like `ssh`, but a non-zero exit is a LabError naming the host and the command."""
        done = self.ssh(host, command, timeout=timeout, input_text=input_text)
        if done.returncode != 0:
            raise LabError(f"{host}: {command}: exit {done.returncode}: {(done.stderr or done.stdout).strip()}")
        return done.stdout


def lab_access(name: str, lab_dir: Path | None = None) -> LabAccess:
    """The running lab ``name`` (state in ``lab_dir``, default /var/lib/egovinfra/lab/<name>)."""
    directory = (lab_dir or DEFAULT_LABS_DIR / name).absolute()
    state = load_state(directory)
    if state is None or not state.hosts:
        raise LabError(f"lab {name!r} is not up (no state in {directory}); run `egovinfra lab up` first")
    return LabAccess(name, directory, state)
