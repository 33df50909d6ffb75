"""A Vagrantfile of the Plan (libvirt provider): the same topology as the local lab, as VMs.

For teams whose CI has KVM: one VM per managed host, plus the routers the lab builds from
namespaces (the WAN router that routes only transport addresses, one zone router per
datacenter). Every network is an isolated libvirt network (no forwarding to the outside); the
management network carries Ansible. The topology is embedded as JSON and the Ruby only loops
over it, so the file is deterministic and diffable.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from egovinfra.compile.plan import Host, Plan

BOX = "debian/bookworm64"
NETWORK_PREFIX = "egov"

_RUBY = """\
# -*- mode: ruby -*-
# Rendered by `egovinfra vagrant` from the topology {name}; do not edit, render again.
# The local lab (`egovinfra lab up`) runs the same topology on one machine without VMs.
# Run: vagrant up --provider=libvirt   then converge with the lab inventory's addresses.
require "json"

TOPOLOGY = JSON.parse(<<~'JSON')
{data}
JSON

Vagrant.configure("2") do |config|
  config.vm.box = TOPOLOGY["box"]
  config.vm.synced_folder ".", "/vagrant", disabled: true
  config.vm.provider :libvirt do |lv|
    lv.memory = 512
    lv.cpus = 1
  end

  TOPOLOGY["machines"].each do |machine|
    config.vm.define machine["name"] do |node|
      node.vm.hostname = machine["name"]
      machine["interfaces"].each do |iface|
        node.vm.network :private_network,
          ip: iface["ip"], netmask: iface["netmask"],
          libvirt__network_name: iface["network"],
          libvirt__forward_mode: "none", libvirt__dhcp_enabled: false, auto_config: true
      end
      node.vm.provision "shell", name: "routes", run: "always", inline: machine["script"]
    end
  end
end
"""


def network_name(segment: str) -> str:
    """The libvirt network of a lab segment (zone, site LAN, WAN link, management)."""
    return f"{NETWORK_PREFIX}-{segment}"


def _iface(segment: str, cidr: str) -> dict[str, str]:
    iface = ipaddress.ip_interface(cidr)
    return {"network": network_name(segment), "ip": str(iface.ip), "netmask": str(iface.netmask)}


def _host_machine(host: Host) -> dict[str, Any]:
    script = []
    for iface in host.interfaces:
        if iface.gateway is not None:
            script.append(f"ip route replace default via {iface.gateway}")
    script += [f"ip route replace {r.destination} via {r.via}" for r in host.routes]
    return {
        "name": host.name,
        "interfaces": [_iface(i.segment, i.address) for i in host.interfaces],
        "script": "\n".join(["set -e", *script]) + "\n",
    }


def _routers(plan: Plan) -> list[dict[str, Any]]:
    forwarding = "sysctl -qw net.ipv4.ip_forward=1"
    wan_links = [dc.wan for dc in plan.datacenters] + [s.wan for s in plan.sites]
    wan = {
        "name": "wan-router",
        "interfaces": [
            _iface(link.name, f"{link.provider_address}/{ipaddress.ip_network(link.cidr).prefixlen}")
            for link in wan_links
        ],
        # only transport addresses are connected here: nothing else can be routed
        "script": f"set -e\n{forwarding}\n",
    }
    routers = [wan]
    for dc in plan.datacenters:
        routes = [f"ip route replace {r.destination} via {r.via}" for r in dc.router_routes]
        routers.append(
            {
                "name": f"{dc.name}-router",
                "interfaces": [
                    _iface(f"{dc.name}-{z.name}", f"{z.gateway}/{ipaddress.ip_network(z.cidr).prefixlen}")
                    for z in dc.zones
                ],
                "script": "\n".join(["set -e", forwarding, *routes]) + "\n",
            }
        )
    return routers


def vagrantfile(plan: Plan) -> str:
    """The Vagrantfile of ``plan``: routers first, then every managed host in Plan order."""
    machines = _routers(plan) + [_host_machine(h) for h in plan.hosts if h.managed]
    data = json.dumps({"box": BOX, "machines": machines}, indent=2, sort_keys=True)
    return _RUBY.format(name=plan.name, data=data)
