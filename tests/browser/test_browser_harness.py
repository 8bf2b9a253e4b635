"""The safety nets of the browser suite catch what they are there to catch.

A console watch that never fires and an axe helper that never fails would pass every test
for the wrong reason; each is shown here failing on a page broken on purpose.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import BrowserPages
from tests.browser.helpers import assert_no_serious_axe_violations

pytestmark = pytest.mark.browser


def test_console_watch_reports_a_script_the_csp_blocked(pages: BrowserPages) -> None:
    page = pages.new_page()
    page.goto("/")

    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
        }"""
    )
    page.wait_for_timeout(100)

    problems = pages.take_problems()
    assert len(problems) == 1
    assert "CSP violation" in problems[0]
    assert "Content Security Policy" in problems[0]
    assert page.evaluate("() => window.inlineRan === undefined")


def test_console_watch_reports_an_uncaught_error(pages: BrowserPages) -> None:
    page = pages.new_page()
    page.goto("/")

    page.evaluate("() => { setTimeout(() => { throw new Error('deliberate failure'); }); }")
    page.wait_for_timeout(100)

    assert [p.split(" (")[0] for p in pages.take_problems()] == [
        "Uncaught page error: Error: deliberate failure"
    ]


def test_axe_check_fails_on_an_unlabelled_field(pages: BrowserPages) -> None:
    page = pages.new_page()
    page.goto("/")
    page.evaluate("() => document.querySelector('main').append(document.createElement('input'))")

    with pytest.raises(AssertionError, match=r"label \(critical\): Form elements must have labels"):
        assert_no_serious_axe_violations(page)
