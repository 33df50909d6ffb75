"""Read rendered YAML as Ansible does: `!unsafe` scalars are plain strings (data, never templates)."""

from __future__ import annotations

from typing import Any

import yaml


class UnsafeAwareLoader(yaml.SafeLoader):
    """PyYAML's safe loader that also reads Ansible's `!unsafe` tag."""


def _unsafe(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node))


UnsafeAwareLoader.add_constructor("!unsafe", _unsafe)


def read_yaml(text: str | bytes) -> Any:
    """The data of one rendered YAML document."""
    return yaml.load(text, Loader=UnsafeAwareLoader)  # a safe loader plus one string tag
