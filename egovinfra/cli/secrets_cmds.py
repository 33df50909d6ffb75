"""`egovinfra secrets`: the controller's secrets, encrypted at rest with Ansible Vault.

The vault password (a file outside the secrets folder, or a script printing it) also
encrypts the CA keys of the PKI; see docs/security.md for its custody.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from egovinfra import pki
from egovinfra.cli import app
from egovinfra.compile import compile_loaded
from egovinfra.model import load_topology
from egovinfra.pki.keys import encrypt_key_file
from egovinfra.secrets import (
    SecretsError,
    SecretsStore,
    Vault,
    needed_secrets,
    resolve_password_file,
    resolve_secrets_dir,
)
from egovinfra.secrets.vault import create_password_file

secrets_app = typer.Typer(help="Generated secrets, encrypted at rest (Ansible Vault).", no_args_is_help=True)
app.add_typer(secrets_app, name="secrets")
out = Console(highlight=False, emoji=False)

TopologyOpt = Annotated[
    Path | None,
    typer.Option("--topology", "-t", help="topology (default: the embedded topology/cameroon)", show_default=False),
]
DirOpt = Annotated[
    Path | None,
    typer.Option(
        "--secrets-dir", help="secrets folder (default: $EGOVINFRA_SECRETS_DIR, else /var/lib/egovinfra/secrets/<name>)"
    ),
]


def _store(name: str, secrets_dir: Path | None) -> SecretsStore:
    return SecretsStore(secrets_dir or resolve_secrets_dir(name), Vault.open(resolve_password_file(name)))


def ca_passphrase(deployment: str) -> bytes | None:
    """The CA keys' passphrase: `$EGOVINFRA_PKI_PASSPHRASE`, else the vault password, else None."""
    explicit = pki.passphrase_from_env()
    if explicit is not None:
        return explicit
    path = resolve_password_file(deployment)
    return Vault.open(path).password if path.exists() else None


def required_ca_passphrase(deployment: str) -> bytes:
    """Like `ca_passphrase`, but CA keys are never written in clear: an error when none is set."""
    passphrase = ca_passphrase(deployment)
    if passphrase is None:
        raise SecretsError(
            f"CA keys are encrypted: run `egovinfra secrets init` (creates the vault password "
            f"{resolve_password_file(deployment)}) or set EGOVINFRA_PKI_PASSPHRASE"
        )
    return passphrase


@secrets_app.command("init")
def init_cmd(topology: TopologyOpt = None, secrets_dir: DirOpt = None) -> None:
    """Create the vault password if missing, generate every missing secret the topology needs,
    and encrypt whatever is still in clear (secrets and CA keys). Idempotent."""
    plan = compile_loaded(load_topology(topology))
    password_file = resolve_password_file(plan.name)
    if create_password_file(password_file):
        out.print(f"created the vault password {password_file} (keep it apart from the secrets: docs/security.md)")
    store = _store(plan.name, secrets_dir)
    generated, sealed = store.init(needed_secrets(plan))
    out.print(f"{len(generated)} secrets generated, {len(sealed)} found in clear and encrypted, in {store.base}")
    layout = pki.PkiLayout(pki.resolve_pki_dir(plan.name))
    passphrase = required_ca_passphrase(plan.name)
    for paths in (layout.root_ca, layout.issuing_ca):
        if paths.key.exists() and encrypt_key_file(paths.key, passphrase):
            out.print(f"encrypted the CA key {paths.key}")


@secrets_app.command("rotate")
def rotate_cmd(
    name: Annotated[str, typer.Argument(help="secret name, e.g. sogo-db or doveadm")],
    topology: TopologyOpt = None,
    secrets_dir: DirOpt = None,
) -> None:
    """A new random value for a service secret; the next converge installs it everywhere."""
    plan = compile_loaded(load_topology(topology))
    needed = needed_secrets(plan)
    if name not in needed:
        raise SecretsError(f"{name!r} is not a secret of {plan.name}: one of {', '.join(sorted(needed))}")
    if name.startswith("users/"):
        raise SecretsError(f"{name}: a person's initial password is theirs to change, not rotated by the platform")
    path = _store(plan.name, secrets_dir).rotate(name, needed[name])
    out.print(f"rotated {path}; converge to apply it (egovinfra converge --inventory ...)")


@secrets_app.command("list")
def list_cmd(
    topology: TopologyOpt = None,
    secrets_dir: DirOpt = None,
    check: Annotated[bool, typer.Option("--check", help="exit 1 when a secret is missing or in clear")] = False,
) -> None:
    """Every secret with its state (never its value): encrypted, needed, last written."""
    plan = compile_loaded(load_topology(topology))
    needed = needed_secrets(plan)
    store = _store(plan.name, secrets_dir)
    entries = store.entries(needed)
    table = Table("secret", "state", "needed", "written (UTC)", title=f"secrets of {plan.name} in {store.base}")
    for e in entries:
        table.add_row(e.name, "encrypted" if e.encrypted else "IN CLEAR", "yes" if e.needed else "no",
                      f"{e.modified:%Y-%m-%d %H:%M}")  # fmt: skip
    missing = sorted(set(needed) - {e.name for e in entries})
    for name in missing:
        table.add_row(name, "MISSING", "yes", "")
    out.print(table)
    if check and (missing or any(not e.encrypted for e in entries)):
        raise typer.Exit(1)
