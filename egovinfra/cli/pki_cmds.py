"""`egovinfra pki`: the intranet CAs and the gateways' certificates.

Keys are written outside the repository (default /var/lib/egovinfra/pki/<deployment>, or
$EGOVINFRA_PKI_DIR, or --pki-dir); CA keys are encrypted when $EGOVINFRA_PKI_PASSPHRASE is set.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from egovinfra import pki
from egovinfra.cli import app
from egovinfra.compile import compile_loaded
from egovinfra.model import load_topology
from egovinfra.pki.inventory import EXPIRY_WINDOW_DAYS
from egovinfra.render.assignments import ansible_roles

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


def _base(topology: Path | None, pki_dir: Path | None) -> Path:
    return pki_dir if pki_dir is not None else pki.resolve_pki_dir(_deployment(topology)[0])


@pki_app.command("init")
def init_cmd(topology: TopologyOpt = None, pki_dir: PkiDirOpt = None) -> None:
    """Create the root CA and the issuing CA constrained to the topology's intranet domain."""
    name, domain = _deployment(topology)
    base = pki.resolve_pki_dir(name, pki_dir)
    layout = pki.init_pki(name, domain, base, pki.passphrase_from_env())
    out.print(f"root CA     {layout.root_ca.cert}")
    out.print(f"issuing CA  {layout.issuing_ca.cert} (names under {domain} only)")


@pki_app.command("issue")
def issue_cmd(
    identity: Annotated[str, typer.Argument(help="gateway FQDN, e.g. gw.minfi.intranet.gov.cm")],
    topology: TopologyOpt = None,
    pki_dir: PkiDirOpt = None,
    days: DaysOpt = 365,
) -> None:
    """Issue the first certificate and key of a gateway."""
    paths = pki.issue(identity, _base(topology, pki_dir), pki.passphrase_from_env(), timedelta(days=days))
    out.print(f"certificate {paths.cert}\nkey         {paths.key}")


@pki_app.command("rotate")
def rotate_cmd(
    identity: Annotated[str, typer.Argument(help="gateway FQDN")],
    topology: TopologyOpt = None,
    pki_dir: PkiDirOpt = None,
    days: DaysOpt = 365,
) -> None:
    """Issue a new certificate and key; the old pair moves to previous/ and stays valid."""
    paths = pki.rotate(identity, _base(topology, pki_dir), pki.passphrase_from_env(), timedelta(days=days))
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
    check: Annotated[bool, typer.Option("--check", help="exit 1 when any certificate is expiring")] = False,
) -> None:
    """Every certificate with its serial, SAN and days left; expiring ones flagged."""
    records = pki.list_certificates(_base(topology, pki_dir), window)
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
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
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
    if check and any(r.expiring for r in records):
        raise typer.Exit(1)


@pki_app.command("ensure")
def ensure_cmd(topology: TopologyOpt = None, pki_dir: PkiDirOpt = None, days: DaysOpt = 365) -> None:
    """Create the CAs if missing and issue every certificate the topology's hosts need (idempotent)."""
    plan = compile_loaded(load_topology(topology))
    base = pki.resolve_pki_dir(plan.name, pki_dir)
    passphrase = pki.passphrase_from_env()
    layout = pki.PkiLayout(base)
    if not layout.root_ca.cert.exists():
        pki.init_pki(plan.name, plan.domain, base, passphrase)
        out.print(f"created the root and issuing CAs in {base}")
    needed = sorted(h.fqdn for h in plan.hosts if {"pki", "tlscert"} & set(ansible_roles(h, plan)))
    issued = [
        pki.issue(fqdn, base, passphrase, timedelta(days=days)).cert
        for fqdn in needed
        if not layout.host_current(fqdn).cert.exists()
    ]
    out.print(f"{len(needed)} host certificates needed, {len(issued)} issued now, in {base}")


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
