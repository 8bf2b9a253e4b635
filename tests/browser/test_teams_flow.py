"""Teams in a real browser: sign-in, the team's list, two editors at once, comparison, expiry.

Users, teams and assessments are made directly in the test database (the domain functions
the views use); the browser does only what the test is about. Two people working at once are
two browser contexts, each with its own cookies and so its own sign-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from decider.accounts.models import Membership, Role, Team, User
from decider.accounts.services import create_team, create_user
from decider.assessments.models import Assessment
from decider.assessments.services import apply_answers, start_assessment
from tests.browser.conftest import BrowserPages
from tests.browser.helpers import assert_no_serious_axe_violations, autosave, choose
from tests.factories import scenario_answers

pytestmark = pytest.mark.browser

PASSWORD = "a long enough test password"
PROTOTYPE = "Early prototype for a new AI feature"
CHATBOT = "Customer support chatbot with strict uptime needs"
CONSUMER = "Consumer app needing frontier model quality"
CONFLICT_NOTICE = "Someone else changed this answer while you were editing."


@pytest.fixture(autouse=True)
def quick_password_hashing(settings: Any) -> None:
    # Every user made here hashes a password; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class TeamWork:
    """A team with an owner and an editor, and three of the article's scenarios in it."""

    team: Team
    owner: User
    editor: User
    prototype: Assessment
    chatbot: Assessment
    consumer: Assessment


@pytest.fixture
def work(quick_password_hashing: None) -> TeamWork:
    owner = create_user(email="olivia@example.com", password=PASSWORD)
    editor = create_user(email="eddie@example.com", password=PASSWORD)
    team = create_team(name="Platform", owner=owner)
    Membership.objects.create(team=team, user=editor, role=Role.EDITOR)

    def scenario(name: str) -> Assessment:
        return start_assessment(
            visitor="x", team=team, author=owner, answers=scenario_answers(name), name=name
        )

    return TeamWork(
        team=team,
        owner=owner,
        editor=editor,
        prototype=scenario(PROTOTYPE),
        chatbot=scenario(CHATBOT),
        consumer=scenario(CONSUMER),
    )


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form; lands on the list of the user's teams."""
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def stored(assessment: Assessment) -> dict[str, Any]:
    """What the database holds now for the assessment's answers."""
    return dict(Assessment.objects.get(pk=assessment.pk).answers)


def list_rows(page: Page) -> list[str]:
    """The titles of the assessments in the team's list, top to bottom."""
    titles: list[str] = page.locator(".assessment-table tbody tr td:nth-child(2)").all_inner_texts()
    return titles


def apply_filters(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Apply", exact=True).click()


# ---------------------------------------------------------------------- signing in and out


def test_sign_in_refuses_a_wrong_password_then_lands_on_the_teams(
    page: Page, work: TeamWork
) -> None:
    sign_in(page, "olivia@example.com", "not the password")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("alert")).to_have_text(
        "That email address and password do not match an account."
    )

    sign_in(page, "Olivia@Example.com")

    expect(page).to_have_url(re.compile(r"/teams/$"))
    expect(page.get_by_role("link", name="Platform", exact=True)).to_be_visible()
    header = page.get_by_role("navigation", name="Account")
    expect(header).to_contain_text("olivia@example.com")
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()

    header.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(header.get_by_role("link", name="Sign in")).to_be_visible()
    expect(header).not_to_contain_text("olivia@example.com")
    page.goto("/teams/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/teams/$"))


# ---------------------------------------------------------------------- the team's list


def test_team_list_searches_use_cases_and_filters_by_recommendation(
    page: Page, work: TeamWork
) -> None:
    sign_in(page, work.owner.email)
    page.goto(f"/teams/{work.team.slug}/assessments/")
    assert sorted(list_rows(page)) == sorted([PROTOTYPE, CHATBOT, CONSUMER])

    # "mobile" is only in the consumer app's use case, not in any title.
    page.get_by_label("Search title and use case").fill("mobile")
    apply_filters(page)

    assert list_rows(page) == [CONSUMER]
    expect(page.get_by_role("table")).to_contain_text("1 assessment")

    page.get_by_label("Search title and use case").fill("")
    page.get_by_label("Recommendation").select_option("hybrid")
    apply_filters(page)

    assert list_rows(page) == [CHATBOT]
    expect(page).to_have_url(re.compile(r"[?&]recommendation=hybrid(&|$)"))
    expect(page.get_by_label("Recommendation")).to_have_value("hybrid")
    assert_no_serious_axe_violations(page)


