"""The compiled ruleset is loaded and denies by default."""

testinfra_hosts = ["ansible://minfi-ws1"]


def test_ruleset_is_loaded_with_default_drop(host):
    ruleset = host.check_output("nft list table inet egovinfra")
    assert "hook input priority filter; policy drop;" in ruleset
    assert host.service("nftables").is_enabled


def test_the_file_on_disk_is_what_is_loaded(host):
    assert host.run("nft -c -f /etc/nftables.conf").rc == 0
    # Loading the file again changes nothing: the ruleset on disk is the one in force.
    before = host.check_output("nft -s list table inet egovinfra")
    host.check_output("nft -f /etc/nftables.conf")
    assert host.check_output("nft -s list table inet egovinfra") == before
