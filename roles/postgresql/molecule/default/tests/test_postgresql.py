"""The primary streams to the standby through its slot; the lag is exposed."""

import time
import uuid

testinfra_hosts = ["ansible://yde-db", "ansible://dla-db"]


def psql(host, sql):
    return host.check_output(f"runuser -u postgres -- psql -XAtq -c \"{sql}\"")


def test_roles_in_the_pair(host):
    recovery = psql(host, "SELECT pg_is_in_recovery()")
    expected = "t" if host.backend.get_hostname() == "dla-db" else "f"
    assert recovery == expected


def test_standby_streams_through_its_slot(host):
    if host.backend.get_hostname() != "yde-db":
        return
    assert psql(host, "SELECT application_name, state FROM pg_stat_replication") == "dla_db|streaming"
    assert psql(host, "SELECT slot_name, active FROM pg_replication_slots") == "dla_db|t"


def test_a_commit_on_the_primary_reaches_the_standby(host):
    if host.backend.get_hostname() != "yde-db":
        return
    marker = uuid.uuid4().hex
    psql(host, "CREATE TABLE IF NOT EXISTS egovinfra_probe (marker text)")
    psql(host, f"INSERT INTO egovinfra_probe VALUES ('{marker}')")
    standby = host.get_host("ansible://dla-db", ansible_inventory=host.backend.ansible_inventory)
    for _ in range(20):
        if psql(standby, f"SELECT count(*) FROM egovinfra_probe WHERE marker = '{marker}'") == "1":
            break
        time.sleep(0.5)
    else:
        raise AssertionError("the commit did not reach the standby")


def test_lag_metrics_are_written(host):
    host.check_output("systemctl start egovinfra-pg-lag.service")
    metrics = host.file("/var/lib/prometheus/node-exporter/postgresql_replication.prom").content_string
    if host.backend.get_hostname() == "yde-db":
        assert 'egovinfra_pg_replica_lag_bytes{standby="dla_db",sync_state="' in metrics
    else:
        assert "egovinfra_pg_standby_streaming 1" in metrics
