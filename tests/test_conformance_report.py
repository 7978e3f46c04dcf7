"""The rule reports without a server: the HTML page's shape, escaping and masked secrets."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from conformance import html_report
from conformance.client import Exchange, RuleViolation
from conformance.report import Results

SECRET = "s3cret-admin-pass"


class _Failure:
    """What pytest hands the report for a failed item: an ExceptionInfo-like `value`."""

    def __init__(self, exc: BaseException) -> None:
        self.value = exc


def results_with_a_failure() -> Results:
    results = Results()
    results.record("PTR-AUTH-4", "test_portainer_auth.py::t", "passed", None)
    exchange = Exchange(
        "POST",
        "http://server/api/auth",
        {"Content-Type": "application/json"},
        f'{{"username": "admin", "password": "{SECRET}"}}'.encode(),
        status=200,
        response_text='{"jwt": "<script>x</script>"}',
    )
    violation = RuleViolation("a wrong password was accepted <b>", exchange)
    results.record("PTR-AUTH-1", "test_portainer_auth.py::u", "failed", _Failure(violation))
    results.record("RCH-KEY-1", "test_rancher_keys.py::v", "skipped", ("", 0, "Skipped: no url"))
    return results


def test_html_report_is_one_escaped_page_with_masked_secrets() -> None:
    page = html_report.render(
        results_with_a_failure(),
        {SECRET: "$CONFORMANCE_ADMIN_PASSWORD"},
        ["http://server"],
    )
    assert page.startswith("<!doctype html>")
    assert "3 rules checked" in page
    assert '<span class="failed">1 failed</span>' in page
    assert SECRET not in page and "$CONFORMANCE_ADMIN_PASSWORD" in page
    assert "<script>" not in page and "&lt;script&gt;" in page  # answers are escaped
    assert "curl " in page  # the failure's reproduction
    assert "skipped: no url" in page
    # Failures come first and open; nothing is fetched from elsewhere.
    assert page.index("PTR-AUTH-1") < page.index("PTR-AUTH-4")
    assert '<details class="failed" open>' in page
    assert "http://" not in page.replace("http://server", "")
    HTMLParser().feed(page)  # parses


def test_json_findings_mask_given_secrets(tmp_path: Path) -> None:
    from conformance.client import JOURNAL

    JOURNAL.secrets = {SECRET: "$CONFORMANCE_ADMIN_PASSWORD"}
    try:
        results = results_with_a_failure()
    finally:
        JOURNAL.secrets = {}
    path = tmp_path / "rules.json"
    results.write_json(str(path))
    assert SECRET not in path.read_text()
