"""A file written on the primary's filestore reaches the secondary's on the next push."""

import uuid

testinfra_hosts = ["ansible://yde-files"]


def test_a_push_copies_new_files_and_records_its_success(host):
    target = host.get_host("ansible://dla-files", ansible_inventory=host.backend.ansible_inventory)
    name = f"probe-{uuid.uuid4().hex}"
    host.check_output(f"echo {name} > /srv/groupware/files/{name}")
    host.check_output("systemctl start egovinfra-filesync.service")
    assert target.file(f"/srv/groupware/files/{name}").content_string.strip() == name
    metrics = host.file("/var/lib/prometheus/node-exporter/filesync.prom").content_string
    assert "egovinfra_filesync_last_success_timestamp_seconds" in metrics
    host.check_output(f"rm /srv/groupware/files/{name}")


def test_only_the_target_receives(host):
    target = host.get_host("ansible://dla-files", ansible_inventory=host.backend.ansible_inventory)
    assert target.service("rsync").is_running
    assert not host.service("rsync").is_running
    assert host.service("egovinfra-filesync.timer").is_enabled
    assert not target.service("egovinfra-filesync.timer").is_enabled
