"""Load a topology (a folder or a single file) into a frozen, checked `Topology`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from egovinfra.model.errors import problems_from_validation
from egovinfra.model.limits import (
    DEFAULT_FILE_LIMITS,
    count_problems,
    file_limits,
    limits_in_force,
    raise_hint,
)
from egovinfra.model.problems import Problem, ProblemList, TopologyError
from egovinfra.model.references import check_references
from egovinfra.model.schema import Topology
from egovinfra.model.source import SourceMap, read_yaml
from egovinfra.model.types import DNS_LABEL

TOPOLOGY_FILE = "topology.yaml"


@dataclass(frozen=True)
class LoadedTopology:
    """A valid topology and where each of its keys was written."""

    topology: Topology
    sources: SourceMap
    origin: Path


def default_topology_path() -> Path:
    """The embedded example deployment (`topology/cameroon`), or $EGOVINFRA_TOPOLOGY."""
    env = os.environ.get("EGOVINFRA_TOPOLOGY")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "topology" / "cameroon"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_raw(path: Path, smap: SourceMap) -> tuple[dict[str, Any], list[Problem]]:
    """Read topology.yaml (or the single file) and merge sites/*.yaml into it.

    A broken site file is reported and left out, so the other files are still checked.
    """
    if not path.exists():
        raise TopologyError([Problem((), "no such file or folder", "give a topology folder or file", _display(path))])
    main = path / TOPOLOGY_FILE if path.is_dir() else path
    if path.is_dir() and not main.is_file():
        raise TopologyError([Problem((), f"folder has no {TOPOLOGY_FILE}", "", _display(path))])
    data = read_yaml(main, _display(main), (), smap, DEFAULT_FILE_LIMITS)
    if data is None:
        raise TopologyError(
            [Problem((), "empty topology", "start from topology/cameroon/topology.yaml", _display(main), 1)]
        )
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, tuple) else f"a {type(data).__name__}"
        raise TopologyError([Problem((), f"the top level must be a mapping, not {kind}", "", _display(main), 1)])
    site_dir = path / "sites" if path.is_dir() else None
    sites = data.get("sites")
    if site_dir is None or not site_dir.is_dir() or not isinstance(sites or {}, dict):
        return data, []  # the schema reports a wrong type of `sites`
    problems: list[Problem] = []
    merged = dict(sites or {})
    # Resolved once: resolving each of thousands of site files costs a syscall per component.
    shown_dir = _display(site_dir)
    limits = limits_in_force(data)
    for file_name in _site_files(site_dir, shown_dir, len(merged), limits.sites):
        file = site_dir / file_name
        name = file_name.removesuffix(".yaml")
        shown = f"{shown_dir}/{file_name}"
        if not DNS_LABEL.match(name):
            problems.append(
                Problem(
                    ("sites", name),
                    f"file name '{name}' is not a DNS label",
                    "name site files like minfi.yaml",
                    shown,
                    1,
                )
            )
            continue
        if name in merged:
            problems.append(
                Problem(
                    ("sites", name),
                    f"site '{name}' is defined both here and in {TOPOLOGY_FILE}",
                    "keep one definition",
                    shown,
                    1,
                )
            )
            continue
        try:
            site = read_yaml(file, shown, ("sites", name), smap, file_limits(limits))
        except TopologyError as exc:
            problems.extend(exc.problems)
            continue
        if not isinstance(site, dict):
            problems.append(Problem(("sites", name), "a site file must hold a mapping (id, title, ...)", "", shown, 1))
            continue
        merged[name] = site
    return {**data, "sites": merged}, problems


def _site_files(site_dir: Path, shown_dir: str, inline: int, limit: int) -> list[str]:
    """The names of the site files, sorted; going past the limit of sites is an error before any is read."""
    names: list[str] = []
    with os.scandir(site_dir) as entries:
        for entry in entries:
            if not entry.name.endswith(".yaml"):
                continue
            names.append(entry.name)
            if inline + len(names) > limit:  # the listing stops here: a folder may hold millions
                message = f"more than {limit:,} sites ({TOPOLOGY_FILE} and this folder together)"
                raise TopologyError([Problem(("sites",), message, raise_hint("sites"), shown_dir)])
    return sorted(names)


def load_topology(path: Path | None = None) -> LoadedTopology:
    """Read, validate and cross-check a topology. Raises TopologyError with every problem located."""
    origin = path if path is not None else default_topology_path()
    smap = SourceMap()
    data, file_problems = _read_raw(origin, smap)
    # Counted before validation: a topology past its limits is not worth validating.
    counted = count_problems(data, limits_in_force(data))
    if counted:
        raise smap.resolve_all(TopologyError(file_problems + counted))
    try:
        topo = Topology.model_validate(data)
    except ValidationError as exc:
        found, omitted = problems_from_validation(exc, Topology, data)
        raise smap.resolve_all(TopologyError(file_problems + found, omitted)) from None
    if file_problems:
        raise TopologyError(file_problems)
    problems = ProblemList()
    check_references(topo, problems)
    try:
        problems.raise_if_any()
    except TopologyError as exc:
        raise smap.resolve_all(exc) from None
    return LoadedTopology(topo, smap, origin)
