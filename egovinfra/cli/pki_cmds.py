"""`egovinfra pki`: the intranet CAs and the gateways' certificates.

Keys are written outside the repository (default /var/lib/egovinfra/pki/<deployment>, or
$EGOVINFRA_PKI_DIR, or --pki-dir); CA keys are always encrypted, with $EGOVINFRA_PKI_PASSPHRASE
or else the vault password of `egovinfra secrets init`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from egovinfra import pki
from egovinfra.cli import app
from egovinfra.cli.secrets_cmds import ca_passphrase, required_ca_passphrase
from egovinfra.compile import compile_loaded
from egovinfra.compile.tls import certificate_names
from egovinfra.model import load_topology
from egovinfra.pki import crl
from egovinfra.pki.inventory import EXPIRY_WINDOW_DAYS
from egovinfra.pki.metrics import render_metrics
from egovinfra.pki.store import write_atomic
from egovinfra.render.assignments import ansible_roles

PKI_PLAYBOOK = Path(__file__).resolve().parents[2] / "playbooks" / "pki.yml"

pki_app = typer.Typer(
    help="Intranet PKI: root and issuing CA, one certificate per IPsec gateway.",
    no_args_is_help=True,
)
app.add_typer(pki_app, name="pki")

out = Console(highlight=False, emoji=False)

TopologyOpt = Annotated[
    Path | None,
    typer.Option(
        "--topology",
        "-t",
        help="topology folder or file giving the deployment name and intranet domain "
        "(default: the embedded topology/cameroon)",
        show_default=False,
    ),
]
PkiDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--pki-dir",
        help="PKI directory (default: $EGOVINFRA_PKI_DIR, else /var/lib/egovinfra/pki/<name>)",
        show_default=False,
    ),
]
DaysOpt = Annotated[int, typer.Option("--days", min=1, help="certificate validity in days")]


def _deployment(topology: Path | None) -> tuple[str, str]:
    topo = load_topology(topology).topology
    return topo.name, str(topo.domain)


def _passphrase(topology: Path | None) -> bytes | None:
    """What unlocks the CA keys of the topology's deployment (None: they are in clear)."""
    return ca_passphrase(_deployment(topology)[0])


def _base(topology: Path | None, pki_dir: Path | None) -> Path:
    return pki_dir if pki_dir is not None else pki.resolve_pki_dir(_deployment(topology)[0])


@pki_app.command("init")
def init_cmd(topology: TopologyOpt = None, pki_dir: PkiDirOpt = None) -> None:
    """Create the root CA and the issuing CA constrained to the topology's intranet domain."""
    name, domain = _deployment(topology)
    base = pki.resolve_pki_dir(name, pki_dir)
    passphrase = required_ca_passphrase(name)
    layout = pki.init_pki(name, domain, base, passphrase)
    crl.publish(base, passphrase)
    out.print(f"root CA     {layout.root_ca.cert}")
    out.print(f"issuing CA  {layout.issuing_ca.cert} (names under {domain} only)")


@pki_app.command("issue")
def issue_cmd(
    identity: Annotated[str, typer.Argument(help="gateway FQDN, e.g. gw.minfi.intranet.gov.cm")],
    topology: TopologyOpt = None,
    pki_dir: PkiDirOpt = None,
    days: DaysOpt = 365,
    alt_name: Annotated[
        list[str] | None,
        typer.Option("--alt-name", help="another DNS name of the host's service (repeatable)"),
    ] = None,
) -> None:
    """Issue the first certificate and key of a gateway or a TLS server."""
    paths = pki.issue(
        identity, _base(topology, pki_dir), _passphrase(topology), timedelta(days=days), alt_names=tuple(alt_name or ())
    )
    out.print(f"certificate {paths.cert}\nkey         {paths.key}")


@pki_app.command("rotate")
def rotate_cmd(
    identity: Annotated[str, typer.Argument(help="gateway FQDN")],
    topology: TopologyOpt = None,
    pki_dir: PkiDirOpt = None,
    days: DaysOpt = 365,
) -> None:
    """Issue a new certificate and key; the old pair moves to previous/ and stays valid."""
    paths = pki.rotate(identity, _base(topology, pki_dir), _passphrase(topology), timedelta(days=days))
    out.print(f"certificate {paths.cert}\nkey         {paths.key}")
    out.print("the previous pair stays valid until `egovinfra pki retire`")


@pki_app.command("retire")
def retire_cmd(
    identity: Annotated[str, typer.Argument(help="gateway FQDN")],
    topology: TopologyOpt = None,
    pki_dir: PkiDirOpt = None,
) -> None:
    """Delete a gateway's previous certificate and key once every peer uses the new one."""
    removed = pki.retire(identity, _base(topology, pki_dir))
    out.print(f"removed {removed.cert.parent}")


