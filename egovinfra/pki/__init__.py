"""Intranet PKI: a root CA, a name-constrained issuing CA and one certificate per IPsec gateway.

Keys live outside the repository (see `store`); this package never writes into a rendered tree.
"""

from egovinfra.pki.ca import init_pki, permitted_domain
from egovinfra.pki.errors import PkiError
from egovinfra.pki.inventory import CertificateRecord, list_certificates
from egovinfra.pki.issue import add_names, current_paths, issue, retire, rotate
from egovinfra.pki.store import CertKeyPaths, PkiLayout, passphrase_from_env, resolve_pki_dir

__all__ = [
    "CertKeyPaths",
    "CertificateRecord",
    "PkiError",
    "PkiLayout",
    "add_names",
    "current_paths",
    "init_pki",
    "issue",
    "list_certificates",
    "passphrase_from_env",
    "permitted_domain",
    "resolve_pki_dir",
    "retire",
    "rotate",
]
