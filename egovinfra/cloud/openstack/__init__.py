"""OpenStack ComponentResources, one per concern, built from the Plan.

`network` (zone networks and subnets, the out-of-band management network), `router`
(external gateway, interfaces, routes to the hub), `security` (security groups from the
compiled policy), `servers` (server groups, ports, instances, volumes), `vpn` (the hub's
floating IP, or Neutron VPNaaS) and `datacenter`, which wires them and names the outputs.
"""
