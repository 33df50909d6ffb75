"""The rendered Prometheus configuration and alert rules, checked and unit-tested by promtool.

The rule tests are generated from the topology's own thresholds and waits (not from the rules'
text): a condition just past a threshold must fire after its wait and not before, one just short
of it must never fire. promtool comes from Debian's `prometheus` package (scripts/bootstrap).
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any

import pytest
import yaml

from egovinfra.compile import compile_plan
from egovinfra.compile.monitoring_model import Monitoring, Waits
from egovinfra.compile.plan import Plan
from egovinfra.model import load_topology
from egovinfra.render.configs import render_configs
from egovinfra.render.hostvars import Environment, RenderContext
from tests.conftest import DEFAULT_TOPOLOGY

PROMTOOL = shutil.which("promtool")
ENVS: tuple[Environment, ...] = ("production", "lab")
MINUTE = 60


@cache
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


def rendered(env: Environment) -> dict[str, bytes]:
    """The monitoring files of the first monitoring host, by path under its configs/ folder."""
    ctx = RenderContext(plan(), env)
    host = plan().host(plan().monitoring.servers[0])
    prefix = f"configs/{host.name}/"
    return {p.removeprefix(prefix): c for p, c in render_configs(ctx, host).items() if "prometheus" in p}


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL, "promtool is missing: scripts/bootstrap installs Debian's prometheus package"
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, check=False, cwd=cwd, timeout=120)


def write(files: dict[str, bytes], base: Path) -> None:
    for path, content in files.items():
        (base / path).parent.mkdir(parents=True, exist_ok=True)
        (base / path).write_bytes(content)


@pytest.mark.parametrize("env", ENVS)
def test_promtool_checks_the_rendered_config_and_rules(env: Environment, tmp_path: Path) -> None:
    write(rendered(env), tmp_path)
    config = promtool("check", "config", "--syntax-only", "etc/prometheus/prometheus.yml", cwd=tmp_path)
    assert config.returncode == 0, config.stdout + config.stderr
    rules = promtool("check", "rules", "etc/prometheus/rules/egovinfra.yml", cwd=tmp_path)
    assert rules.returncode == 0, rules.stdout + rules.stderr


def waits(env: Environment) -> Waits:
    mon = plan().monitoring
    return mon.lab_waits if env == "lab" else mon.waits


def _minutes(seconds: int) -> int:
    """The first whole minute at or after `seconds` (promtool evaluates at the series' steps)."""
    return -(-seconds // MINUTE)


def _case(
    alert: str,
    series: list[dict[str, str]],
    wait: int,
    labels: dict[str, str],
    *,
    fires: bool,
) -> dict[str, Any]:
    """A promtool test: `series` at one sample a minute; the alert fires after `wait` or never."""
    after = _minutes(wait) + 2
    checks: list[dict[str, Any]] = [{"eval_time": f"{after}m", "alertname": alert, "exp_alerts": []}]
    if fires:
        checks[0]["exp_alerts"] = [{"exp_labels": labels}]
        if wait >= 2 * MINUTE:  # half-way through the wait: pending, not firing
            checks.append({"eval_time": f"{_minutes(wait) // 2}m", "alertname": alert, "exp_alerts": []})
    return {"interval": "1m", "input_series": series, "alert_rule_test": checks}


def cases(mon: Monitoring, wait: Waits) -> list[dict[str, Any]]:
    """Each rule just past its threshold (fires) and just short of it (stays silent)."""
    hub = {"instance": "yde-hub", "job": "node"}
    db = {"instance": "yde-db", "job": "node"}
    lag = mon.standby_lag_bytes
    disk = mon.disk_used_percent / 100
    size = 1_000_000
    out = [
        _case(
            "IpsecTunnelDown",
            [{"series": 'egovinfra_ipsec_up{instance="yde-hub",job="node",connection="minfi_yde"}', "values": "0x30"}],
            wait.tunnel_down,
            {**hub, "connection": "minfi_yde", "severity": "critical"},
            fires=True,
        ),
        _case(
            "IpsecTunnelDown",
            [{"series": 'egovinfra_ipsec_up{instance="yde-hub",job="node",connection="minfi_yde"}', "values": "1x30"}],
            wait.tunnel_down,
            {},
            fires=False,
        ),
        _case(
            "PostgresStandbyNotStreaming",
            [{"series": 'egovinfra_pg_in_recovery{instance="yde-db",job="node"}', "values": "0x30"}],
            wait.standby,
            {**db, "severity": "critical"},
            fires=True,
        ),
        _case(
            "PostgresStandbyNotStreaming",
            [
                {"series": 'egovinfra_pg_in_recovery{instance="yde-db",job="node"}', "values": "0x30"},
                {
                    "series": 'egovinfra_pg_replica_lag_bytes{instance="yde-db",job="node",standby="dla"}',
                    "values": "0x30",
                },
            ],
            wait.standby,
            {},
            fires=False,
        ),
        _case(
            "PostgresStandbyLagging",
            [
                {
                    "series": 'egovinfra_pg_replica_lag_bytes{instance="yde-db",job="node",standby="dla"}',
                    "values": f"{lag + 1}x30",
                }
            ],
            wait.standby,
            {"instance": "yde-db", "severity": "warning"},
            fires=True,
        ),
        _case(
            "PostgresStandbyLagging",
            [
                {
                    "series": 'egovinfra_pg_replica_lag_bytes{instance="yde-db",job="node",standby="dla"}',
                    "values": f"{lag}x30",
                }
            ],
            wait.standby,
            {},
            fires=False,
        ),
        _case(
            "PostgresDegraded",
            [{"series": 'egovinfra_postgresql_degraded{instance="yde-db",job="node"}', "values": "1x30"}],
            wait.degraded,
            {**db, "severity": "critical"},
            fires=True,
        ),
    ]
    # Each "is it up" rule: down for longer than its wait fires, up never does.
    updown = (
        ("IpsecDaemonDown", "egovinfra_ipsec_charon_up", {"instance": "minfi-gw", "job": "node"}, wait.tunnel_down),
        ("PostgresDown", "pg_up", {"instance": "dla-db", "job": "postgresql"}, wait.service_down),
        ("DnsServerDown", "bind_up", {"instance": "dla-dns", "job": "bind"}, wait.service_down),
        ("TargetDown", "up", {"instance": "minfi-gw", "job": "node"}, wait.service_down),
        (
            "ServiceProbeFailed",
            "probe_success",
            {"instance": "dla-dns", "job": "probe-dns", "service": "dns"},
            wait.service_down,
        ),
    )
    for alert, metric, labels, after in updown:
        selector = ",".join(f'{k}="{v}"' for k, v in labels.items())
        for value, fires in ((0, True), (1, False)):
            out.append(
                _case(
                    alert,
                    [{"series": f"{metric}{{{selector}}}", "values": f"{value}x30"}],
                    after,
                    {**labels, "severity": "critical"} if fires else {},
                    fires=fires,
                )
            )
    out.append(
        _case(
            "PostgresDegraded",
            [{"series": 'egovinfra_postgresql_degraded{instance="yde-db",job="node"}', "values": "0x30"}],
            wait.degraded,
            {},
            fires=False,
        )
    )
    # The standby's own view of its replay lag alerts too (the primary's may be gone).
    standby = 'egovinfra_pg_standby_replay_lag_bytes{instance="dla-db",job="node"}'
    for value, fires in ((lag + 1, True), (lag, False)):
        out.append(
            _case(
                "PostgresStandbyLagging",
                [{"series": standby, "values": f"{value}x30"}],
                wait.standby,
                {"instance": "dla-db", "severity": "warning"} if fires else {},
                fires=fires,
            )
        )
    # A metrics file rewritten every minute is fresh; one last written at 0 is stale once
    # `stale_seconds` (four scrape intervals) have passed.
    stale = 4 * mon.scrape_interval
    textfile = {"instance": "yde-hub", "job": "node", "file": "egovinfra_node.prom"}
    selector = ",".join(f'{k}="{v}"' for k, v in textfile.items())
    for values, fires in (("0x30", True), ("0+60x30", False)):
        out.append(
            {
                "interval": "1m",
                "input_series": [{"series": f"node_textfile_mtime_seconds{{{selector}}}", "values": values}],
                "alert_rule_test": [
                    {
                        "eval_time": f"{_minutes(stale) * MINUTE + MINUTE}s",
                        "alertname": "HostMetricsStale",
                        "exp_alerts": [{"exp_labels": {**textfile, "severity": "warning"}}] if fires else [],
                    }
                ],
            }
        )
    mount = {"instance": "yde-db", "job": "node", "mountpoint": "/", "fstype": "ext4"}
    selector = ",".join(f'{k}="{v}"' for k, v in mount.items())
    for used, fires in ((disk + 0.01, True), (disk - 0.01, False)):
        out.append(
            _case(
                "DiskAlmostFull",
                [
                    {"series": f"node_filesystem_size_bytes{{{selector}}}", "values": f"{size}x30"},
                    {
                        "series": f"node_filesystem_avail_bytes{{{selector}}}",
                        "values": f"{round(size * (1 - used))}x30",
                    },
                ],
                wait.service_down,
                {**mount, "severity": "warning"} if fires else {},
                fires=fires,
            )
        )
    # Ages are measured from promtool's clock, which starts at 0: a timestamp of 0 is as old as
    # the evaluation time.
    backup = mon.backup_max_age_hours * 3600
    backup_labels = {"instance": "yde-db", "job": "node", "kind": "postgresql", "datacenter": "yde"}
    selector = ",".join(f'{k}="{v}"' for k, v in backup_labels.items())
    series = f"egovinfra_backup_last_success_timestamp_seconds{{{selector}}}"
    labels = {**backup_labels, "severity": "critical"}
    steps = _minutes(backup) + 30
    for offset, fires in ((MINUTE, True), (-MINUTE, False)):
        out.append(
            {
                "interval": "1m",
                "input_series": [{"series": series, "values": f"0x{steps}"}],
                "alert_rule_test": [
                    {
                        "eval_time": f"{backup + offset}s",
                        "alertname": "BackupTooOld",
                        "exp_alerts": [{"exp_labels": labels}] if fires else [],
                    }
                ],
            }
        )
    # Every backup the Plan expects reports a fresh success, or one of them never has: its
    # absence fires once the age threshold has passed, and not before.
    expected = sorted({(j.kind, j.datacenter) for j in plan().backups.jobs})
    assert expected
    missing = expected[-1]
    metric = "egovinfra_backup_last_success_timestamp_seconds"
    for present, at, fires in (
        (expected, backup + MINUTE, False),
        (expected[:-1], backup - MINUTE, False),
        (expected[:-1], backup + MINUTE, True),
    ):
        out.append(
            {
                "interval": "1m",
                "input_series": [
                    {
                        "series": f'{metric}{{instance="h",job="node",kind="{k}",datacenter="{d}"}}',
                        "values": f"0+60x{steps}",
                    }
                    for k, d in present
                ],
                "alert_rule_test": [
                    {
                        "eval_time": f"{at}s",
                        "alertname": "BackupMissing",
                        "exp_alerts": [
                            {"exp_labels": {"kind": missing[0], "datacenter": missing[1], "severity": "critical"}}
                        ]
                        if fires
                        else [],
                    }
                ],
            }
        )
    # A certificate expiring just inside, then just outside, the warning window, seen at 10 min:
    # an IPsec certificate file on a hub, and the TLS chain a probe of a service sees.
    window = mon.certificate_days * 86400
    certificates = (
        (
            "egovinfra_certificate_expiry_timestamp_seconds",
            {"instance": "yde-hub", "job": "node", "path": "/etc/swanctl/x509/hub.pem"},
        ),
        ("probe_ssl_earliest_cert_expiry", {"instance": "yde-web", "job": "probe-https", "service": "https"}),
    )
    for (metric, cert), (expiry, fires) in product(
        certificates, ((10 * MINUTE + window - MINUTE, True), (10 * MINUTE + window + MINUTE, False))
    ):
        selector = ",".join(f'{k}="{v}"' for k, v in cert.items())
        out.append(
            {
                "interval": "1m",
                "input_series": [{"series": f"{metric}{{{selector}}}", "values": f"{expiry}x20"}],
                "alert_rule_test": [
                    {
                        "eval_time": "10m",
                        "alertname": "CertificateExpiringSoon",
                        "exp_alerts": [{"exp_labels": {**cert, "severity": "warning"}}] if fires else [],
                    }
                ],
            }
        )
    return out


def without_annotations(rules: bytes) -> bytes:
    """The rules without their annotations: promtool compares those too, and their templates
    (already checked by `promtool check rules`) say nothing about when an alert fires."""
    data = yaml.safe_load(rules)
    for group in data["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    return yaml.safe_dump(data).encode()


@pytest.mark.parametrize("env", ENVS)
def test_promtool_tests_the_rules_against_the_topologys_thresholds(env: Environment, tmp_path: Path) -> None:
    files = rendered(env)
    rules = "etc/prometheus/rules/egovinfra.yml"
    write({**files, rules: without_annotations(files[rules])}, tmp_path)
    tests = {
        "rule_files": [rules],
        "evaluation_interval": "1m",
        "tests": cases(plan().monitoring, waits(env)),
    }
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(tests, sort_keys=False))
    done = promtool("test", "rules", "tests.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("env", ENVS)
def test_every_rendered_alert_has_a_firing_and_a_silent_case(env: Environment) -> None:
    rules = yaml.safe_load(rendered(env)["etc/prometheus/rules/egovinfra.yml"])
    names = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    tested: dict[bool, set[str]] = {True: set(), False: set()}
    for case in cases(plan().monitoring, waits(env)):
        checks = case["alert_rule_test"]
        fires = any(check["exp_alerts"] for check in checks)
        tested[fires] |= {check["alertname"] for check in checks}
    assert names == tested[True], "alerts without a case where they fire"
    assert names == tested[False], "alerts without a case where they stay silent"


def test_the_lab_waits_less_than_production_only_because_the_topology_says_so() -> None:
    topo = load_topology(DEFAULT_TOPOLOGY).topology
    mon = plan().monitoring
    assert topo.monitoring.lab_waits is not None
    assert mon.lab_waits.tunnel_down == topo.monitoring.lab_waits.tunnel_down
    assert mon.waits.tunnel_down == topo.monitoring.waits.tunnel_down
