"""The report in a real browser: the live what-if panel, saving and resetting it, screenshots."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from tests.browser.conftest import ARTIFACTS, BrowserPages
from tests.browser.helpers import (
    assert_no_serious_axe_violations,
    open_example,
    saved_answers,
)

pytestmark = pytest.mark.browser

CHATBOT = "Support chatbot that must stay up"
INFRASTRUCTURE = "#wi-skill_infrastructure"
SCREENSHOTS = ARTIFACTS / "screenshots"
DOC_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Normal runs must not touch tracked files: the pictures in docs/ change only on request.
UPDATE_DOC_SCREENSHOTS = os.environ.get("DECIDER_UPDATE_DOC_SCREENSHOTS") == "1"
MOBILE: ViewportSize = {"width": 375, "height": 900}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


def recommendation(page: Page) -> Locator:
    return page.locator("#report-body [data-recommendation]")


def what_if(page: Page, selector: str, label: str) -> None:
    """Choose an answer in the what-if panel and wait for the report to be recomputed."""
    with page.expect_response(re.compile(r"/report/what-if/$")) as response:
        page.locator(selector).select_option(label=label)
    assert response.value.status == 200


def test_what_if_updates_the_report_live_and_saves_only_when_asked(page: Page) -> None:
    open_example(page, CHATBOT)
    report_url = page.url
    expect(recommendation(page)).to_have_attribute("data-recommendation", "hybrid")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    what_if(page, INFRASTRUCTURE, "Strong")

    expect(recommendation(page)).to_have_attribute("data-recommendation", "open")
    assert navigations == []
    banner = page.locator(".what-if-banner")
    expect(banner).to_contain_text("What-if view: not saved")
    expect(banner).to_contain_text(
        "How experienced is the team at serving models on GPUs? was Basic, now Strong"
    )
    expect(page.locator("#what-if-status")).to_contain_text("What-if result: Open model")
    assert saved_answers(page)["skill_infrastructure"] == "basic"

    page.reload()
    expect(recommendation(page)).to_have_attribute("data-recommendation", "hybrid")
    expect(page.locator(INFRASTRUCTURE)).to_have_value("basic")
    expect(banner).to_have_count(0)

    what_if(page, INFRASTRUCTURE, "Strong")
    expect(recommendation(page)).to_have_attribute("data-recommendation", "open")
    page.get_by_role("link", name="Reset").click()
    expect(page).to_have_url(report_url)
    expect(recommendation(page)).to_have_attribute("data-recommendation", "hybrid")
    expect(page.locator(INFRASTRUCTURE)).to_have_value("basic")

    what_if(page, INFRASTRUCTURE, "Strong")
    expect(recommendation(page)).to_have_attribute("data-recommendation", "open")
    page.get_by_role("button", name="Save as my answers").click()
    expect(banner).to_have_count(0)
    expect(recommendation(page)).to_have_attribute("data-recommendation", "open")
    assert saved_answers(page)["skill_infrastructure"] == "strong"
    page.reload()
    expect(recommendation(page)).to_have_attribute("data-recommendation", "open")
    expect(page.locator(INFRASTRUCTURE)).to_have_value("strong")


def test_what_if_with_an_invalid_number_keeps_the_last_valid_report(page: Page) -> None:
    open_example(page, CHATBOT)

    with page.expect_response(re.compile(r"/report/what-if/$")) as response:
        page.get_by_label("How many requests will it handle each month?").fill("-5")

    assert response.value.status == 422
    expect(page.locator(".what-if-banner")).to_contain_text("-5 is not allowed")
    expect(page.locator("#what-if-status")).to_have_text("Not updated: check the marked answer.")
    expect(recommendation(page)).to_have_attribute("data-recommendation", "hybrid")
    assert saved_answers(page)["monthly_requests"] == 1_500_000


def test_what_if_works_without_javascript(pages: BrowserPages) -> None:
    page = pages.new_page(java_script_enabled=False)
    open_example(page, CHATBOT)

    page.locator(INFRASTRUCTURE).select_option(label="Strong")
    page.get_by_role("button", name="Show what if").click()

    expect(page.locator(".what-if-banner")).to_contain_text("What-if view: not saved")
    expect(recommendation(page)).to_have_attribute("data-recommendation", "open")
    assert saved_answers(page)["skill_infrastructure"] == "basic"
    page.get_by_role("button", name="Save as my answers").click()
    expect(page).to_have_url(re.compile(r"/report/$"))
    expect(page.locator(".what-if-banner")).to_have_count(0)
    expect(recommendation(page)).to_have_attribute("data-recommendation", "open")
    assert saved_answers(page)["skill_infrastructure"] == "strong"


def test_report_has_no_serious_axe_violations_before_and_after_a_what_if(page: Page) -> None:
    open_example(page, CHATBOT)
    assert_no_serious_axe_violations(page)

    what_if(page, INFRASTRUCTURE, "Strong")
    expect(page.locator(".what-if-banner")).to_be_visible()
    assert_no_serious_axe_violations(page)

    with page.expect_response(re.compile(r"/report/what-if/$")):
        page.get_by_label("How many requests will it handle each month?").fill("-5")
    expect(page.locator("#what-if-status")).to_contain_text("Not updated")
    assert_no_serious_axe_violations(page)


def test_screenshots_of_home_step_review_and_report(pages: BrowserPages) -> None:
    """Full-page pictures for people to look at; docs/screenshots only when asked."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = pages.new_page()
    taken: dict[str, Path] = {}

    def shoot(name: str) -> None:
        for viewport in (MOBILE, DESKTOP):
            page.set_viewport_size(viewport)
            # Nothing may stick out sideways: a phone would have to scroll every line.
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow == 0, f"{name} is {overflow}px too wide at {viewport['width']}px"
            path = SCREENSHOTS / f"{name}-{viewport['width']}.png"
            page.screenshot(path=path, full_page=True, animations="disabled")
            taken[path.stem] = path

    page.goto("/")
    shoot("home")
    assessment = open_example(page, CHATBOT)
    page.goto(f"/a/{assessment}/workload/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Workload and volume")
    shoot("step-workload")
    page.goto(f"/a/{assessment}/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your answers")
    shoot("review")
    page.goto(f"/a/{assessment}/report/")
    expect(recommendation(page)).to_be_visible()
    shoot("report")

    assert sorted(taken) == sorted(
        f"{name}-{width}"
        for name in ("home", "step-workload", "review", "report")
        for width in (375, 1280)
    )
    for path in taken.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    if UPDATE_DOC_SCREENSHOTS:
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for source, target in [
            ("home-1280", "home.png"),
            ("step-workload-1280", "questionnaire-step.png"),
            ("report-1280", "report-desktop.png"),
            ("report-375", "report-mobile.png"),
        ]:
            shutil.copyfile(taken[source], DOC_SCREENSHOTS / target)
