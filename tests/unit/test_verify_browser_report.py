"""`lab verify` lists the browser suite's screenshots, and hands the suites their own options."""

from __future__ import annotations

from pathlib import Path

from egovinfra.verify.report import screenshots, summary_table
from egovinfra.verify.runner import SUITES, CaseResult, VerifyResult, pytest_argv


def _result() -> VerifyResult:
    shot = ("screenshot 01", "reports/browser/yde/01-login-page.png")
    cases = (
        CaseResult("browser", "test_login_page", "passed", "", (shot, ("yde.login_to_inbox_s", "2.8"))),
        CaseResult("browser", "test_logs_out", "passed", "", (("screenshot 07", "reports/browser/yde/07-logout.png"),)),
    )
    return VerifyResult(cases, Path("verify.xml"), 0)


def test_screenshots_are_listed_under_the_table_not_among_the_figures() -> None:
    result = _result()
    assert screenshots(result) == ["reports/browser/yde/01-login-page.png", "reports/browser/yde/07-logout.png"]
    table = summary_table(result)
    assert table.caption is not None and "07-logout.png" in str(table.caption)
    figures = str(next(iter(table.columns[-1].cells)))
    assert "yde.login_to_inbox_s=2.8" in figures and "png" not in figures


def test_the_browser_suites_run_before_the_idempotence_check_and_get_their_options() -> None:
    assert SUITES.index("browser") < SUITES.index("idempotence")
    argv = pytest_argv(Path("ctx.json"), Path("j.xml"), ["browser"], None, ["--datacenter=dla"])
    assert argv[-1] == "--datacenter=dla"
    assert argv[3].endswith("tests/infra/test_browser.py")
