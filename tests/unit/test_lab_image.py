"""The lab image recipe: package list, cache key, and the packages the roles rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from egovinfra.lab.errors import LabError
from egovinfra.lab.image import (
    PACKAGES_FILE,
    cached_digest,
    chroot_script,
    read_packages,
    recipe_digest,
)

# What the roles install (the lab hosts have no internet, so all of it must be baked in).
ROLE_PACKAGES = {
    "systemd", "systemd-sysv", "dbus", "openssh-server", "python3", "python3-apt", "sudo",
    "iproute2", "iputils-ping", "netcat-openbsd", "curl", "ca-certificates", "nftables",
    "strongswan-swanctl", "charon-systemd", "libcharon-extra-plugins",
    "libstrongswan-standard-plugins", "postgresql", "postgresql-client", "python3-psycopg2",
    "chrony", "bind9", "bind9-dnsutils", "rsync", "lsyncd", "tcpdump", "unattended-upgrades",
    "nginx", "openssl", "slapd", "ldap-utils", "dovecot-imapd", "dovecot-lmtpd", "postfix",
    "memcached", "sogo",
}  # fmt: skip


def test_package_list_parses_comments_and_blank_lines() -> None:
    text = "# header\n\nsystemd\n  nginx  # web\n#postfix\n"
    assert read_packages(text) == ("systemd", "nginx")


def test_two_names_on_a_line_are_an_error_with_its_line_number() -> None:
    with pytest.raises(LabError, match=r"packages\.txt:2: one package per line"):
        read_packages("systemd\nnginx postfix\n")


def test_shipped_list_has_every_role_package_once() -> None:
    packages = read_packages(PACKAGES_FILE.read_text())
    assert ROLE_PACKAGES - set(packages) == set()
    assert len(packages) == len(set(packages))


def test_cache_key_follows_the_package_list() -> None:
    base = PACKAGES_FILE.read_text()
    assert recipe_digest(base) == recipe_digest(base)
    assert recipe_digest(base) != recipe_digest(base + "vim-tiny\n")


def test_build_script_installs_the_list_and_leaves_no_shared_identity() -> None:
    script = chroot_script(("nginx", "postfix"))
    assert "install --no-install-recommends" in script
    assert "nginx postfix" in script
    assert "rm -f /etc/ssh/ssh_host_*" in script
    assert ": > /etc/machine-id" in script
    assert "systemctl enable ssh.service" in script
    # postfix and slapd must not stop the build with a question
    assert "postfix postfix/main_mailer_type select No configuration" in script
    assert "slapd slapd/no_configuration boolean true" in script


def test_no_cached_image_without_rootfs_and_stamp(tmp_path: Path) -> None:
    assert cached_digest(tmp_path) is None
    (tmp_path / "stamp").write_text("abc\n")
    assert cached_digest(tmp_path) is None
    (tmp_path / "rootfs").mkdir()
    assert cached_digest(tmp_path) == "abc"
