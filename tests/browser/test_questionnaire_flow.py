"""The questionnaire in a real browser: walk, autosave, resume, validation, no-JS, keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from decider.engine import assess
from tests.browser.conftest import BrowserPages
from tests.browser.helpers import (
    assert_no_serious_axe_violations,
    autosave,
    choose,
    save_and_continue,
    saved_answers,
    start_assessment,
)

pytestmark = pytest.mark.browser

MONTHLY = "How many requests will it handle each month?"
PER_REQUEST = "How large is a typical request, in tokens?"
ONE_TRILLION = "1\u202f000\u202f000\u202f000\u202f000"


def review_answer(page: Page, label: str) -> str:
    """The answer shown on the review page next to a question's label."""
    row = page.locator(".review-list > div").filter(
        has=page.locator("dt", has_text=re.compile(f"^{re.escape(label)}$"))
    )
    text: str = row.locator("dd").evaluate(
        "(dd) => [...dd.childNodes].filter((n) => n.nodeName !== 'A')"
        ".map((n) => n.textContent).join('').trim()"
    )
    return text


def test_questionnaire_walk_saves_every_step_and_ends_in_a_report(page: Page) -> None:
    start_assessment(page)

    with autosave(page, "use_case"):
        page.get_by_label("What does the AI feature do?").fill("Summarise support tickets")
    with autosave(page, "stage"):
        choose(page, "stage", "In production")
    with autosave(page, "task_kind"):
        choose(page, "task_kind", "Conversational support")
    with autosave(page, "monthly_requests"):
        page.get_by_label(MONTHLY).fill("250000")
    with autosave(page, "tokens_per_request"):
        page.get_by_label(PER_REQUEST).fill("2000")
    save_and_continue(page, "data")
    with autosave(page, "data_sensitivity"):
        choose(page, "data_sensitivity", "Confidential")
    with autosave(page, "data_residency"):
        choose(page, "data_residency", "Within a region")
    save_and_continue(page, "team")
    with autosave(page, "skill_infrastructure"):
        choose(page, "skill_infrastructure", "Strong")
    with autosave(page, "gpu_access"):
        choose(page, "gpu_access", "Cloud budget")
    save_and_continue(page, "risk")
    with autosave(page, "business_criticality"):
        choose(page, "business_criticality", "Critical")
    with autosave(page, "uptime_need"):
        choose(page, "uptime_need", "Around the clock")
    save_and_continue(page, "priorities")
    with autosave(page, "priority_control"):
        choose(page, "priority_control", "5")
    save_and_continue(page, "review")

    assert review_answer(page, "What does the AI feature do?") == "Summarise support tickets"
    shown = {
        "How far along is this feature?": "In production",
        "What kind of work will the model do?": "Conversational support",
        MONTHLY: "250\u202f000 requests a month",
        PER_REQUEST: "2\u202f000 tokens per request",
        "How sensitive is the data the model will see?": "Confidential",
        "Where must the data stay?": "Within a region",
        "How experienced is the team at serving models on GPUs?": "Strong",
        "What access to GPUs does the team have?": "Cloud budget",
        "How important is this feature to the business?": "Critical",
        "How available must it be?": "Around the clock",
        "Control: data, customisation and independence": "Decisive",
    }
    for label, answer in shown.items():
        assert review_answer(page, label) == answer, label
    given = {
        "use_case": "Summarise support tickets",
        "stage": "production",
        "task_kind": "conversational_support",
        "monthly_requests": 250_000,
        "tokens_per_request": 2_000,
        "data_sensitivity": "confidential",
        "data_residency": "region",
        "skill_infrastructure": "strong",
        "gpu_access": "cloud_budget",
        "business_criticality": "critical",
        "uptime_need": "high_availability",
        "priority_control": 5,
    }
    stored = saved_answers(page)
    assert {qid: stored[qid] for qid in given} == given

    page.get_by_role("link", name="See the recommendation").click()
    expect(page).to_have_url(re.compile(r"/report/$"))
    verdict = page.locator("#report-body [data-recommendation]")
    expect(verdict).to_have_attribute("data-recommendation", assess(given)["recommendation"])
    expect(verdict.get_by_role("heading", level=2)).to_contain_text("Recommendation:")


def test_autosaved_answers_survive_a_reload_and_resume_on_the_same_step(page: Page) -> None:
    assessment = start_assessment(page)
    page.get_by_role("button", name=re.compile(r"^2\. Data sensitivity")).click()
    expect(page).to_have_url(re.compile(r"/data/$"))

    with autosave(page, "data_sensitivity"):
        choose(page, "data_sensitivity", "Regulated")
    with autosave(page, "vendor_terms_ok"):
        choose(page, "vendor_terms_ok", "No")
    expect(page.locator("#save-status")).to_contain_text("All changes saved")
    page.reload()

    expect(page).to_have_url(re.compile(r"/data/$"))
    expect(page.get_by_role("radio", name=re.compile(r"^Regulated"))).to_be_checked()
    expect(page.get_by_role("radio", name=re.compile(r"^No No outside"))).to_be_checked()
    # A new tab has no form state to restore: only the server can have kept the answers.
    resumed = page.context.new_page()
    resumed.goto(f"/a/{assessment}/")
    expect(resumed).to_have_url(re.compile(f"/a/{assessment}/data/$"))
    expect(resumed.get_by_role("radio", name=re.compile(r"^Regulated"))).to_be_checked()
    expect(resumed.get_by_role("radio", name=re.compile(r"^No No outside"))).to_be_checked()
    expect(resumed.get_by_role("radio", name=re.compile(r"^Internal"))).not_to_be_checked()
    stored = saved_answers(page)
    assert (stored["data_sensitivity"], stored["vendor_terms_ok"]) == ("regulated", "no")


