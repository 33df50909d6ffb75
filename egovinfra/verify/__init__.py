"""Verification: expectations derived from the intent, for the lab and testinfra."""
