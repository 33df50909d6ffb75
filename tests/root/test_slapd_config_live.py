"""egovinfra-slapd-config against a real slapd, loaded from the ldap role's own template.

A consumer's configuration is loaded into a slapd of the test's own (its folders and its ldapi
socket in a temporary folder), then the provider's is applied as the disaster-recovery
activation does: it must go live, without a restart. Both come from the template with test
values, and also as rendered for the example topology (dla's consumer, yde's provider). The
way back (the overlay entry deleted) takes the restart path, through a `service` command that
stops and starts this test's slapd.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from egovinfra.compile import compile_plan
from egovinfra.model import load_topology
from egovinfra.render import render_all
from egovinfra.render.configs import render_template
from tests.conftest import DEFAULT_TOPOLOGY

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "roles" / "ldap" / "files" / "usr" / "local" / "sbin" / "egovinfra-slapd-config"
SUFFIX = "dc=intranet,dc=gov,dc=example"
REPLICAS = ["cn=dla-ldap.intranet.gov.example,ou=replicas,dc=intranet,dc=gov,dc=example"]
OVERLAY = "olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config"

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root: /var/run/slapd, SASL EXTERNAL as root"),
    pytest.mark.skipif(shutil.which("slapd", path="/usr/sbin:/usr/bin") is None, reason="slapd not installed"),
    pytest.mark.skipif(shutil.which("ldapmodify") is None, reason="ldap-utils not installed"),
]

# Stands in for the init system: stops and starts this test's slapd, and logs what it was asked.
FAKE_SERVICE = """#!/bin/sh
echo "$*" >> {base}/service.log
case "$2" in
  stop) pid=$(cat {base}/run/slapd.pid) && kill "$pid" && while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done ;;
  start) /usr/sbin/slapd -F {base}/slapd.d -h {uri} ;;
esac
"""


@dataclass
class Directory:
    """A slapd of the test's own, and the files it was made from."""

    base: Path
    uri: str
    ldif: dict[str, Path]  # role -> rendered cn=config

    @property
    def config_dir(self) -> Path:
        return self.base / "slapd.d"

    def pid(self) -> int:
        return int((self.base / "run" / "slapd.pid").read_text())

    def apply(self, role: str, *extra: str) -> subprocess.CompletedProcess[str]:
        argv = [str(SCRIPT), "apply", *extra, "--config-dir", str(self.config_dir), "--uri", self.uri]
        env = {**os.environ, "PATH": f"{self.base / 'bin'}:{os.environ['PATH']}"}
        return subprocess.run([*argv, str(self.ldif[role])], env=env, capture_output=True, text=True, check=False)

    def answers(self) -> bool:
        argv = ["ldapwhoami", "-Q", "-Y", "EXTERNAL", "-H", self.uri]
        return subprocess.run(argv, capture_output=True, check=False).returncode == 0

    def services(self) -> list[str]:
        log = self.base / "service.log"
        return log.read_text().splitlines() if log.exists() else []

    def search(self, base: str, *attrs: str) -> str:
        argv = ["ldapsearch", "-Q", "-LLL", "-o", "ldif-wrap=no", "-Y", "EXTERNAL", "-H", self.uri, "-b", base]
        return subprocess.run([*argv, *attrs], capture_output=True, text=True, check=True).stdout


def _from_template(role: str) -> str:
    variables = {
        "ldap_role": role,
        "ldap_suffix": SUFFIX,
        "ldap_provider_uri": "ldaps://yde-ldap.intranet.gov.example",
        "ldap_replica_dns": REPLICAS if role == "provider" else [],
        "ldap_read_networks": ["10.20.0.0/16", "10.30.0.0/16"],
    }
    return render_template("ldap", "etc/ldap/egovinfra/slapd.ldif.j2", variables)


def _from_example(role: str) -> str:
    """The example topology's directory hosts as rendered: dla's consumer, yde's provider."""
    plan = compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)
    host = {"consumer": "dla-ldap", "provider": "yde-ldap"}[role]
    return render_all(plan, "lab")[f"configs/{host}/etc/ldap/egovinfra/slapd.ldif"].decode()


def _source_id(render: Callable[[str], str]) -> str:
    return render.__name__.removeprefix("_from_")


def _moved(text: str, base: Path) -> str:
    """The configuration with the host's folders moved into the test's own."""
    for host, own in (("/etc/egovinfra/tls/", "tls/"), ("/var/run/slapd/", "run/"), ("/var/lib/ldap", "db")):
        assert host in text
        text = text.replace(host, f"{base}/{own}")
    return text


