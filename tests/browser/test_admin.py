"""The admin in a real browser under the site's strict CSP: signing in, a changelist with its
search, filters and action checkboxes, and a user's page with its script-built widgets.

The browser fixtures fail any test whose pages report a CSP violation or a script error, so
these flows passing means Django's admin needs nothing the policy forbids.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from decider.accounts.models import User
from decider.accounts.services import create_team, create_user
from decider.assessments.services import start_assessment

pytestmark = pytest.mark.browser

PASSWORD = "a long enough test password"


@pytest.fixture(autouse=True)
def quick_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(quick_password_hashing: None) -> User:
    user = create_user(email="root@example.com", password=PASSWORD, name="Root")
    user.is_staff = user.is_superuser = True
    user.save()
    team = create_team(name="Platform", owner=user)
    for name in ("Support bot", "Search ranking", "Code review helper"):
        start_assessment(visitor="v", team=team, author=user, name=name)
    return user


def sign_in(page: Page) -> None:
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/$"))
    page.get_by_label("Email address").fill("root@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Records", level=1)).to_be_visible()


def test_admin_sign_in_and_changelist_work_under_the_csp(page: Page, staff: User) -> None:
    sign_in(page)

    page.locator("#assessments-assessment").get_by_role("link", name="Assessments").click()
    expect(page.get_by_role("heading", name="Select assessment to view")).to_be_visible()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)

    page.locator("#searchbar").fill("support")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Support bot")

    page.get_by_role("link", name="Draft").click()  # the status filter keeps the search
    expect(page).to_have_url(re.compile(r"q=support.*status__exact=draft|status.*q=support"))
    expect(rows).to_have_count(1)

    # Scripts at work: the select-all box and its counter (actions.js).
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_have_text("1 of 1 selected")


def test_admin_user_page_widgets_work_under_the_csp(page: Page, staff: User) -> None:
    sign_in(page)

    page.goto(f"/admin/accounts/user/{staff.pk}/change/")
    expect(page.get_by_role("heading", name="Change user")).to_be_visible()
    # SelectFilter2.js builds the two-list permission chooser from a plain <select>.
    chooser = page.locator("#id_user_permissions_from")
    expect(chooser).to_be_visible()
    chooser.select_option(index=0)
    page.locator("#id_user_permissions_add").click()
    expect(page.locator("#id_user_permissions_to option")).to_have_count(1)

    page.locator("#toggle-nav-sidebar").click()  # nav_sidebar.js
    expect(page.locator("#nav-sidebar")).to_be_hidden()
