"""The topology model: the format, its loading and its validation."""

from egovinfra.model.loader import LoadedTopology, default_topology_path, load_topology
from egovinfra.model.problems import Problem, TopologyError
from egovinfra.model.schema import Topology

__all__ = ["LoadedTopology", "Problem", "Topology", "TopologyError", "default_topology_path", "load_topology"]