@pki_app.command("list")
def list_cmd(
    topology: TopologyOpt = None,
    pki_dir: PkiDirOpt = None,
    window: Annotated[
        int, typer.Option("--window", min=0, help="flag certificates expiring within DAYS")
    ] = EXPIRY_WINDOW_DAYS,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    check: Annotated[
        bool, typer.Option("--check", help="exit 1 when any certificate is expiring or the CRL is due")
    ] = False,
    metrics: Annotated[
        Path | None,
        typer.Option("--metrics", help="also write the dates as Prometheus text (node_exporter textfile)"),
    ] = None,
) -> None:
    """Every certificate with its serial, SAN and days left; expiring ones flagged; then the
    CRL's next update and the revoked certificates."""
    base = _base(topology, pki_dir)
    records = pki.list_certificates(base, window)
    status = crl.crl_status(base)
    if metrics is not None:
        write_atomic(metrics, render_metrics(base, records).encode(), 0o644)
    if as_json:
        rows = [
            {
                "role": r.role,
                "path": str(r.path),
                "subject": r.subject,
                "san": list(r.san),
                "serial": r.serial,
                "not_after": r.not_after.isoformat(),
                "days_left": r.days_left,
                "expiring": r.expiring,
            }
            for r in records
        ]
        # Same rows as before, then the CRL and each revoked certificate: consumers filter by role.
        sys.stdout.write(json.dumps(rows + _crl_json(status), indent=2) + "\n")
    else:
        # One line per certificate: readable in a terminal, easy to grep in a cron mail.
        for r in records:
            name = ", ".join(r.san) or r.subject
            flag = "  EXPIRING" if r.expiring else ""
            out.print(
                f"{r.role:<8} {name:<40} serial {r.serial:<40} "
                f"until {r.not_after:%Y-%m-%d} ({r.days_left:>5} days){flag}",
                style="bold red" if r.expiring else None,
                soft_wrap=True,
            )
        _print_crl(status)
    due = status is None or status.due
    if check and (due or any(r.expiring for r in records)):
        raise typer.Exit(1)


def _crl_json(status: crl.CrlStatus | None) -> list[dict[str, object]]:
    if status is None:
        return []
    head: dict[str, object] = {
        "role": "crl",
        "path": str(status.path),
        "number": status.number,
        "this_update": status.this_update.isoformat(),
        "next_update": status.next_update.isoformat(),
        "days_left": status.days_left,
        "due": status.due,
    }
    revoked: list[dict[str, object]] = [
        {
            "role": "revoked",
            "san": [r.identity] if r.identity else [],
            "serial": r.serial,
            "revoked_at": r.revoked_at.isoformat(),
            "reason": r.reason,
            "not_after": r.not_after.isoformat() if r.not_after else None,
        }
        for r in status.revoked
    ]
    return [head, *revoked]


def _print_crl(status: crl.CrlStatus | None) -> None:
    if status is None:
        out.print("crl      none published: run `egovinfra pki publish` (strict hubs refuse every site)", style="red")
        return
    flag = "  DUE" if status.due else ""
    out.print(
        f"crl      #{status.number} next update {status.next_update:%Y-%m-%d %H:%M} UTC "
        f"({status.days_left:>5} days){flag}",
        style="bold red" if status.due else None,
        soft_wrap=True,
    )
    for r in status.revoked:
        out.print(
            f"revoked  {r.identity or '(certificate copy gone)':<40} serial {r.serial:<40} "
            f"on {r.revoked_at:%Y-%m-%d} ({r.reason})",
            soft_wrap=True,
        )


@pki_app.command("ensure")
def ensure_cmd(topology: TopologyOpt = None, pki_dir: PkiDirOpt = None, days: DaysOpt = 365) -> None:
    """Create the CAs if missing and issue every certificate the topology's hosts need (idempotent)."""
    plan = compile_loaded(load_topology(topology))
    base = pki.resolve_pki_dir(plan.name, pki_dir)
    layout = pki.PkiLayout(base)
    passphrase = ca_passphrase(plan.name) if layout.root_ca.cert.exists() else required_ca_passphrase(plan.name)
    if not layout.root_ca.cert.exists():
        pki.init_pki(plan.name, plan.domain, base, passphrase)
        out.print(f"created the root and issuing CAs in {base}")
    if not crl.CrlPaths(base).crl.exists():
        crl.publish(base, passphrase)
        out.print(f"published the first (empty) CRL in {crl.CrlPaths(base).crl}")
    needed = sorted((h for h in plan.hosts if {"pki", "tlscert"} & set(ansible_roles(h, plan))), key=lambda h: h.fqdn)
    validity = timedelta(days=days)
    issued = [
        pki.issue(h.fqdn, base, passphrase, validity, alt_names=certificate_names(plan.tls, h)).cert
        for h in needed
        if not layout.host_current(h.fqdn).cert.exists()
    ]
    # A certificate issued before the topology gave its host another name is signed again for it.
    renamed = [
        h.fqdn
        for h in needed
        if certificate_names(plan.tls, h)
        and pki.add_names(h.fqdn, base, certificate_names(plan.tls, h), passphrase, validity) is not None
    ]
    out.print(f"{len(needed)} host certificates needed, {len(issued)} issued now, in {base}")
    if renamed:
        out.print(f"signed again with the names they lacked: {', '.join(renamed)}")


