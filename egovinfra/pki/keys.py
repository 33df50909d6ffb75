"""ECDSA P-384 keys and certificates on disk: generation, PEM files, loading."""

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from egovinfra.bounded import FileRefused, read_bounded
from egovinfra.pki.errors import PkiError
from egovinfra.pki.store import write_atomic

PrivateKey = ec.EllipticCurvePrivateKey

# A PEM key or certificate is a few KB; a PKI folder that was tampered with may hold anything.
MAX_PEM_BYTES = 1 << 20


def generate_key() -> PrivateKey:
    """A new ECDSA key on P-384 (secp384r1), the curve of the CNSA profile for IPsec."""
    return ec.generate_private_key(ec.SECP384R1())


def write_key(path: Path, key: PrivateKey, passphrase: bytes | None = None) -> None:
    """Write `key` as PKCS#8 PEM, mode 0600, encrypted when `passphrase` is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    write_atomic(path, pem, 0o600)


def write_cert(path: Path, cert: x509.Certificate) -> None:
    """Write `cert` as PEM, mode 0644 (certificates are public)."""
    write_atomic(path, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def load_key(path: Path, passphrase: bytes | None = None) -> PrivateKey:
    """Read an ECDSA private key; clear error when it is missing, locked or of another kind."""
    data = _read_pem(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError as exc:
        hint = (
            "set EGOVINFRA_PKI_PASSPHRASE or create the vault password (egovinfra secrets init)"
            if passphrase is None
            else "it is in clear: `egovinfra secrets init` encrypts it"
        )
        raise PkiError(f"cannot load private key {path}: {exc} ({hint})") from exc
    except ValueError as exc:
        raise PkiError(f"cannot load private key {path}: wrong passphrase or bad file") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError(f"private key {path} is not an ECDSA key")
    return key


def load_cert(path: Path) -> x509.Certificate:
    """Read a PEM certificate, with a clear error when it is missing or malformed."""
    data = _read_pem(path, "certificate")
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise PkiError(f"certificate {path} is not a PEM certificate: {exc}") from exc


def _read_pem(path: Path, what: str) -> bytes:
    """A PEM file's bytes: a regular file of at most MAX_PEM_BYTES."""
    try:
        return read_bounded(path, MAX_PEM_BYTES)
    except OSError as exc:
        raise PkiError(f"cannot read {what} {path}: {exc.strerror}") from exc
    except FileRefused as exc:
        raise PkiError(f"cannot read {what} {path}: {exc}") from exc


def key_encrypted(path: Path) -> bool:
    """True when the PEM key file at `path` cannot be loaded without a passphrase."""
    try:
        serialization.load_pem_private_key(_read_pem(path, "private key"), password=None)
    except TypeError:  # "password was not given but private key is encrypted"
        return True
    except ValueError as exc:
        raise PkiError(f"{path} is not a PEM private key") from exc
    return False


def encrypt_key_file(path: Path, passphrase: bytes) -> bool:
    """Encrypt a key file found in clear, in place (atomic); True when it was in clear."""
    if key_encrypted(path):
        return False
    write_key(path, load_key(path), passphrase)
    return True
