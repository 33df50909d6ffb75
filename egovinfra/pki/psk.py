"""Pre-shared keys of the tunnels that end on Neutron VPNaaS, one per tunnel, never in git.

`<pki dir>/psk/<tunnel>` is the single copy: the `pki` role copies it to the strongSwan end
(`/etc/swanctl/conf.d/psk-<tunnel>.conf`) and the datacenter stack reads it into a Pulumi
secret for the VPNaaS site connection, so both ends hold the same key and no peer holds
another's.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from egovinfra.compile.plan import Plan
from egovinfra.pki.errors import PkiError
from egovinfra.pki.store import ensure_outside_repository, write_atomic

PSK_DIR = "psk"
PSK_BYTES = 48  # 384 bits of entropy, as strong as the ECP-384 exchange it stands beside


def psk_tunnels(plan: Plan) -> tuple[str, ...]:
    """The tunnels authenticated with a pre-shared key (those with a VPNaaS end), sorted."""
    return tuple(sorted({t.name for t in plan.vpn.tunnels if t.initiator.auth == "psk"}))


def psk_path(pki_dir: Path, tunnel: str) -> Path:
    """Where the key of `tunnel` lives."""
    return pki_dir / PSK_DIR / tunnel


def ensure_psks(plan: Plan, pki_dir: Path) -> list[str]:
    """Generate the missing keys (0600); existing keys are kept. Returns the tunnels written."""
    ensure_outside_repository(pki_dir)
    written = []
    for tunnel in psk_tunnels(plan):
        path = psk_path(pki_dir, tunnel)
        if path.exists():
            continue
        write_atomic(path, secrets.token_urlsafe(PSK_BYTES).encode(), 0o600)
        written.append(tunnel)
    return written


def read_psk(pki_dir: Path, tunnel: str) -> str:
    """The key of `tunnel`; PkiError naming the command that makes it when absent."""
    path = psk_path(pki_dir, tunnel)
    try:
        key = path.read_text().strip()
    except OSError:
        raise PkiError(f"{path}: no pre-shared key for tunnel {tunnel}; run `egovinfra pki psk`") from None
    if not key or '"' in key or "\n" in key:
        raise PkiError(f"{path}: not a key (empty, or a character swanctl's quoting cannot carry)")
    return key