def test_token_volume_in_words_follows_typing_without_submitting(page: Page) -> None:
    start_assessment(page)
    words = page.locator("#tokens-words")
    expect(words).to_have_text("That is about 150 million tokens a month.")

    monthly = page.get_by_label(MONTHLY)
    monthly.click()
    page.keyboard.press("ControlOrMeta+A")
    monthly.press_sequentially("2500000")

    expect(words).to_have_text("That is about 3.8 billion tokens a month.")
    expect(page).to_have_url(re.compile(r"/workload/$"))
    expect(page.get_by_label(PER_REQUEST)).to_have_value("1500")


def test_invalid_number_is_refused_inline_and_the_stored_value_kept(page: Page) -> None:
    start_assessment(page)
    monthly = page.get_by_label(MONTHLY)
    with autosave(page, "monthly_requests"):
        monthly.fill("250000")

    with autosave(page, "monthly_requests", status=422):
        monthly.fill("-5")

    expect(page.locator("#feedback-monthly_requests")).to_have_text(
        f"-5 is not allowed; enter a whole number from 0 to {ONE_TRILLION}."
    )
    expect(page.locator("#save-status")).to_contain_text("Not saved.")
    assert saved_answers(page)["monthly_requests"] == 250_000
    page.reload()
    expect(monthly).to_have_value("250000")
    expect(page.locator("#feedback-monthly_requests")).to_be_empty()


def test_questionnaire_works_without_javascript(pages: BrowserPages) -> None:
    page = pages.new_page(java_script_enabled=False)
    start_assessment(page)
    choose(page, "stage", "Prototype")
    page.get_by_label(MONTHLY).fill("1000000000001")

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Save and continue").click()

    assert posted.value.status == 422
    error = f"1000000000001 is not allowed; enter a whole number from 0 to {ONE_TRILLION}."
    expect(page.get_by_role("alert")).to_contain_text(error)
    expect(page.locator("#feedback-monthly_requests")).to_have_text(error)
    expect(page.locator("#save-status")).to_contain_text("Nothing on this step was saved")
    expect(page.get_by_role("radio", name=re.compile(r"^Prototype"))).to_be_checked()
    stored = saved_answers(page)
    assert (stored["stage"], stored["monthly_requests"]) == ("pilot", 100_000)

    page.get_by_label(MONTHLY).fill("5000")
    save_and_continue(page, "data")
    choose(page, "data_sensitivity", "Public")
    save_and_continue(page, "team")
    save_and_continue(page, "risk")
    save_and_continue(page, "priorities")
    choose(page, "priority_cost", "4")
    save_and_continue(page, "review")
    page.get_by_role("link", name="See the recommendation").click()

    given = {
        "stage": "prototype",
        "monthly_requests": 5_000,
        "data_sensitivity": "public",
        "priority_cost": 4,
    }
    stored = saved_answers(page)
    assert {qid: stored[qid] for qid in given} == given
    expect(page.locator("#report-body [data-recommendation]")).to_have_attribute(
        "data-recommendation", assess(given)["recommendation"]
    )


def _focused(page: Page) -> dict[str, str | bool]:
    """Which element has focus and whether it is drawn as focused (observation only)."""
    result: dict[str, str | bool] = page.evaluate(
        """() => {
            const e = document.activeElement;
            const drawn = e.closest(".card") || e;
            return {
                id: e.id, tag: e.tagName.toLowerCase(), text: e.innerText || "",
                visible: e.matches(":focus-visible"),
                outline: getComputedStyle(drawn).outlineStyle,
            };
        }"""
    )
    return result


def _tab_to(page: Page, selector: str, *, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


def test_a_step_can_be_answered_with_the_keyboard_alone(page: Page) -> None:
    start_assessment(page)

    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Skip to content"
    _tab_to(page, "input[name=stage]")
    focus = _focused(page)
    assert (focus["id"], focus["visible"], focus["outline"]) == ("stage-pilot", True, "solid")
    with autosave(page, "stage"):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name=re.compile(r"^In production"))).to_be_checked()
    assert _focused(page)["id"] == "stage-production"

    _tab_to(page, "#monthly_requests")
    page.keyboard.press("ControlOrMeta+A")
    with autosave(page, "monthly_requests"):
        page.keyboard.type("40000")
    # The autosave swapped the status, progress and token words: focus must not move.
    focus = _focused(page)
    assert (focus["id"], focus["visible"]) == ("monthly_requests", True)
    expect(page.locator("#tokens-words")).to_have_text("That is about 60 million tokens a month.")

    _tab_to(page, "button[value=next]")
    focus = _focused(page)
    assert (focus["text"], focus["visible"], focus["outline"]) == (
        "Save and continue",
        True,
        "solid",
    )
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/data/$"))
    stored = saved_answers(page)
    assert (stored["stage"], stored["monthly_requests"]) == ("production", 40_000)


def test_questionnaire_pages_have_no_serious_axe_violations(page: Page) -> None:
    page.goto("/")
    assert_no_serious_axe_violations(page)
    start_assessment(page)
    for next_step in ["data", "team", "risk", "priorities", "review"]:
        assert_no_serious_axe_violations(page)
        save_and_continue(page, next_step)
    assert_no_serious_axe_violations(page)

    # The error states: an inline autosave error, then the error summary of a refused step
    # (the page a browser without JavaScript gets too; axe itself needs JavaScript).
    page.goto(page.url.replace("/review/", "/workload/"))
    with autosave(page, "monthly_requests", status=422):
        page.get_by_label(MONTHLY).fill("-5")
    assert_no_serious_axe_violations(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("-5 is not allowed")
    assert_no_serious_axe_violations(page)
