"""The API's two web pages in a real browser: the tokens page and the interactive reference.

A token is made through the tokens page, read off the page, and used by a program (urllib,
from this test) against the live server until it is revoked through the page. The reference
(django-ninja's Swagger UI, served from our static files) must run under the site's strict CSP
as it is: the fixtures fail a test on any CSP violation or uncaught page error. Every state
worth seeing is checked with axe at 1280 and 375 px, and its picture kept in
test-artifacts/screenshots/api/ for people to look at; docs/screenshots/api-tokens.png is
refreshed only with DECIDER_UPDATE_DOC_SCREENSHOTS=1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from decider.accounts.models import User
from decider.accounts.services import create_user, personal_team
from decider.api.models import ApiToken
from decider.api.tokens import create_token
from decider.assessments.models import Assessment
from decider.assessments.services import start_assessment
from tests.browser.conftest import ARTIFACTS, DESKTOP, BrowserPages
from tests.browser.helpers import axe_violations
from tests.browser.test_pages_accessibility import TOO_WIDE
from tests.factories import scenario_answers

pytestmark = pytest.mark.browser

SCREENSHOTS = ARTIFACTS / "screenshots" / "api"
DOC_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Normal runs must not touch tracked files: the pictures in docs/ change only on request.
UPDATE_DOC_SCREENSHOTS = os.environ.get("DECIDER_UPDATE_DOC_SCREENSHOTS") == "1"
PHONE: ViewportSize = {"width": 375, "height": 800}
PASSWORD = "a long enough test password"
EMAIL = "priya@example.com"
CHATBOT = "Customer support chatbot with strict uptime needs"


@pytest.fixture(autouse=True)
def quick_password_hashing(settings: Any) -> None:
    # Every user made here hashes a password; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def person(quick_password_hashing: None) -> User:
    return create_user(email=EMAIL, password=PASSWORD, name="Priya")


class Inspector:
    """Checks a page at both widths with axe (and at 375 px for sideways overflow), keeps its
    pictures, and collects what was wrong so that one run lists every problem."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.shots: dict[str, Path] = {}
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(self, page: Page, name: str, *, overflow: bool = True) -> None:
        for viewport in (DESKTOP, PHONE):
            width = viewport["width"]
            page.set_viewport_size(viewport)
            where = f"{name} at {width}px"
            for violation in axe_violations(page):
                if violation["impact"] in ("serious", "critical"):
                    targets = ", ".join(n["target"] for n in violation["nodes"][:5])
                    self.problems.append(
                        f"{where}: {violation['id']} ({violation['impact']}): "
                        f"{violation['help']} -> {targets}"
                    )
            if overflow and viewport is PHONE:
                wide = page.evaluate(TOO_WIDE)
                if wide["scroll"] > wide["inner"] + 1:
                    self.problems.append(
                        f"{where}: {wide['scroll']}px wide in a {wide['inner']}px window, "
                        f"because of {', '.join(wide['culprits']) or '?'}"
                    )
            path = SCREENSHOTS / f"{name}-{width}.png"
            page.screenshot(path=path, full_page=True, animations="disabled")
            self.shots[f"{name}-{width}"] = path
        page.set_viewport_size(DESKTOP)

    def assert_clean(self) -> None:
        assert not self.problems, "Pages with problems:\n  " + "\n  ".join(self.problems)


@pytest.fixture
def inspector() -> Inspector:
    return Inspector()


def sign_in(page: Page, email: str = EMAIL) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/teams/$"))


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def call_api(base_url: str, path: str, token: str) -> Answer:
    """What a program sending ``token`` gets from the live server (no browser involved)."""
    request = urllib.request.Request(
        base_url + path,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, json.loads(response.read()))
    except urllib.error.HTTPError as refused:
        return Answer(refused.code, json.loads(refused.read()))


# ---------------------------------------------------------------------- the tokens page


def test_a_token_made_on_the_page_works_until_it_is_revoked_there(
    pages: BrowserPages, person: User, inspector: Inspector
) -> None:
    page = pages.new_page(permissions=["clipboard-read", "clipboard-write"])
    sign_in(page)
    page.get_by_role("navigation", name="Account").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(page.get_by_text("You have no API tokens yet.")).to_be_visible()
    inspector.check(page, "tokens-empty")

    page.get_by_role("button", name="Make token").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Name: Enter a name for the token, e.g. “CI check”."
    )
    inspector.check(page, "tokens-error")

    page.get_by_label("Name").fill("CI check")
    page.get_by_label("Expires after").select_option(label="30 days")
    page.get_by_role("button", name="Make token").click()

    expect(page.get_by_role("heading", name="Your new token “CI check”")).to_be_visible()
    secret = page.get_by_label("Token", exact=True).input_value()
    assert re.fullmatch(r"dcd_[A-Za-z0-9_-]{43}", secret)
    expect(page.locator("#new-token-curl")).to_have_text(
        f'curl -s -H "Authorization: Bearer {secret}" {pages.base_url}/api/v1/me'
    )
    inspector.check(page, "tokens-new")
    page.get_by_role("button", name="Copy the token").click()
    expect(page.get_by_role("status").filter(has_text="copied")).to_have_text(
        "The token is copied to the clipboard."
    )
    assert page.evaluate("() => navigator.clipboard.readText()") == secret

    answer = call_api(pages.base_url, "/api/v1/me", secret)
    assert (answer.status, answer.body["user"]["email"], answer.body["via"]) == (
        200,
        EMAIL,
        "token",
    )

    page.reload()
    expect(page.get_by_label("Token", exact=True)).to_have_count(0)
    assert secret not in page.content()

    # More tokens in every state, so the list shows what it can.
    create_token(user=person, name="Nightly export to the data warehouse", expiry="never")
    old, _ = create_token(user=person, name="Old notebook", expiry="30")
    old.revoked_at = old.created_at
    old.save()
    page.reload()
    table = page.get_by_role("table", name="Your API tokens, newest first")
    row = table.get_by_role("row").filter(has_text="CI check")
    expect(row).to_contain_text(secret[:10])
    expect(row).to_contain_text("Active")
    expect(table.get_by_role("row").filter(has_text="Old notebook")).to_contain_text("Revoked")
    expect(page.get_by_role("link", name=re.compile(r"^Revoke…"))).to_have_count(2)
    inspector.check(page, "tokens-list")

    row.get_by_role("link", name="Revoke… CI check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke “CI check”?")
    inspector.check(page, "token-revoke")
    assert call_api(pages.base_url, "/api/v1/me", secret).status == 200  # asking changes nothing

    page.get_by_role("button", name="Revoke the token").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Token “CI check” revoked: programs using it are now refused."
    )
    expect(table.get_by_role("row").filter(has_text="CI check")).to_contain_text("Revoked")
    answer = call_api(pages.base_url, "/api/v1/me", secret)
    assert (answer.status, answer.body["status"]) == (401, 401)
    inspector.check(page, "tokens-revoked")
    inspector.assert_clean()

    if UPDATE_DOC_SCREENSHOTS:
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(inspector.shots["tokens-new-1280"], DOC_SCREENSHOTS / "api-tokens.png")


