"""Variables providers, one module per Ansible role (listed in egovinfra.render.providers)."""
