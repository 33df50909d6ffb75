"""Revocation: the issuing CA's certificate revocation list (CRL) and the revoked certificates.

Files under the PKI directory:

    crl/crl.pem                 the current CRL, signed by the issuing CA (what gateways load)
    crl/root.pem                the root CA's CRL (empty: it vouches that the issuing CA is not
                                revoked, which strict revocation checking demands of the chain)
    crl/revoked/<serial>.pem    each revoked certificate, kept so reports can name its identity
    crl/revoked-identities      the identities that hold a revoked certificate, one a line; the
                                hubs close those peers' IKE SAs when a new CRL arrives

The CRL is the register: revoking reads its entries, adds the new ones and signs it again
with a higher CRL number. Entries whose certificate has expired are dropped (RFC 5280 §3.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from egovinfra.bounded import FileRefused, read_bounded
from egovinfra.pki.ca import BACKDATE, CertificateAuthority, load_issuing, load_root
from egovinfra.pki.errors import PkiError
from egovinfra.pki.keys import MAX_PEM_BYTES, load_cert, write_cert
from egovinfra.pki.names import normalize_dns_name
from egovinfra.pki.store import PkiLayout, ensure_outside_repository, write_atomic

# Long enough that a weekend without the controller does not stale the hubs' CRL (a stale CRL
# under strict revocation refuses every site), short enough that monitoring sees a stuck
# publication well before that: `pki list --check` flags it within CRL_WARN_DAYS.
CRL_VALIDITY = timedelta(days=30)
CRL_WARN_DAYS = 7
# The root's CRL is signed with the offline-grade root key, so rarely: a year, renewed by
# `pki publish` when less than ROOT_CRL_RENEW is left.
ROOT_CRL_VALIDITY = timedelta(days=365)
ROOT_CRL_RENEW = timedelta(days=60)

Reason = Literal[
    "unspecified",
    "key_compromise",
    "ca_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
]
REASONS: tuple[Reason, ...] = (
    "unspecified",
    "key_compromise",
    "ca_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
)


@dataclass(frozen=True)
class CrlPaths:
    """Where the revocation files of a PKI directory are."""

    base: Path

    @property
    def crl(self) -> Path:
        """The signed CRL (PEM)."""
        return self.base / "crl" / "crl.pem"

    @property
    def root_crl(self) -> Path:
        """The root CA's CRL (PEM), covering the issuing CA."""
        return self.base / "crl" / "root.pem"

    @property
    def revoked_dir(self) -> Path:
        """Copies of the revoked certificates, by serial."""
        return self.base / "crl" / "revoked"

    @property
    def identities(self) -> Path:
        """The identities holding a revoked certificate (plain text, one a line)."""
        return self.base / "crl" / "revoked-identities"


@dataclass(frozen=True)
class RevokedRecord:
    """One CRL entry, with the identity of its certificate when the copy is kept."""

    serial: str  # hexadecimal
    identity: str  # "" when the certificate copy is gone
    revoked_at: datetime
    reason: str
    not_after: datetime | None


@dataclass(frozen=True)
class CrlStatus:
    """The current CRL as monitoring sees it."""

    path: Path
    number: int
    this_update: datetime
    next_update: datetime
    days_left: int
    due: bool  # next update within the warning window (or past)
    revoked: tuple[RevokedRecord, ...]


def load_crl(path: Path) -> x509.CertificateRevocationList:
    """Read a PEM CRL; clear error when it is missing or malformed."""
    try:
        data = read_bounded(path, MAX_PEM_BYTES)
    except (OSError, FileRefused) as exc:
        raise PkiError(f"cannot read CRL {path}: {exc}") from exc
    try:
        return x509.load_pem_x509_crl(data)
    except ValueError as exc:
        raise PkiError(f"{path} is not a PEM CRL: {exc}") from exc


def _number(crl: x509.CertificateRevocationList) -> int:
    try:
        return int(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)
    except x509.ExtensionNotFound:
        return 0


def _reason_of(entry: x509.RevokedCertificate) -> x509.ReasonFlags:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return x509.ReasonFlags.unspecified


def _verified(crl: x509.CertificateRevocationList, issuer: CertificateAuthority, path: Path) -> None:
    if crl.issuer != issuer.cert.subject or not crl.is_signature_valid(issuer.key.public_key()):
        raise PkiError(f"{path} is not signed by this PKI's issuing CA; refusing to carry its entries over")


def sign_crl(
    issuer: CertificateAuthority,
    entries: list[x509.RevokedCertificate],
    number: int,
    now: datetime,
    validity: timedelta = CRL_VALIDITY,
) -> x509.CertificateRevocationList:
    """A CRL of `entries` signed by `issuer` (SHA-384), valid from `now` for `validity`."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(now - BACKDATE)
        .next_update(min(now + validity, issuer.cert.not_valid_after_utc))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    )
    for entry in sorted(entries, key=lambda e: e.serial_number):
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(issuer.key, hashes.SHA384())


def _entry(serial: int, when: datetime, reason: x509.ReasonFlags) -> x509.RevokedCertificate:
    return (
        x509.RevokedCertificateBuilder()
        .serial_number(serial)
        .revocation_date(when)
        .add_extension(x509.CRLReason(reason), critical=False)
        .build()
    )


def _still_valid(paths: CrlPaths, serial: int, now: datetime) -> bool:
    """False once the revoked certificate itself has expired (its entry may then be dropped)."""
    copy = paths.revoked_dir / f"{serial:x}.pem"
    return not copy.exists() or load_cert(copy).not_valid_after_utc > now


def _write(paths: CrlPaths, crl: x509.CertificateRevocationList) -> None:
    write_atomic(paths.crl, crl.public_bytes(serialization.Encoding.PEM), 0o644)
    identities = sorted({r.identity for r in revoked_records(paths.base, crl) if r.identity})
    write_atomic(paths.identities, "".join(f"{i}\n" for i in identities).encode(), 0o644)


def _ensure_root_crl(layout: PkiLayout, paths: CrlPaths, passphrase: bytes | None, now: datetime) -> None:
    """Sign the root's CRL when missing or due; the root key is needed only then."""
    if paths.root_crl.exists():
        next_update = load_crl(paths.root_crl).next_update_utc
        if next_update is not None and next_update - now > ROOT_CRL_RENEW:
            return
        number = _number(load_crl(paths.root_crl)) + 1
    else:
        number = 1
    root = load_root(layout, passphrase)
    crl = sign_crl(root, [], number, now, ROOT_CRL_VALIDITY)
    write_atomic(paths.root_crl, crl.public_bytes(serialization.Encoding.PEM), 0o644)