def _wait_for(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture(params=[_from_template], ids=_source_id)
def directory(request: pytest.FixtureRequest) -> Iterator[Directory]:
    render: Callable[[str], str] = request.param
    # The ldapi socket's path must fit in sun_path (108 bytes): a short folder of its own.
    base = Path(tempfile.mkdtemp(prefix="egv-slapd-"))
    uri = "ldapi://" + urllib.parse.quote(f"{base}/ldapi", safe="")
    for sub in ("tls", "run", "db", "bin", "slapd.d"):
        (base / sub).mkdir()
    key, cert = base / "tls" / "key.pem", base / "tls" / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes",
         "-subj", "/CN=ldap.test", "-days", "2", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    shutil.copy(cert, base / "tls" / "ca.pem")
    ldif = {}
    for role in ("consumer", "provider"):
        ldif[role] = base / f"{role}.ldif"
        ldif[role].write_text(_moved(render(role), base))
    service = base / "bin" / "service"
    service.write_text(FAKE_SERVICE.format(base=base, uri=uri))
    service.chmod(0o755)
    subprocess.run(["slapadd", "-n0", "-F", str(base / "slapd.d"), "-l", str(ldif["consumer"])], check=True)
    subprocess.run(["/usr/sbin/slapd", "-F", str(base / "slapd.d"), "-h", uri], check=True)
    found = Directory(base, uri, ldif)
    try:
        _wait_for((base / "run" / "slapd.pid").exists, "slapd's pid file")
        yield found
    finally:
        pid_file = base / "run" / "slapd.pid"
        if pid_file.exists():
            pid = found.pid()
            os.kill(pid, signal.SIGTERM)
            _wait_for(lambda: not Path(f"/proc/{pid}").exists(), f"slapd {pid} to stop")
        shutil.rmtree(base)


@pytest.mark.parametrize("directory", [_from_template, _from_example], indirect=True, ids=_source_id)
def test_a_consumer_becomes_the_provider_without_a_restart(directory: Directory) -> None:
    pid = directory.pid()
    assert "olcSyncrepl:" in directory.search("olcDatabase={1}mdb,cn=config", "olcSyncrepl")
    done = directory.apply("provider")
    assert done.returncode == 0, done.stderr
    # The module, the overlay; olcSyncrepl deleted, olcAccess and olcLimits replaced.
    assert done.stdout == "live: 5 modifications\n", done.stderr
    assert directory.pid() == pid
    assert directory.services() == []
    # What the running slapd answers, not only what it wrote.
    mdb = directory.search("olcDatabase={1}mdb,cn=config", "-s", "base", "olcSyncrepl", "olcLimits", "olcAccess")
    assert "olcSyncrepl" not in mdb
    replica = re.search(r'olcLimits: \{0\}dn.exact="([^"]+)" size=unlimited time=unlimited', mdb)
    assert replica is not None, mdb
    assert mdb.count(f'by dn.exact="{replica[1]}" read') == 2  # both rules name the replica
    assert f"dn: {OVERLAY}" in directory.search(OVERLAY, "-s", "base", "dn")
    assert "olcModuleLoad: {2}syncprov" in directory.search("cn=module{0},cn=config", "olcModuleLoad")

    again = directory.apply("provider")
    assert (again.returncode, again.stdout) == (0, "unchanged\n"), again.stderr
    assert directory.pid() == pid


def test_the_provider_becomes_a_consumer_again_by_a_restart(directory: Directory) -> None:
    assert directory.apply("provider").stdout.startswith("live:")
    pid = directory.pid()
    done = directory.apply("consumer")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"restart: entry removed: {OVERLAY}\n"
    assert directory.services() == ["slapd stop", "slapd start"]
    assert directory.pid() != pid
    _wait_for(directory.answers, "slapd on ldapi")
    assert "olcSyncrepl:" in directory.search("olcDatabase={1}mdb,cn=config", "olcSyncrepl")
    assert not directory.config_dir.with_name("slapd.d.previous").exists()
    again = directory.apply("consumer")
    assert (again.returncode, again.stdout) == (0, "unchanged\n"), again.stderr


def test_a_changed_listener_list_restarts_even_an_unchanged_configuration(directory: Directory) -> None:
    pid = directory.pid()
    done = directory.apply("consumer", "--restart")
    assert (done.returncode, done.stdout) == (0, "restart: asked (--restart)\n"), done.stderr
    assert directory.services() == ["slapd stop", "slapd start"]
    assert directory.pid() != pid


def test_a_stopped_slapd_is_started_with_the_new_configuration(directory: Directory) -> None:
    subprocess.run([str(directory.base / "bin" / "service"), "slapd", "stop"], check=True)
    done = directory.apply("provider")
    assert (done.returncode, done.stdout) == (0, f"restart: slapd does not answer on {directory.uri}\n"), done.stderr
    assert f"dn: {OVERLAY}" in directory.search(OVERLAY, "-s", "base", "dn")