# ---------------------------------------------------------------------- two people at once


def test_two_members_editing_the_same_answer_get_a_conflict_and_can_keep_either(
    pages: BrowserPages, work: TeamWork
) -> None:
    step = f"/a/{work.chatbot.id}/workload/"
    alice, bob = pages.new_page(), pages.new_page()
    sign_in(alice, work.owner.email)
    sign_in(bob, work.editor.email)
    alice.goto(step)
    bob.goto(step)
    expect(bob.get_by_role("radio", name=re.compile(r"^In production"))).to_be_checked()

    with autosave(alice, "stage"):
        choose(alice, "stage", "Core product")
    assert stored(work.chatbot)["stage"] == "core_product"
    revision = Assessment.objects.get(pk=work.chatbot.pk).revision

    # Bob's page still shows "In production": his change must not overwrite Alice's.
    with bob.expect_response(re.compile(r"/answer/$")) as refused:
        choose(bob, "stage", "Prototype")
    assert refused.value.status == 409

    notice = bob.locator("#conflict-stage")
    expect(notice).to_have_attribute("role", "alert")
    expect(notice).to_contain_text(CONFLICT_NOTICE)
    expect(notice).to_contain_text("Their saved answer: Core product. Yours: Prototype.")
    expect(bob.get_by_role("radio", name=re.compile(r"^Core product"))).to_be_checked()
    expect(bob.get_by_role("radio", name=re.compile(r"^Prototype"))).not_to_be_checked()
    expect(bob.locator("#save-status")).to_contain_text("changed by someone else meanwhile")
    now = Assessment.objects.get(pk=work.chatbot.pk)
    assert (now.answers["stage"], now.revision) == ("core_product", revision)
    assert_no_serious_axe_violations(bob)

    with autosave(bob, "stage"):
        notice.get_by_role("button", name="Use my answer instead").click()

    assert stored(work.chatbot)["stage"] == "prototype"
    expect(notice).to_have_count(0)
    expect(bob.get_by_role("radio", name=re.compile(r"^Prototype"))).to_be_checked()

    # Different questions at the same moment: both saves merge, neither is a conflict.
    with autosave(alice, "task_kind"), autosave(bob, "capability_need"):
        choose(alice, "task_kind", "General reasoning")
        choose(bob, "capability_need", "The strongest available")

    answers = stored(work.chatbot)
    assert (answers["task_kind"], answers["capability_need"], answers["stage"]) == (
        "general_reasoning",
        "frontier",
        "prototype",
    )
    expect(alice.locator(".conflict")).to_have_count(0)
    expect(bob.locator(".conflict")).to_have_count(0)


# ---------------------------------------------------------------------- comparison


def test_comparing_two_assessments_from_the_team_list_explains_the_difference(
    page: Page, work: TeamWork
) -> None:
    sign_in(page, work.owner.email)
    page.goto(f"/teams/{work.team.slug}/assessments/")

    page.get_by_role("checkbox", name=f"Compare {CHATBOT}").check()
    page.get_by_role("checkbox", name=f"Compare {CONSUMER}").check()
    page.get_by_role("button", name="Compare selected (2 to 4)").click()

    expect(page).to_have_url(re.compile(r"/compare/\?a=[0-9a-f-]{36}&a=[0-9a-f-]{36}$"))
    for title, recommendation in [(CHATBOT, "hybrid"), (CONSUMER, "closed")]:
        card = page.locator(".compare-item").filter(has=page.get_by_role("heading", name=title))
        expect(card.locator("[data-recommendation]")).to_have_attribute(
            "data-recommendation", recommendation
        )
    reasons = page.get_by_role("table", name="Reasons that weigh differently")
    capability = reasons.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(r"^The need for a strong general model"))
    )
    expect(capability).to_contain_text("A good general model")
    expect(capability).to_contain_text("The strongest available")
    answers = page.get_by_role("table", name="Every answer, in questionnaire order")
    expect(answers.locator("tr[data-question=capability_need]")).to_contain_text("differs")
    expect(answers.locator("tr[data-question=task_kind]")).to_contain_text("differs")
    expect(answers.locator("tr[data-question=stage]")).not_to_contain_text("differs")
    assert_no_serious_axe_violations(page)


