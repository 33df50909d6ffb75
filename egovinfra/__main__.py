"""`python -m egovinfra`."""

from egovinfra.cli import entry

entry()