@pki_app.command("psk")
def psk_cmd(topology: TopologyOpt = None, pki_dir: PkiDirOpt = None) -> None:
    """Generate the missing pre-shared key of each tunnel to a VPNaaS hub (one per tunnel).

    The pki role installs each on the strongSwan end; the datacenter stack reads them as
    Pulumi secrets for the VPNaaS site connections. Existing keys are kept.
    """
    from egovinfra.pki.psk import ensure_psks, psk_tunnels

    plan = compile_loaded(load_topology(topology))
    base = pki.resolve_pki_dir(plan.name, pki_dir)
    written = ensure_psks(plan, base)
    out.print(f"{len(psk_tunnels(plan))} tunnels need a pre-shared key; {len(written)} written in {base}/psk")


ReasonOpt = Annotated[
    str,
    typer.Option("--reason", help=f"RFC 5280 reason: {', '.join(crl.REASONS)}"),
]


@pki_app.command("revoke")
def revoke_cmd(
    identity: Annotated[str, typer.Argument(help="gateway FQDN whose certificates are revoked")],
    reason: ReasonOpt = "key_compromise",
    topology: TopologyOpt = None,
    pki_dir: PkiDirOpt = None,
) -> None:
    """Revoke a gateway's certificates (current and previous) and sign the next CRL.

    Then `egovinfra pki publish` (or a converge) loads the CRL on every gateway: the hubs
    close the revoked peer's tunnels and refuse it from then on. `pki issue` gives the
    identity a fresh certificate when the gateway is rebuilt.
    """
    if reason not in crl.REASONS:
        raise pki.PkiError(f"--reason {reason!r}: one of {', '.join(crl.REASONS)}")
    base = _base(topology, pki_dir)
    serials = crl.revoke(identity, base, reason, _passphrase(topology))
    out.print(f"revoked {identity}: serial {', '.join(serials)} ({reason}); CRL {crl.CrlPaths(base).crl}")
    out.print("run `egovinfra pki publish --inventory ...` to load it on the gateways now")


@pki_app.command("publish")
def publish_cmd(
    topology: TopologyOpt = None,
    pki_dir: PkiDirOpt = None,
    inventory: Annotated[
        Path | None,
        typer.Option(help="also load the CRL on every gateway of this rendered inventory (pki role, CRL tasks)"),
    ] = None,
    lab_dir: Annotated[Path | None, typer.Option(help="lab state folder, for a lab inventory")] = None,
) -> None:
    """Sign the CRL again (fresh next update), then load it on the gateways that hold a valid
    certificate; a revoked gateway is left out (it may be in a thief's hands)."""
    plan = compile_loaded(load_topology(topology))
    base = pki.resolve_pki_dir(plan.name, pki_dir)
    path = crl.publish(base, ca_passphrase(plan.name))
    status = crl.crl_status(base)
    assert status is not None  # just written
    out.print(f"CRL #{status.number} in {path}, next update {status.next_update:%Y-%m-%d %H:%M} UTC")
    if inventory is None:
        return
    layout = pki.PkiLayout(base)
    targets = sorted(
        h.name
        for h in plan.hosts
        if "pki" in ansible_roles(h, plan) and h.managed and layout.host_current(h.fqdn).cert.exists()
    )
    if not targets:
        out.print("no gateway holds a valid certificate: nothing to load")
        return
    argv = [sys.executable, "-m", "egovinfra", "converge", str(PKI_PLAYBOOK), "--inventory", str(inventory)]
    argv += ["--limit", ",".join(targets), "--tags", "pki_crl"]
    if lab_dir is not None:
        argv += ["--lab-dir", str(lab_dir)]
    done = subprocess.run(argv, check=False)
    if done.returncode != 0:
        raise typer.Exit(done.returncode)
