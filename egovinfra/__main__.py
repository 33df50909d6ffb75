"""`python -m egovinfra`."""

from egovinfra.cli import main

main()
