"""Problems found in a topology, collected and reported all at once."""

from __future__ import annotations

from dataclasses import dataclass

from egovinfra.errors import EgovinfraError

YamlPath = tuple[str | int, ...]

# Problems kept for a report. A hostile file within its limits can still hold a problem per
# node (500,000 items of the wrong type); keeping and printing them all cost GBs and minutes.
MAX_REPORTED = 1_000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, located by its YAML path.

    `file` and `line` are filled by the loader's source map; compile stages only
    know the path, which keeps them free of I/O.
    """

    path: YamlPath
    message: str
    hint: str = ""
    file: str = ""
    line: int = 0

    def dotted_path(self) -> str:
        """The YAML path as `a.b[2].c`."""
        out = ""
        for part in self.path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += f".{part}" if out else part
        return out or "(top)"

    def format(self) -> str:
        """`file:line: path: message (hint)`, the one format every tool prints."""
        where = (f"{self.file}:{self.line}" if self.line else self.file) if self.file else "<input>"
        text = f"{where}: {self.dotted_path()}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


class TopologyError(EgovinfraError):
    """Raised with every problem found in one stage (up to MAX_REPORTED; `omitted` counts the rest)."""

    def __init__(self, problems: list[Problem], omitted: int = 0) -> None:
        ordered = sorted(problems, key=lambda p: (p.file, p.line, p.dotted_path(), p.message))
        self.problems = ordered[:MAX_REPORTED]
        self.omitted = omitted + len(ordered) - len(self.problems)
        super().__init__("\n".join(p.format() for p in self.problems))


class ProblemList:
    """Collects problems during a stage and raises them together at its end."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: YamlPath, message: str, hint: str = "") -> None:
        """Record one problem at `path`."""
        self.items.append(Problem(path=path, message=message, hint=hint))

    def raise_if_any(self) -> None:
        """End of stage: raise every problem found, if any."""
        if self.items:
            raise TopologyError(self.items)