def test_history_shows_who_changed_what_and_compares_two_revisions(
    page: Page, work: TeamWork
) -> None:
    apply_answers(assessment=work.chatbot, changes={"stage": "core_product"}, author=work.owner)
    apply_answers(
        assessment=work.chatbot, changes={"capability_need": "frontier"}, author=work.editor
    )
    sign_in(page, work.editor.email)

    page.goto(f"/a/{work.chatbot.id}/history/")

    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("eddie@example.com")
    expect(rows.nth(0)).to_contain_text("How capable does the model need to be?")
    expect(rows.nth(1)).to_contain_text("olivia@example.com")
    expect(rows.nth(1)).to_contain_text("How far along is this feature?")
    expect(rows.nth(2)).to_contain_text("olivia@example.com")  # who started it

    page.get_by_role("checkbox", name="Compare revision 3").check()
    page.get_by_role("checkbox", name="Compare revision 2").check()
    page.get_by_role("button", name="Compare selected revisions").click()

    expect(page).to_have_url(re.compile(r"/compare/\?r=\d+&r=\d+$"))
    headings = page.locator(".compare-item h3")
    expect(headings).to_have_text(
        [
            re.compile(f"{re.escape(CHATBOT)}, revision 2$"),
            re.compile(f"{re.escape(CHATBOT)}, revision 3$"),
        ]
    )
    answers = page.get_by_role("table", name="Every answer, in questionnaire order")
    expect(answers.locator("tr.differs")).to_have_count(1)
    expect(answers.locator("tr[data-question=capability_need]")).to_contain_text("differs")
    expect(answers.locator("tr[data-question=stage]")).not_to_contain_text("differs")


# ---------------------------------------------------------------------- expired sign-in


def _change_stage_and_expect_sign_in(page: Page, step: str) -> None:
    """Change an answer on ``step``: the autosave must send the whole browser to sign in."""
    with page.expect_response(re.compile(r"/answer/$")) as answered:
        choose(page, "stage", "Prototype")
    redirect = answered.value.headers.get("hx-redirect", "")
    assert redirect == f"/accounts/login/?next={step}", (
        f"the autosave answered {answered.value.status} with HX-Redirect {redirect!r}"
    )
    expect(page).to_have_url(re.compile(rf"/accounts/login/\?next={re.escape(step)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("#q-stage")).to_have_count(0)  # no login form inside the step


def test_autosave_after_the_session_ended_sends_the_browser_to_sign_in(
    page: Page, work: TeamWork
) -> None:
    sign_in(page, work.editor.email)
    step = f"/a/{work.chatbot.id}/workload/"
    page.goto(step)
    # The session ends on the server (expired, or signed out elsewhere); the cookies stay.
    Session.objects.all().delete()

    _change_stage_and_expect_sign_in(page, step)

    assert stored(work.chatbot)["stage"] == "production"


def test_autosave_after_the_cookies_were_cleared_sends_the_browser_to_sign_in(
    page: Page, work: TeamWork
) -> None:
    sign_in(page, work.editor.email)
    step = f"/a/{work.chatbot.id}/workload/"
    page.goto(step)
    # Every cookie gone, the CSRF cookie with the session's: the browser was cleared.
    page.context.clear_cookies()

    _change_stage_and_expect_sign_in(page, step)

    assert stored(work.chatbot)["stage"] == "production"