def test_the_tokens_page_works_without_javascript(pages: BrowserPages, person: User) -> None:
    token, secret = create_token(user=person, name="CI check")
    page = pages.new_page(java_script_enabled=False)
    sign_in(page)

    page.goto("/account/api-tokens/")
    page.get_by_label("Name").fill("Second")
    page.get_by_role("button", name="Make token").click()

    expect(page.get_by_label("Token", exact=True)).to_have_attribute("readonly", "")
    expect(page.get_by_role("button", name=re.compile("^Copy"))).to_have_count(0)  # hidden
    page.get_by_role("link", name="Revoke… CI check").click()
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_role("status")).to_contain_text("Token “CI check” revoked")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert call_api(pages.base_url, "/api/v1/me", secret).status == 401


# ---------------------------------------------------------------------- the API reference


def without_nonce(policy: str) -> str:
    """A CSP header without its per-response nonce, to compare two pages' policies."""
    return re.sub(r" 'nonce-[^']+'", "", policy)


def open_operation(page: Page, method: str, path: str) -> Any:
    """Expand one operation of the reference and return its block."""
    block = page.locator(".opblock").filter(
        has=page.locator(f".opblock-summary-path[data-path='{path}']")
    )
    block = block.filter(has=page.locator(".opblock-summary-method", has_text=method))
    block.locator(".opblock-summary-control").click()
    return block


def test_the_api_reference_runs_under_the_sites_csp_and_reads_well(
    pages: BrowserPages, inspector: Inspector
) -> None:
    page = pages.new_page()
    home = page.goto("/")
    response = page.goto("/api/v1/docs")

    assert response is not None
    assert home is not None
    policy = response.headers["content-security-policy"]
    assert "unsafe" not in policy
    assert without_nonce(policy) == without_nonce(home.headers["content-security-policy"])
    expect(page.locator(".opblock-summary-path[data-path='/api/v1/assess']")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Decider API\b"))
    inspector.check(page, "docs")

    assess = open_operation(page, "POST", "/api/v1/assess")
    assess.get_by_role("button", name="Try it out").click()
    with page.expect_response(re.compile(r"/api/v1/assess$")) as sent:
        assess.get_by_role("button", name="Execute").click()
    assert sent.value.status == 200
    expect(assess.locator(".live-responses-table")).to_contain_text("recommendation")
    inspector.check(page, "docs-try-it-out")

    page.get_by_role("button", name="Authorize").first.click()
    expect(page.get_by_role("dialog")).to_contain_text("Available authorizations")
    inspector.check(page, "docs-authorize")
    inspector.assert_clean()


def test_try_it_out_in_the_reference_uses_the_session_with_its_csrf_token(
    pages: BrowserPages, person: User
) -> None:
    assessment = start_assessment(
        visitor="x",
        team=personal_team(person),
        author=person,
        answers=scenario_answers(CHATBOT),
        name=CHATBOT,
    )
    page = pages.new_page()
    sign_in(page)
    page.goto("/api/v1/docs")

    me = open_operation(page, "GET", "/api/v1/me")
    me.get_by_role("button", name="Try it out").click()
    with page.expect_response(re.compile(r"/api/v1/me$")) as sent:
        me.get_by_role("button", name="Execute").click()
    assert sent.value.status == 200
    assert sent.value.json()["user"]["email"] == EMAIL
    assert sent.value.json()["via"] == "session"

    archive = open_operation(page, "POST", "/api/v1/assessments/{assessment_id}/archive")
    archive.get_by_role("button", name="Try it out").click()
    archive.get_by_placeholder("assessment_id").fill(str(assessment.id))
    with page.expect_response(re.compile(r"/archive$")) as sent:
        archive.get_by_role("button", name="Execute").click()

    assert sent.value.status == 200, sent.value.text()
    assert sent.value.request.headers.get("x-csrftoken")
    assert Assessment.objects.get(pk=assessment.pk).archived_at is not None
    # The header is what made it pass: the same session without it is refused.
    refused = page.evaluate(
        "(url) => fetch(url, {method: 'POST'}).then((r) => r.status)",
        f"/api/v1/assessments/{assessment.id}/restore",
    )
    assert refused == 403
    assert Assessment.objects.get(pk=assessment.pk).archived_at is not None
