"""The central-logs check: an ssh login on a ministry gateway, found on every log host.

The login is a real one (the operator's key, from the management network). Its source port
makes its sshd line unique; the check reads each log host's store (/var/log/remote/<host>/),
as an operator would with grep, until the line is there, and measures how long it took.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from egovinfra.compile.plan import Plan
from egovinfra.lab.access import LabAccess
from egovinfra.lab.errors import LabError
from egovinfra.poll import until

STORE = "/var/log/remote"
POLL_SECONDS = 0.5


@dataclass
class LogsReport:
    """Seconds from the login to its line on each log host (None: not within the limit)."""

    gateway: str
    line: str
    seen_after: dict[str, float | None] = field(default_factory=dict)
    limit: float = 10.0

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return asdict(self)

    @property
    def passed(self) -> bool:
        """The line reached every log host within the limit."""
        return all(s is not None and s <= self.limit for s in self.seen_after.values())


def run(
    access: LabAccess, plan: Plan, *, limit: float = 10.0, give_up: float = 30.0, say: Callable[[str], None] = print
) -> LogsReport:
    """Log in on the first converged gateway, then wait for its sshd line on every log host."""
    stores = plan.monitoring.log_servers
    if not stores:
        raise LabError("this topology has no log host")
    gateway = next(s.gateway for s in plan.sites if s.edge == "linux")
    start = time.monotonic()
    port = access.must(gateway, "echo $SSH_CLIENT").split()[1]
    pattern = f"sshd.*Accepted publickey for root from .* port {port} "
    report = LogsReport(gateway, pattern, {s: None for s in stores}, limit)
    say(f"ssh login on {gateway} from source port {port}; reading {', '.join(stores)}")
    command = f"grep -rqE {shlex.quote(pattern)} {STORE}/{shlex.quote(gateway)}/"

    def seen_everywhere() -> bool:
        for store in stores:
            if report.seen_after[store] is None and access.ssh(store, command).returncode == 0:
                report.seen_after[store] = round(time.monotonic() - start, 2)
                say(f"  {report.seen_after[store]:5.2f} s  on {store}")
        return all(v is not None for v in report.seen_after.values())

    until(seen_everywhere, give_up, step=POLL_SECONDS, since=start)
    return report
