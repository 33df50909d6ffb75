"""Topology → Plan. Pure functions: no file, network or process access."""

from egovinfra.compile.build import compile_loaded, compile_plan
from egovinfra.compile.plan import Plan

__all__ = ["Plan", "compile_loaded", "compile_plan"]
