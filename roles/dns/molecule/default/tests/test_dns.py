"""Both DNS servers answer for the hosts and the service names."""

testinfra_hosts = ["ansible://yde-dns", "ansible://dla-dns"]


def query(host, name):
    address = host.ansible.get_variables()["egovinfra_address"]
    return host.check_output(f"dig +short @{address} {name} A")


def test_host_names_resolve(host):
    assert query(host, "db.yde.intranet.gov.cm") == "10.1.3.10"
    assert query(host, "gw.minfi.intranet.gov.cm") == "10.64.2.1"


def test_service_names_point_at_the_primary(host):
    assert query(host, "groupware.intranet.gov.cm") == "10.1.1.10"
    assert query(host, "mail.intranet.gov.cm") == "10.1.2.11"


def test_authoritative_only(host):
    address = host.ansible.get_variables()["egovinfra_address"]
    answer = host.run(f"dig @{address} debian.org A")
    assert "status: REFUSED" in answer.stdout
    assert host.run("named-checkconf").rc == 0
