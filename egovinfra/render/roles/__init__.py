"""Variables providers, one module per Ansible role. Importing this package registers them."""

from egovinfra.render.roles import common, ipsec, nftables, pki

__all__ = ["common", "ipsec", "nftables", "pki"]
