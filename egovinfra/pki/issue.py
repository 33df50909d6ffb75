"""Gateway certificates: issue, rotate (old and new both valid), retire the old one."""

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from egovinfra.pki.ca import BACKDATE, CertificateAuthority, load_issuing, permitted_domain
from egovinfra.pki.errors import PkiError
from egovinfra.pki.keys import PrivateKey, generate_key, load_cert, load_key, write_cert, write_key
from egovinfra.pki.names import normalize_dns_name, within_domain
from egovinfra.pki.store import CertKeyPaths, PkiLayout, ensure_outside_repository

LEAF_VALIDITY = timedelta(days=365)
# id-kp-ipsecIKE (RFC 4945 §5.1.3.12); some IKE peers look for it next to server/client auth.
IPSEC_IKE = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.17")


def sign_leaf(
    issuer: CertificateAuthority,
    fqdn: str,
    now: datetime,
    validity: timedelta = LEAF_VALIDITY,
    key: PrivateKey | None = None,
    alt_names: tuple[str, ...] = (),
) -> tuple[x509.Certificate, PrivateKey]:
    """Sign an end-entity certificate for `fqdn` without checking it against the CA's domain.

    The identity goes in subjectAltName dNSName, which strongSwan matches against the IKE
    identity, followed by `alt_names` (a service's other names, which TLS clients check).
    The certificate never outlives its issuer.
    """
    leaf_key = key or generate_key()
    public = leaf_key.public_key()
    not_after = min(now + validity, issuer.cert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, fqdn)]))
        .issuer_name(issuer.cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH, IPSEC_IKE]),
            critical=False,
        )
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in dict.fromkeys((fqdn, *alt_names))]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
        .sign(issuer.key, hashes.SHA384())
    )
    return cert, leaf_key


def _checked_identity(issuer: CertificateAuthority, identity: str) -> str:
    fqdn = normalize_dns_name(identity, "identity")
    domain = permitted_domain(issuer.cert)
    if not within_domain(fqdn, domain):
        raise PkiError(
            f"identity {fqdn!r} is outside the intranet domain {domain!r}; "
            f"the issuing CA may only certify {domain} and its subdomains"
        )
    return fqdn


def dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    """The subjectAltName dNSNames of a certificate, in order (the identity first)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(san.get_values_for_type(x509.DNSName))


def _write_pair(paths: CertKeyPaths, cert: x509.Certificate, key: PrivateKey) -> None:
    # Key first: a certificate on disk always has its key beside it.
    write_key(paths.key, key)
    write_cert(paths.cert, cert)


def _open(identity: str, pki_dir: Path, passphrase: bytes | None) -> tuple[PkiLayout, CertificateAuthority, str]:
    """The PKI folder (checked to be outside the repository), its issuing CA and the checked identity."""
    ensure_outside_repository(pki_dir)
    layout = PkiLayout(pki_dir)
    issuer = load_issuing(layout, passphrase)
    return layout, issuer, _checked_identity(issuer, identity)


def issue(
    identity: str,
    pki_dir: Path,
    passphrase: bytes | None = None,
    validity: timedelta = LEAF_VALIDITY,
    now: datetime | None = None,
    alt_names: tuple[str, ...] = (),
) -> CertKeyPaths:
    """Issue the first certificate and key for `identity` (and its `alt_names`); refuse if it has one.

    `passphrase` unlocks the issuing CA key; the host key itself is written unencrypted (0600)
    because charon and the TLS daemons load it unattended.
    """
    layout, issuer, fqdn = _open(identity, pki_dir, passphrase)
    names = tuple(_checked_identity(issuer, n) for n in alt_names)
    paths = layout.host_current(fqdn)
    if paths.cert.exists():
        raise PkiError(f"{fqdn} already has a certificate at {paths.cert}; use `pki rotate`")
    cert, key = sign_leaf(issuer, fqdn, now or datetime.now(UTC), validity, alt_names=names)
    _write_pair(paths, cert, key)
    return paths


def add_names(
    identity: str,
    pki_dir: Path,
    alt_names: tuple[str, ...],
    passphrase: bytes | None = None,
    validity: timedelta = LEAF_VALIDITY,
    now: datetime | None = None,
) -> CertKeyPaths | None:
    """Sign `identity`'s current key again with the `alt_names` its certificate lacks; None if none.

    A deployment that gains a service name (TLS clients check it) keeps its host keys: only the
    certificate changes, and the daemons that serve it reload it.
    """
    layout, issuer, fqdn = _open(identity, pki_dir, passphrase)
    current = layout.host_current(fqdn)
    held = dns_names(load_cert(current.cert))
    wanted = tuple(_checked_identity(issuer, n) for n in alt_names)
    if set(wanted) <= set(held):
        return None
    key = load_key(current.key)
    kept = tuple(n for n in held[1:] if n not in wanted)
    cert, _ = sign_leaf(issuer, fqdn, now or datetime.now(UTC), validity, key=key, alt_names=(*wanted, *kept))
    write_cert(current.cert, cert)
    return current


def rotate(
    identity: str,
    pki_dir: Path,
    passphrase: bytes | None = None,
    validity: timedelta = LEAF_VALIDITY,
    now: datetime | None = None,
) -> CertKeyPaths:
    """Move the current certificate and key to ``previous/`` and issue new current ones.

    Nothing is revoked: both stay valid until `retire`, so peers can switch over at their pace.
    The new certificate keeps the old one's other names. Refuses while an earlier rotation has
    not been retired, so no key is ever overwritten.
    """
    layout, issuer, fqdn = _open(identity, pki_dir, passphrase)
    current, previous = layout.host_current(fqdn), layout.host_previous(fqdn)
    if not current.cert.exists():
        raise PkiError(f"{fqdn} has no certificate yet; use `pki issue`")
    if previous.cert.exists() or previous.key.exists():
        raise PkiError(f"{fqdn} still has a previous certificate; run `pki retire {fqdn}` first")
    kept = dns_names(load_cert(current.cert))[1:]
    cert, key = sign_leaf(issuer, fqdn, now or datetime.now(UTC), validity, alt_names=kept)
    previous.cert.parent.mkdir(mode=0o700, exist_ok=True)
    current.key.replace(previous.key)
    current.cert.replace(previous.cert)
    _write_pair(current, cert, key)
    return current


def retire(identity: str, pki_dir: Path) -> CertKeyPaths:
    """Delete the previous certificate and key of `identity` (after every peer uses the new one)."""
    fqdn = normalize_dns_name(identity, "identity")
    previous = PkiLayout(pki_dir).host_previous(fqdn)
    if not previous.cert.parent.is_dir():
        raise PkiError(f"{fqdn} has no previous certificate to retire")
    shutil.rmtree(previous.cert.parent)
    return previous


def current_paths(identity: str, pki_dir: Path) -> CertKeyPaths:
    """Where the current certificate and key of `identity` are (what strongSwan should load)."""
    fqdn = normalize_dns_name(identity, "identity")
    paths = PkiLayout(pki_dir).host_current(fqdn)
    if not paths.cert.exists():
        raise PkiError(f"{fqdn} has no certificate in {pki_dir}; run `egovinfra pki issue {fqdn}`")
    return paths
