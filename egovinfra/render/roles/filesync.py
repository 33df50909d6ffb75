"""Variables of the `filesync` role: the groupware's files pushed from the active datacenter.

Choice: rsync, pushed by a systemd timer from the active datacenter's filestore to an rsync
daemon on each secondary one (tcp/873, the topology's `replication` service), over the
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
from egovinfra.render.hostvars import RenderContext, provider
from egovinfra.render.roles.peers import allowed, function_peers, sources_reaching
from egovinfra.render.tree import RenderError

PORT = 873


@provider("filesync")
def filesync_vars(ctx: RenderContext, host: Host) -> dict[str, Any] | None:
    """A filestore host: whether it pushes or receives, and its peers."""
    plan = ctx.plan
    peers = function_peers(plan, "filestore")
    reaching = sources_reaching(plan, host, "tcp", PORT)
    senders = []
    for peer in peers.of(host):
        if not allowed(list(reaching), peer.address):
            raise RenderError(
                f"filesync: no flow lets {peer.name} ({peer.address}) reach tcp/{PORT} on "
                f"{host.name}: the file copy between them could not work"
            )
        senders.append(f"{peer.address}/32")
    return {
        "filesync_role": "source" if host.name == peers.primary.name else "target",
        "filesync_source_host": peers.primary.name,
        "filesync_path": "/srv/groupware/files",
        "filesync_module": "groupware-files",
        "filesync_user": "filesync",
        # Where this host pushes when it is the source: every other filestore not fenced.
        "filesync_peers": [{"name": p.name, "address": p.address} for p in peers.of(host) if plan.serving(p)],
        # Who may push into this host's daemon.
        "filesync_allowed_senders": senders,
        "filesync_interval": "1min",
    }
