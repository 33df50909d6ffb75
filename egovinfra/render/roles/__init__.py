"""Variables providers, one module per Ansible role. Importing this package registers them."""

from egovinfra.render.roles import common, dns, filesync, ipsec, nftables, pki, postgresql

__all__ = ["common", "dns", "filesync", "ipsec", "nftables", "pki", "postgresql"]
