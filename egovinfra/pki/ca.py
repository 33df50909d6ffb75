"""The two certificate authorities: an offline-grade root and a name-constrained issuing CA."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from egovinfra.pki.errors import PkiError
from egovinfra.pki.keys import PrivateKey, generate_key, load_cert, load_key, write_cert, write_key
from egovinfra.pki.names import normalize_dns_name
from egovinfra.pki.store import PkiLayout, ensure_outside_repository, make_private_dir

ROOT_VALIDITY = timedelta(days=3653)
ISSUING_VALIDITY = timedelta(days=1826)
# Tolerate peers whose clock runs a little behind the CA's.
BACKDATE = timedelta(minutes=5)


@dataclass(frozen=True)
class CertificateAuthority:
    """A CA certificate and its private key."""

    cert: x509.Certificate
    key: PrivateKey


def _name(deployment: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, deployment),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def build_root(deployment: str, now: datetime, validity: timedelta = ROOT_VALIDITY) -> CertificateAuthority:
    """A self-signed root CA (P-384, SHA-384) that may sign one level of CA below it."""
    key = generate_key()
    subject = _name(deployment, f"{deployment} intranet root CA")
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA384())
    )
    return CertificateAuthority(cert=cert, key=key)


def domain_constraints(domain: str) -> x509.NameConstraints:
    """Permit only `domain` and its subdomains, in the DNS and mailbox name forms.

    A dNSName subtree covers the name and every subdomain (RFC 5280 §4.2.1.10); rfc822Name needs
    the bare domain for mailboxes at that host and a leading dot for those of subdomains.
    No iPAddress subtree: strongSwan 5.9's X.509 parser rejects a CA certificate that carries one,
    so IP identities are kept out by `issue`, which only ever writes a dNSName.
    """
    return x509.NameConstraints(
        permitted_subtrees=[
            x509.DNSName(domain),
            x509.RFC822Name(domain),
            x509.RFC822Name("." + domain),
        ],
        excluded_subtrees=None,
    )


def build_issuing(
    root: CertificateAuthority,
    deployment: str,
    domain: str,
    now: datetime,
    validity: timedelta = ISSUING_VALIDITY,
) -> CertificateAuthority:
    """An issuing CA signed by `root`: pathlen 0, keyCertSign/cRLSign, constrained to `domain`."""
    domain = normalize_dns_name(domain, "domain")
    key = generate_key()
    public = key.public_key()
    not_after = min(now + validity, root.cert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(deployment, f"{deployment} intranet issuing CA"))
        .issuer_name(root.cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(domain_constraints(domain), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()),
            critical=False,
        )
        .sign(root.key, hashes.SHA384())
    )
    return CertificateAuthority(cert=cert, key=key)


def permitted_domain(issuing_cert: x509.Certificate) -> str:
    """The DNS domain an issuing CA may certify, read from its NameConstraints extension."""
    try:
        constraints = issuing_cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound as exc:
        raise PkiError("the issuing CA has no NameConstraints; re-run `pki init`") from exc
    domains = [n.value for n in constraints.permitted_subtrees or [] if isinstance(n, x509.DNSName)]
    if len(domains) != 1:
        raise PkiError(f"the issuing CA permits {len(domains)} DNS domains, expected exactly one")
    return str(domains[0])


def init_pki(
    deployment: str,
    domain: str,
    pki_dir: Path,
    passphrase: bytes | None = None,
    now: datetime | None = None,
) -> PkiLayout:
    """Create the root and issuing CAs in `pki_dir`; refuse if a root CA is already there.

    Both CA keys are written 0600 and encrypted with `passphrase` when one is given.
    """
    deployment = deployment.strip()
    if not deployment:
        raise PkiError("deployment name is empty")
    domain = normalize_dns_name(domain, "domain")
    ensure_outside_repository(pki_dir)
    layout = PkiLayout(pki_dir)
    if layout.root_ca.cert.exists() or layout.root_ca.key.exists():
        raise PkiError(f"a root CA already exists in {layout.root_ca.cert.parent}; refusing to replace it")
    moment = now or datetime.now(UTC)
    root = build_root(deployment, moment)
    issuing = build_issuing(root, deployment, domain, moment)
    make_private_dir(pki_dir)
    for paths, ca in ((layout.root_ca, root), (layout.issuing_ca, issuing)):
        write_key(paths.key, ca.key, passphrase)
        write_cert(paths.cert, ca.cert)
    return layout


def load_issuing(layout: PkiLayout, passphrase: bytes | None = None) -> CertificateAuthority:
    """The issuing CA of an initialised PKI directory."""
    paths = layout.issuing_ca
    if not paths.cert.exists():
        raise PkiError(f"no issuing CA in {layout.base}; run `egovinfra pki init` first")
    cert, key = load_cert(paths.cert), load_key(paths.key, passphrase)
    # A key swapped for another would sign certificates that no peer can verify.
    if cert.public_key() != key.public_key():
        raise PkiError(f"the issuing CA's key {paths.key} does not belong to its certificate {paths.cert}")
    return CertificateAuthority(cert=cert, key=key)


def load_root(layout: PkiLayout, passphrase: bytes | None = None) -> CertificateAuthority:
    """The root CA of an initialised PKI directory (only to sign its CRL)."""
    paths = layout.root_ca
    if not paths.key.exists():
        raise PkiError(f"no root CA key in {paths.key.parent}; bring the offline root key back to sign its CRL")
    cert, key = load_cert(paths.cert), load_key(paths.key, passphrase)
    if cert.public_key() != key.public_key():
        raise PkiError(f"the root CA's key {paths.key} does not belong to its certificate {paths.cert}")
    return CertificateAuthority(cert=cert, key=key)
