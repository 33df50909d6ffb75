"""The PKI's dates as Prometheus text (node_exporter's textfile collector), for alerting.

Alert rules compare the timestamps with time(): a CRL whose next update is near means
`pki publish` has not run (under strict revocation a stale CRL shuts every site out), a
certificate whose end is near needs `pki rotate`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from egovinfra.pki.crl import CrlPaths, crl_status, load_crl
from egovinfra.pki.inventory import CertificateRecord


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _ts(moment: datetime) -> str:
    return f"{moment.timestamp():.0f}"


def render_metrics(pki_dir: Path, records: list[CertificateRecord]) -> str:
    """The exposition text: CRL next updates, revoked count, certificate ends."""
    lines = [
        "# HELP egovinfra_pki_crl_next_update_timestamp_seconds When the CA's CRL must be published again.",
        "# TYPE egovinfra_pki_crl_next_update_timestamp_seconds gauge",
    ]
    status = crl_status(pki_dir)
    paths = CrlPaths(pki_dir)
    if status is not None:
        lines.append(f'egovinfra_pki_crl_next_update_timestamp_seconds{{ca="issuing"}} {_ts(status.next_update)}')
    if paths.root_crl.exists():
        root_next = load_crl(paths.root_crl).next_update_utc
        if root_next is not None:
            lines.append(f'egovinfra_pki_crl_next_update_timestamp_seconds{{ca="root"}} {_ts(root_next)}')
    lines += [
        "# HELP egovinfra_pki_revoked_certificates Entries of the issuing CA's CRL.",
        "# TYPE egovinfra_pki_revoked_certificates gauge",
        f"egovinfra_pki_revoked_certificates {len(status.revoked) if status else 0}",
        "# HELP egovinfra_pki_certificate_not_after_timestamp_seconds When a certificate expires.",
        "# TYPE egovinfra_pki_certificate_not_after_timestamp_seconds gauge",
    ]
    for r in records:
        name = _label(",".join(r.san) or r.subject)
        lines.append(
            f'egovinfra_pki_certificate_not_after_timestamp_seconds{{role="{r.role}",identity="{name}",'
            f'serial="{r.serial}"}} {_ts(r.not_after)}'
        )
    return "\n".join(lines) + "\n"
