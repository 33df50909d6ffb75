"""Unit tests never read the machine's vault password: the session gets its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from egovinfra.secrets.vault import create_password_file


@pytest.fixture(scope="session", autouse=True)
def _own_vault_password(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    path = tmp_path_factory.mktemp("vault") / "test.pass"
    create_password_file(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EGOVINFRA_VAULT_PASSWORD_FILE", str(path))
        yield
