"""Every page added for accounts and teams, as the person who would see it: axe and a phone.

Each page (and each state of it worth seeing: a form with its errors, a link shown once, a
filter that matches nothing) is checked at 1280x900 and at 375x800: axe must find nothing
serious or critical, and at 375 px nothing may be wider than the screen. Full-page pictures
of both widths go to test-artifacts/screenshots/accounts/ for people to look at.

Problems are collected over the whole test and reported together, so one run lists every
page that needs work. Data is made directly in the database (the domain functions the views
use); a signed-in visitor gets a session made by Django's test client, which is much faster
than the sign-in form (tested in test_teams_flow.py) and signs in the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Page, ViewportSize, expect

from decider.accounts.models import Membership, Role, Team, User
from decider.accounts.services import create_team, create_user, invite
from decider.assessments.models import Assessment
from decider.assessments.services import apply_answers, start_assessment
from decider.sharing.services import create_link
from tests.browser.conftest import ARTIFACTS, DESKTOP, BrowserPages
from tests.browser.helpers import axe_violations
from tests.factories import scenario_answers

pytestmark = pytest.mark.browser

SCREENSHOTS = ARTIFACTS / "screenshots" / "accounts"
PHONE: ViewportSize = {"width": 375, "height": 800}
PASSWORD = "a long enough test password"
PROTOTYPE = "Early prototype for a new AI feature"
CHATBOT = "Customer support chatbot with strict uptime needs"
CONSUMER = "Consumer app needing frontier model quality"


@pytest.fixture(autouse=True)
def quick_password_hashing(settings: Any) -> None:
    # Every user made here hashes a password; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class TeamWork:
    """A team with one member of each role, three assessments, and one of them edited twice."""

    team: Team
    owner: User
    editor: User
    viewer: User
    outsider: User
    prototype: Assessment
    chatbot: Assessment
    consumer: Assessment


@pytest.fixture
def work(quick_password_hashing: None) -> TeamWork:
    owner = create_user(email="olivia@example.com", password=PASSWORD, name="Olivia Owner")
    editor = create_user(email="eddie@example.com", password=PASSWORD)
    viewer = create_user(email="vera@example.com", password=PASSWORD)
    outsider = create_user(email="oscar@example.com", password=PASSWORD)
    team = create_team(name="Platform", owner=owner)
    Membership.objects.create(team=team, user=editor, role=Role.EDITOR)
    Membership.objects.create(team=team, user=viewer, role=Role.VIEWER)

    def scenario(name: str) -> Assessment:
        return start_assessment(
            visitor="x", team=team, author=owner, answers=scenario_answers(name), name=name
        )

    chatbot = scenario(CHATBOT)
    # Two saves by two people: the history has three revisions.
    apply_answers(assessment=chatbot, changes={"stage": "core_product"}, author=owner)
    apply_answers(assessment=chatbot, changes={"capability_need": "frontier"}, author=editor)
    return TeamWork(
        team=team,
        owner=owner,
        editor=editor,
        viewer=viewer,
        outsider=outsider,
        prototype=scenario(PROTOTYPE),
        chatbot=chatbot,
        consumer=scenario(CONSUMER),
    )


# How wide the page is, and the outermost elements sticking out of the window, to say what to
# fix. Those inside a box that scrolls or clips them do not count, unless they are positioned
# (an absolute box can escape its scrolling ancestor: visually hidden text often does).
TOO_WIDE = """() => {
    const inner = window.innerWidth;
    const clipped = (el) => {
        if (["absolute", "fixed"].includes(getComputedStyle(el).position)) return false;
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
            if (getComputedStyle(up).overflowX !== "visible") return true;
        }
        return false;
    };
    const culprits = [];
    for (const el of document.body.querySelectorAll("*")) {
        if (el.getBoundingClientRect().right <= inner + 1 || clipped(el)) continue;
        if (culprits.some((outer) => outer.contains(el))) continue;
        culprits.push(el);
    }
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].map((c) => "." + c).join("");
    return {scroll: document.documentElement.scrollWidth, inner,
            culprits: culprits.slice(0, 4).map(describe)};
}"""


class Inspector:
    """Checks pages at both widths, keeps their pictures, and remembers what was wrong."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seen: list[str] = []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(self, page: Page, name: str, heading: str | re.Pattern[str]) -> None:
        """The page as it is now (no reload): its h1 first, then both widths."""
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        for viewport in (DESKTOP, PHONE):
            width = viewport["width"]
            page.set_viewport_size(viewport)
            where = f"{name} at {width}px ({page.url})"
            for violation in axe_violations(page):
                if violation["impact"] in ("serious", "critical"):
                    targets = ", ".join(n["target"] for n in violation["nodes"])
                    self.problems.append(
                        f"{where}: {violation['id']} ({violation['impact']}): "
                        f"{violation['help']} -> {targets}"
                    )
            if viewport is PHONE:
                wide = page.evaluate(TOO_WIDE)
                if wide["scroll"] > wide["inner"] + 1:
                    self.problems.append(
                        f"{where}: {wide['scroll']}px wide in a {wide['inner']}px window, "
                        f"because of {', '.join(wide['culprits']) or '?'}"
                    )
            page.screenshot(
                path=SCREENSHOTS / f"{name}-{width}.png", full_page=True, animations="disabled"
            )
        page.set_viewport_size(DESKTOP)
        self.seen.append(name)

    def assert_clean(self, expected: list[str]) -> None:
        assert self.seen == expected
        assert not self.problems, "Pages with problems:\n  " + "\n  ".join(self.problems)


