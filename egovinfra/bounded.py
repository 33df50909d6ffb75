"""Reading a file that came from outside: a regular file only, and never more than a limit."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class FileRefused(Exception):
    """The file is not read: `reason` is "kind" (not a regular file) or "size" (past the limit)."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file `path`, if it holds at most `limit` of them.

    A FIFO or a device (a link to /dev/zero) could block or never end: refused before a byte is
    read. Raises FileRefused, or OSError as opening and reading do.
    """
    # Non-blocking, so that opening a FIFO returns at once and is refused below.
    with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise FileRefused("kind", "not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileRefused("size", f"larger than {limit:,} bytes")
    return data
