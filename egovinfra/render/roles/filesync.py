"""Variables of the `filesync` role: the groupware's files pushed from the active datacenter.

Choice: rsync, pushed by a systemd timer from the active datacenter's filestore to an rsync
daemon on each secondary one (the `rsync` port of the topology's `replication` service), over the
inter-datacenter tunnel. Not lsyncd: it needs an inotify watch per directory (a kernel-wide
fs.inotify limit to raise, which lab containers cannot), falls back to full rescans on
overflow or restart anyway, and propagates an accidental mass deletion within seconds. A
timer gives a bounded, measurable RPO (interval + transfer time, exported as the age of the
last success) and fails visibly in the journal. The mail store and the database replicate by
their own means; these are attachments and shared files, where a minute is acceptable.

Both ends get the same files (daemon, units): which side pushes follows the operational state
(the active datacenter, changed only by `egovinfra dr`); a fenced datacenter receives nothing
until failback.
"""

from __future__ import annotations

from typing import Any

from egovinfra.compile.plan import Host
from egovinfra.render.hostvars import RenderContext


def filesync_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A filestore host: whether it pushes or receives, and its peers."""
    plan = ctx.plan
    replication = plan.replication("filestore")
    others = [plan.host(h) for h in replication.members if h != host.name]
    senders = [f"{plan.host(link.client).address}/32" for link in replication.links if link.server == host.name]
    return {
        "filesync_role": "source" if host.name == replication.primary else "target",
        "filesync_source_host": replication.primary,
        "filesync_port": replication.endpoint.port.first,
        "filesync_path": "/srv/groupware/files",
        "filesync_module": "groupware-files",
        "filesync_user": "filesync",
        # Where this host pushes when it is the source: every other filestore not fenced.
        "filesync_peers": [{"name": p.name, "address": p.address} for p in others if plan.serving(p)],
        # Who may push into this host's daemon.
        "filesync_allowed_senders": senders,
        "filesync_interval": "1min",
    }
