"""egovinfra: infrastructure as code for a government's shared platform."""

__version__ = "0.1.0"
