# The part of strongSwan's vici binding egovinfra uses (the package ships no types). Answers
# are sections: names are str, values bytes, lists of bytes or nested sections.
import socket
from collections.abc import Iterator, Mapping
from typing import Any

class Session:
    def __init__(self, sock: socket.socket | None = None) -> None: ...
    def list_sas(self, filters: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]: ...
