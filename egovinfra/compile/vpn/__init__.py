"""The IPsec intranet: tunnels from every ministry gateway to both hubs and between the hubs.

`model` holds the data (imported by the Plan, so it imports nothing from the compile stages);
`build` derives each end's configuration from the Plan, `match` proves that the two ends of
every tunnel agree, `proposals` and `neutron` speak strongSwan's and Neutron VPNaaS's vocabulary.
"""
