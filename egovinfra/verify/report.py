"""The verify result as tables: one line per suite, then every failure with its reason."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from egovinfra.verify.runner import SUITES, TITLES, VerifyResult

MAX_FAILURES = 40


SCREENSHOT = "screenshot"  # a case's property naming a screenshot file (the browser suite)


def screenshots(result: VerifyResult) -> list[str]:
    """The screenshots the suites took, in the order of their steps."""
    return [value for case in result.cases for name, value in case.properties if name.startswith(SCREENSHOT)]


def summary_table(result: VerifyResult) -> Table:
    """Per suite: passed, failed, skipped, and the measured figures (replication lag); the
    screenshots under the table."""
    table = Table("check", "passed", "failed", "skipped", "figures", title="lab verify")
    shots = screenshots(result)
    if shots:
        table.caption = "screenshots:\n" + "\n".join(shots)
        table.caption_justify = "left"
    counts = result.counts()
    for suite in SUITES:
        if suite not in counts:
            continue
        c = counts[suite]
        figures = ", ".join(
            f"{name}={value}"
            for case in result.cases
            if case.suite == suite
            for name, value in case.properties
            if not name.startswith(SCREENSHOT)
        )
        failed = c["failed"] + c["error"]
        table.add_row(
            TITLES[suite],
            str(c["passed"]),
            str(failed),
            str(c["skipped"]),
            Text(figures),
            style="red" if failed else ("green" if c["passed"] else "yellow"),
        )
    return table


def failures_table(result: VerifyResult) -> Table | None:
    """The failed cases and why (the reachability ones name their flow); None when all passed."""
    failures = result.failures()
    if not failures:
        return None
    shown = failures[:MAX_FAILURES]
    more = len(failures) - len(shown)
    title = f"{len(failures)} failures" + (f" ({more} more in {result.junit})" if more else "")
    table = Table("check", "case", "reason", title=title, show_lines=True)
    for case in shown:
        # pytest puts "AssertionError: <message>" and the assert's expansion after it
        reason = case.message.removeprefix("AssertionError: ").split("\nassert ")[0]
        # names and reasons hold brackets ("[minfi->yde-web:tcp/443]"): plain text, not markup
        table.add_row(case.suite, Text(case.name.split("[", 1)[-1].rstrip("]")), Text(reason))
    return table