@pytest.fixture
def inspector() -> Inspector:
    return Inspector()


def signed_in(pages: BrowserPages, user: User) -> Page:
    """A page in a new context whose browser is signed in as ``user``."""
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    page = pages.new_page()
    page.context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": pages.base_url}]
    )
    return page


def test_signing_in_signing_up_and_invitations_for_visitors(
    pages: BrowserPages, work: TeamWork, inspector: Inspector
) -> None:
    page = pages.new_page()

    page.goto("/accounts/login/")
    inspector.check(page, "login", "Sign in")
    page.get_by_label("Email address").fill(work.owner.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    inspector.check(page, "login-error", "Sign in")

    page.goto("/accounts/signup/")
    inspector.check(page, "signup", "Create an account")
    page.get_by_label("Email address").fill(work.owner.email)  # taken
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    inspector.check(page, "signup-errors", "Create an account")

    page.goto("/accounts/password_reset/")
    inspector.check(page, "password-reset", "Reset your password")

    _, token = create_link(assessment=work.chatbot, by=work.owner, days=7, label="Finance")
    page.goto(f"/s/{token}/")
    inspector.check(page, "shared-report", CHATBOT)

    invitation = invite(team=work.team, role=Role.EDITOR, by=work.owner)
    page.goto(f"/invitations/{invitation}/")
    inspector.check(page, "invitation-anonymous", "Join Platform")
    newcomer = signed_in(pages, work.outsider)
    newcomer.goto(f"/invitations/{invitation}/")
    expect(newcomer.get_by_role("button", name="Join Platform")).to_be_visible()
    inspector.check(newcomer, "invitation-signed-in", "Join Platform")

    inspector.assert_clean(
        [
            "login",
            "login-error",
            "signup",
            "signup-errors",
            "password-reset",
            "shared-report",
            "invitation-anonymous",
            "invitation-signed-in",
        ]
    )


def test_an_owners_pages(pages: BrowserPages, work: TeamWork, inspector: Inspector) -> None:
    page = signed_in(pages, work.owner)
    team = work.team.slug

    page.goto("/accounts/password_change/")
    inspector.check(page, "password-change", "Change your password")

    page.goto("/teams/")
    inspector.check(page, "teams", "Your teams")

    page.goto(f"/teams/{team}/")
    page.get_by_role("button", name="Create an invitation link").click()
    expect(page.locator(".invite-link")).to_contain_text("/invitations/")
    inspector.check(page, "team-owner", "Platform")

    page.goto(f"/teams/{team}/assessments/")
    expect(page.locator(".assessment-table tbody tr")).to_have_count(3)
    inspector.check(page, "assessments", "Assessments")
    page.goto(f"/teams/{team}/assessments/?q=nothing+like+this&recommendation=open&status=draft")
    expect(page.locator(".assessment-table tbody")).to_contain_text("No assessments match.")
    inspector.check(page, "assessments-no-match", "Assessments")

    chatbot = work.chatbot.id
    page.goto(f"/a/{chatbot}/details/")
    inspector.check(page, "details", "Title and status")
    page.goto(f"/a/{chatbot}/delete/")
    inspector.check(page, "delete", f"Delete “{CHATBOT}”?")
    page.goto(f"/a/{chatbot}/history/")
    expect(page.locator(".assessment-table tbody tr")).to_have_count(3)
    inspector.check(page, "history", f"History of “{CHATBOT}”")

    page.goto(f"/a/{chatbot}/share/")
    page.get_by_label("Who is it for? (optional)").fill("Finance review")
    page.get_by_role("button", name="Create a share link").click()
    expect(page.locator(".share-url")).to_contain_text("/s/")
    inspector.check(page, "share-owner", f"Share “{CHATBOT}”")

    ids = "&".join(f"a={a.id}" for a in (work.prototype, work.chatbot, work.consumer))
    page.goto(f"/compare/?{ids}")
    expect(page.locator(".compare-item")).to_have_count(3)
    inspector.check(page, "compare", "Compare assessments")
    page.goto(f"/compare/?a={chatbot}")
    expect(page.locator(".error-summary")).to_contain_text("Nothing to compare")
    inspector.check(page, "compare-bad-request", "Compare assessments")

    inspector.assert_clean(
        [
            "password-change",
            "teams",
            "team-owner",
            "assessments",
            "assessments-no-match",
            "details",
            "delete",
            "history",
            "share-owner",
            "compare",
            "compare-bad-request",
        ]
    )


def test_a_viewers_pages(pages: BrowserPages, work: TeamWork, inspector: Inspector) -> None:
    create_link(assessment=work.chatbot, by=work.owner, days=None, label="Board")
    page = signed_in(pages, work.viewer)

    page.goto(f"/teams/{work.team.slug}/")
    expect(page.get_by_role("button", name="Create an invitation link")).to_have_count(0)
    inspector.check(page, "team-viewer", "Platform")

    page.goto(f"/a/{work.chatbot.id}/share/")
    expect(page.get_by_role("button", name=re.compile("^Revoke"))).to_have_count(0)
    inspector.check(page, "share-viewer", f"Share “{CHATBOT}”")

    inspector.assert_clean(["team-viewer", "share-viewer"])
