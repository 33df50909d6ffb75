"""Vendor edges: a ministry's non-Linux firewall gets its access list from the same intent."""

from egovinfra.render.vendor.dialects import DIALECTS, render_edge, render_vendor

__all__ = ["DIALECTS", "render_edge", "render_vendor"]
