"""The scale bench's hubs get what strict revocation needs: a current CRL from every CA they trust.

The hubs' rendered swanctl.conf checks the ministry gateways with `revocation = strict`; a bench
that installs the CA certificates without their CRLs sees every site refused at bring-up
("RULE_CRL_VALIDATION is SKIPPED, but requires at least GOOD"), which only a root run showed.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from cryptography import x509

from egovinfra.compile import compile_loaded
from egovinfra.model import load_topology
from egovinfra.pki.crl import CrlPaths, crl_status, publish
from egovinfra.render import render_all
from tests.conftest import ROOT
from tests.support.charon import Charon
from tests.support.synth import DEFAULT_TOPOLOGY


@pytest.fixture(scope="module")
def scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_scale", ROOT / "benchmarks" / "scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through it
    spec.loader.exec_module(module)
    return module


def test_every_ca_a_hub_trusts_has_a_current_crl(scale: ModuleType, tmp_path: Path) -> None:
    plan = compile_loaded(load_topology(DEFAULT_TOPOLOGY))
    tree = render_all(plan, "lab")
    hub = plan.host(plan.primary.hub)
    assert "revocation = strict" in tree[f"configs/{hub.name}/etc/swanctl/swanctl.conf"].decode()
    layout = scale.ensure_pki(plan, tmp_path / "pki", [hub.fqdn])
    daemon = Charon(netns="unused", workdir=tmp_path / "hub")
    daemon.write_config()

    scale.install_certificate(daemon, layout, hub)
    scale.install_trust(daemon, layout, scale.pki_vars(tree, hub.name))

    cas = [x509.load_pem_x509_certificate(p.read_bytes()) for p in (daemon.swanctl_dir / "x509ca").iterdir()]
    crls = [x509.load_pem_x509_crl(p.read_bytes()) for p in (daemon.swanctl_dir / "x509crl").iterdir()]
    assert len(cas) == 2
    now = datetime.now(UTC)
    for ca in cas:
        current = [
            crl
            for crl in crls
            if crl.issuer == ca.subject
            and crl.is_signature_valid(ca.public_key())  # type: ignore[arg-type]  # a CA never has an X25519 key
            and crl.next_update_utc is not None
            and crl.next_update_utc > now
        ]
        assert current, f"no current CRL from {ca.subject.rfc4514_string()}"


def test_a_due_crl_is_signed_again(scale: ModuleType, tmp_path: Path) -> None:
    plan = compile_loaded(load_topology(DEFAULT_TOPOLOGY))
    pki_dir = tmp_path / "pki" / plan.name
    scale.ensure_pki(plan, tmp_path / "pki", [])
    publish(pki_dir, now=datetime.now(UTC) - timedelta(days=29))
    status = crl_status(pki_dir)
    assert status is not None and status.due
    scale.ensure_pki(plan, tmp_path / "pki", [])
    status = crl_status(pki_dir)
    assert status is not None and not status.due
    assert CrlPaths(pki_dir).root_crl.exists()
