"""Synthesise national-scale topologies: the default plus N delegation sites, one file each."""

from __future__ import annotations

import shutil
from pathlib import Path

DEFAULT_TOPOLOGY = Path(__file__).resolve().parents[2] / "topology" / "cameroon"

_KINDS = ("regional", "divisional", "commune")
FIRST_ID = 100


def site_yaml(site_id: int) -> str:
    """The text of one synthetic site file."""
    kind = _KINDS[site_id % len(_KINDS)]
    return f'id: {site_id}\ntitle: "Délégation {site_id}"\nkind: {kind}\n'


def synthesise(out: Path, n_sites: int, base: Path = DEFAULT_TOPOLOGY) -> Path:
    """Copy `base` to `out` and add `n_sites` sites with ids FIRST_ID, FIRST_ID+1, ..."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(base, out)
    for i in range(n_sites):
        site_id = FIRST_ID + i
        (out / "sites" / f"d{site_id}.yaml").write_text(site_yaml(site_id))
    return out
