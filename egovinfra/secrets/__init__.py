"""The controller's generated secrets, encrypted at rest with Ansible Vault.

Every secret a converge needs (people's initial passwords, the SOGo database password, the
doveadm replication secret) is a vault-encrypted file in the deployment's secrets folder; the
roles read them with Ansible's `unvault` lookup, this package writes and reads them for the
CLI and the lab's checks. The vault password lives outside that folder (see `vault`).
"""

from egovinfra.secrets.errors import SecretsError
from egovinfra.secrets.store import SecretEntry, SecretsStore, needed_secrets, resolve_secrets_dir
from egovinfra.secrets.vault import Vault, resolve_password_file

__all__ = [
    "SecretEntry",
    "SecretsError",
    "SecretsStore",
    "Vault",
    "needed_secrets",
    "resolve_password_file",
    "resolve_secrets_dir",
]
