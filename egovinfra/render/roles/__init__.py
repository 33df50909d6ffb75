"""Variables providers, one module per Ansible role. Importing this package registers them."""

from egovinfra.render.roles import common, nftables

__all__ = ["common", "nftables"]
