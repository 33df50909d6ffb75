"""The common base on a lab host, seen from the host itself."""

testinfra_hosts = ["ansible://minfi-ws1"]


def test_sshd_takes_keys_only_from_the_management_network(host):
    effective = host.check_output("sshd -T -C user=root,host=x,addr=10.128.0.1")
    assert "passwordauthentication no" in effective
    assert "permitrootlogin without-password" in effective
    assert "allowusers *@10.128.0.0/11" in effective
    assert host.service("ssh").is_running


def test_network_hardening_applies_in_the_namespace(host):
    assert host.sysctl("net.ipv4.tcp_syncookies") == 1
    assert host.sysctl("net.ipv4.conf.all.accept_redirects") == 0
    assert host.sysctl("net.ipv4.conf.all.send_redirects") == 0


def test_journal_is_persistent_and_sudoers_valid(host):
    assert host.file("/var/log/journal").is_directory
    assert "Storage=persistent" in host.file("/etc/systemd/journald.conf.d/10-egovinfra.conf").content_string
    assert host.run("visudo -c").rc == 0
    assert host.group("egovinfra-admins").exists


def test_no_periodic_apt_in_the_lab(host):
    assert 'Unattended-Upgrade "0"' in host.file("/etc/apt/apt.conf.d/20auto-upgrades").content_string
