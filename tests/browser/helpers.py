"""What the browser tests do again and again: start an assessment, answer, wait, run axe."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Response, expect

from decider.assessments.models import Assessment

VENDOR = Path(__file__).resolve().parent / "vendor"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
STEP_URL = re.compile(r"/a/(?P<id>[0-9a-f-]{36})/(?P<step>[a-z_]+)/$")


def assessment_id(page: Page) -> str:
    """The id in the address of an assessment's page."""
    match = re.search(r"/a/([0-9a-f-]{36})/", page.url)
    assert match is not None, f"not an assessment page: {page.url}"
    return match.group(1)


def saved_answers(page: Page) -> dict[str, Any]:
    """What the database holds for the assessment open in ``page``."""
    return dict(Assessment.objects.get(id=assessment_id(page)).answers)


def start_assessment(page: Page) -> str:
    """From the home page, "Start a new assessment"; lands on step 1. Returns the id."""
    page.goto("/")
    page.get_by_role("button", name="Start a new assessment").click()
    expect(page).to_have_url(re.compile(r"/a/[0-9a-f-]{36}/workload/$"))
    return assessment_id(page)


def open_example(page: Page, name: str) -> str:
    """From the home page, open a worked example as my assessment; lands on its report."""
    page.goto("/")
    example = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=name))
    example.get_by_role("button", name=re.compile(r"^Open as my assessment\b")).click()
    expect(page).to_have_url(re.compile(r"/a/[0-9a-f-]{36}/report/$"))
    return assessment_id(page)


def choose(page: Page, question_id: str, label: str) -> None:
    """Click the radio card whose label reads ``label`` in the question's fieldset."""
    page.locator(f"#q-{question_id} .card-label").filter(
        has_text=re.compile(f"^{re.escape(label)}$")
    ).click()


@contextmanager
def autosave(page: Page, question_id: str, *, status: int = 200) -> Iterator[None]:
    """Expect the block to autosave this question with this status, and the page to say so.

    Waits for the response and then for #save-status, so the next step of the test sees the
    swapped page, not the one before the request. Matching the question keeps a late autosave
    of another field (sent when it lost focus) from passing for this one.
    """

    def is_this_autosave(response: Response) -> bool:
        request = response.request
        return (
            response.url.endswith("/answer/")
            and request.method == "POST"
            and f"{question_id}=" in (request.post_data or "")
        )

    with page.expect_response(is_this_autosave) as info:
        yield
    assert info.value.status == status, f"autosave answered {info.value.status}"
    expected = "All changes saved" if status == 200 else "Not saved."
    expect(page.locator("#save-status")).to_contain_text(expected)


def save_and_continue(page: Page, next_step: str) -> None:
    button = page.get_by_role("button", name=re.compile(r"^Save and (continue|review)$"))
    button.click()
    expect(page).to_have_url(re.compile(f"/{next_step}/$"))


@cache
def _axe_source() -> str:
    return (VENDOR / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as served, under its CSP, and return its violations.

    The script is evaluated over the DevTools protocol, which a page's CSP does not govern,
    so axe runs on exactly what a visitor gets and the CSP watch stays on (no ``bypass_csp``).
    The page needs JavaScript: in a context without it, axe's promise would never settle.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await window.axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "), impact: n.impact, summary: n.failureSummary,
                })),
            }));
        }""",
        AXE_TAGS,
    )
    return violations


def assert_no_serious_axe_violations(page: Page) -> None:
    """Fail listing every serious or critical axe violation: rule, help and each element."""
    serious = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    lines = []
    for v in serious:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {n['target']}: {n['summary']}" for n in v["nodes"])
    assert not serious, f"axe found serious problems on {page.url}:\n" + "\n".join(lines)
