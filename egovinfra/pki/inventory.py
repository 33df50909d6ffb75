"""Expiry reporting: every certificate of a PKI directory with its days left."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509

from egovinfra.pki.keys import load_cert
from egovinfra.pki.store import CertKeyPaths, PkiLayout

EXPIRY_WINDOW_DAYS = 30


@dataclass(frozen=True)
class CertificateRecord:
    """One certificate as the expiry report shows it."""

    role: str  # root, issuing, current or previous
    path: Path
    subject: str
    san: tuple[str, ...]
    serial: str  # hexadecimal, as openssl and strongSwan print it
    not_after: datetime
    days_left: int
    expiring: bool  # expires within the report window (or has already expired)


def _san(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(str(name.value) for name in names)


def _record(role: str, path: Path, now: datetime, window: timedelta) -> CertificateRecord:
    cert = load_cert(path)
    not_after = cert.not_valid_after_utc
    left = not_after - now
    return CertificateRecord(
        role=role,
        path=path,
        subject=cert.subject.rfc4514_string(),
        san=_san(cert),
        serial=f"{cert.serial_number:x}",
        not_after=not_after,
        # Whole days, rounded down: "0 days left" means it ends within 24 hours.
        days_left=left.days,
        expiring=left <= window,
    )


def list_certificates(
    pki_dir: Path, window_days: int = EXPIRY_WINDOW_DAYS, now: datetime | None = None
) -> list[CertificateRecord]:
    """Every certificate under `pki_dir` (CAs first, then hosts by name), flagging those that
    expire within `window_days`."""
    layout = PkiLayout(pki_dir)
    moment = now or datetime.now(UTC)
    window = timedelta(days=window_days)
    candidates: list[tuple[str, CertKeyPaths]] = [
        ("root", layout.root_ca),
        ("issuing", layout.issuing_ca),
    ]
    for fqdn in layout.identities():
        candidates += [
            ("current", layout.host_current(fqdn)),
            ("previous", layout.host_previous(fqdn)),
        ]
    return [_record(role, paths.cert, moment, window) for role, paths in candidates if paths.cert.exists()]
