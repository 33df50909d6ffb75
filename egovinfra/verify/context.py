"""What the infra suites need to reach a running lab, handed to pytest as one JSON file.

The CLI fills it from the lab's state (verify does not import the lab layer); the suites read
it back in ``tests/infra/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

CONTEXT_FILE = "verify-context.json"
SSH_CONFIG = "ssh_config"


class LabContext(BaseModel):
    """A running lab as the suites see it: namespaces, credentials and hosts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topology: str | None  # the topology folder; None for the embedded default
    lab_dir: str
    mgmt_ns: str
    wan_ns: str
    operator_key: str
    known_hosts: str
    hosts: dict[str, str]  # inventory name -> management address
    # summary.json of a converge run just before the suites: it must report changed=0
    converge_summary: str | None = None

    @property
    def ssh_config(self) -> Path:
        """The ssh client configuration written next to the lab's state."""
        return Path(self.lab_dir) / SSH_CONFIG


def ssh_config_text(ctx: LabContext) -> str:
    """An ssh_config for testinfra's ssh backend: one Host entry per lab host, root by key,
    host keys checked against the lab's known_hosts, connections shared for the run."""
    control = Path(ctx.lab_dir) / "cm"
    lines = [
        "Host *",
        "  User root",
        f"  IdentityFile {ctx.operator_key}",
        "  IdentitiesOnly yes",
        f"  UserKnownHostsFile {ctx.known_hosts}",
        "  StrictHostKeyChecking yes",
        "  BatchMode yes",
        "  ConnectTimeout 5",
        "  ControlMaster auto",
        f"  ControlPath {control}/%C",
        # short: the masters must not outlive the run (lab down checks for leftovers)
        "  ControlPersist 15s",
        "",
    ]
    for name, address in sorted(ctx.hosts.items()):
        lines += [f"Host {name}", f"  HostName {address}", ""]
    return "\n".join(lines)


def write_context(ctx: LabContext) -> Path:
    """Write the context and its ssh_config into the lab folder; return the context file."""
    lab_dir = Path(ctx.lab_dir)
    (lab_dir / "cm").mkdir(mode=0o700, parents=True, exist_ok=True)
    ctx.ssh_config.write_text(ssh_config_text(ctx))
    path = lab_dir / CONTEXT_FILE
    path.write_text(ctx.model_dump_json(indent=2) + "\n")
    return path


def read_context(path: Path) -> LabContext:
    """Read a context file written by `write_context`."""
    return LabContext.model_validate_json(path.read_text())