def publish(
    pki_dir: Path,
    passphrase: bytes | None = None,
    now: datetime | None = None,
    validity: timedelta = CRL_VALIDITY,
    add: dict[int, x509.ReasonFlags] | None = None,
) -> Path:
    """Sign the CRL again (next number, fresh next-update) with `add` revoked now; return its path.

    Existing entries are carried over from the current CRL once its signature checks out.
    """
    ensure_outside_repository(pki_dir)
    layout, paths = PkiLayout(pki_dir), CrlPaths(pki_dir)
    issuer = load_issuing(layout, passphrase)
    moment = now or datetime.now(UTC)
    entries: list[x509.RevokedCertificate] = []
    number = 1
    if paths.crl.exists():
        current = load_crl(paths.crl)
        _verified(current, issuer, paths.crl)
        number = _number(current) + 1
        entries = [e for e in current if _still_valid(paths, e.serial_number, moment)]
    known = {e.serial_number for e in entries}
    entries += [_entry(s, moment, r) for s, r in sorted((add or {}).items()) if s not in known]
    _write(paths, sign_crl(issuer, entries, number, moment, validity))
    _ensure_root_crl(layout, paths, passphrase, moment)
    return paths.crl


def revoke(
    identity: str,
    pki_dir: Path,
    reason: Reason,
    passphrase: bytes | None = None,
    now: datetime | None = None,
    validity: timedelta = CRL_VALIDITY,
) -> list[str]:
    """Revoke every certificate `identity` holds (current and previous), then sign a new CRL.

    The certificates move to ``crl/revoked/`` and their keys are deleted, so the identity has no
    certificate left: `pki issue` gives it a fresh one (new key, new serial). Returns the serials.
    """
    fqdn = normalize_dns_name(identity, "identity")
    layout, paths = PkiLayout(pki_dir), CrlPaths(pki_dir)
    held = [p for p in (layout.host_current(fqdn), layout.host_previous(fqdn)) if p.cert.exists()]
    if not held:
        raise PkiError(f"{fqdn} holds no certificate in {pki_dir}; nothing to revoke")
    certs = [(p, load_cert(p.cert)) for p in held]
    flag = x509.ReasonFlags[reason]
    # Sign first: if the issuing key cannot be unlocked, nothing has moved.
    crl = publish(pki_dir, passphrase, now, validity, add={c.serial_number: flag for _, c in certs})
    for pair, cert in certs:
        write_cert(paths.revoked_dir / f"{cert.serial_number:x}.pem", cert)
        pair.key.unlink(missing_ok=True)
        pair.cert.unlink()
    for folder in (layout.host_previous(fqdn).cert.parent, layout.host_current(fqdn).cert.parent):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    # The identities file names the certificates just moved.
    _write(paths, load_crl(crl))
    return [f"{c.serial_number:x}" for _, c in certs]


def revoked_records(pki_dir: Path, crl: x509.CertificateRevocationList) -> tuple[RevokedRecord, ...]:
    """The entries of `crl`, each with its certificate's identity and expiry when kept."""
    paths = CrlPaths(pki_dir)
    records = []
    for entry in sorted(crl, key=lambda e: e.serial_number):
        serial = f"{entry.serial_number:x}"
        copy = paths.revoked_dir / f"{serial}.pem"
        cert = load_cert(copy) if copy.exists() else None
        identity = ""
        if cert is not None:
            names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            identity = ",".join(names.get_values_for_type(x509.DNSName))
        records.append(
            RevokedRecord(
                serial=serial,
                identity=identity,
                revoked_at=entry.revocation_date_utc,
                reason=_reason_of(entry).name,
                not_after=cert.not_valid_after_utc if cert else None,
            )
        )
    return tuple(records)


def crl_status(pki_dir: Path, now: datetime | None = None, warn_days: int = CRL_WARN_DAYS) -> CrlStatus | None:
    """The current CRL's number, next update and entries; None when none was ever published."""
    paths = CrlPaths(pki_dir)
    if not paths.crl.exists():
        return None
    crl = load_crl(paths.crl)
    next_update = crl.next_update_utc
    if next_update is None:
        raise PkiError(f"{paths.crl} has no next update")
    left = next_update - (now or datetime.now(UTC))
    return CrlStatus(
        path=paths.crl,
        number=_number(crl),
        this_update=crl.last_update_utc,
        next_update=next_update,
        days_left=left.days,
        due=left <= timedelta(days=warn_days),
        revoked=revoked_records(pki_dir, crl),
    )
