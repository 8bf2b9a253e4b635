"""Signing up, in and out; passwords; work started before signing in; the demo data.

Sign-up gives a personal space at once and signs the person in. Sign-in is by email address
and is throttled: five failures for one account, or twenty from one network address, within
fifteen minutes refuse further attempts, even with the right password, until the window has
passed; a successful sign-in forgets that account's failures. Assessments a browser started
before signing in move into the user's personal space, at the same URL. Team work asked for
without a login (or after it expired) sends the whole browser to the login page, htmx or not.
"""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from decider.accounts.models import LoginFailure, Membership, Role, Team, User
from decider.accounts.services import create_team, create_user, personal_team
from decider.assessments.models import Assessment, Revision
from decider.assessments.services import start_assessment
from decider.engine.examples import examples
from tests.factories import as_visitor, make_assessment
from tests.markup import Page, text_of

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough test password"
NEW_PASSWORD = "another quite long passphrase"
LOGIN = "/accounts/login/"
HERE = "127.0.0.1"  # the test client's REMOTE_ADDR
ELSEWHERE = "203.0.113.7"


@pytest.fixture(autouse=True)
def quick_password_hashing(settings: Any) -> None:
    # The production hasher takes a good part of a second per password on purpose; these
    # tests hash hundreds. What is under test is which password is accepted, not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---------------------------------------------------------------------- helpers


def make_user(email: str = "ada@example.com", *, name: str = "") -> User:
    return create_user(email=email, password=PASSWORD, name=name)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sign_in(client: Client, email: str, password: str, *, address: str = HERE) -> Any:
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address)


def signed_in_user_id(client: Client) -> int | None:
    user = get_user(client)
    return user.pk if user.is_authenticated else None


def form_errors(response: Any) -> dict[str, list[str]]:
    """Each field shown with errors, by its input's name, and the errors shown next to it."""
    page = Page(response)
    errors = {}
    for group in page.find_all(".//div[@class='form-field has-error']"):
        field = group.find(".//input")
        assert field is not None
        shown = group.findall(".//ul[@class='errorlist']/li")
        errors[field.get("name", "")] = [text_of(item) for item in shown]
    return errors


def error_summary(response: Any) -> str:
    return text_of(Page(response).find(".//div[@class='error-summary']"))


THROTTLED = re.compile(
    r"Too many failed sign-ins\. For your account's safety, wait (\d+) minute\(s\) and try "
    r"again, or reset your password\."
)
WRONG = "That email address and password do not match an account."


def throttled_minutes(response: Any) -> int | None:
    match = THROTTLED.fullmatch(error_summary(response))
    return int(match.group(1)) if match else None


def fail(client: Client, email: str, times: int, *, address: str = HERE) -> None:
    for _ in range(times):
        response = sign_in(client, email, "not the password", address=address)
        assert error_summary(response) == WRONG


def move_failures_back(minutes: float) -> None:
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=minutes))


# ---------------------------------------------------------------------- sign-up


def test_signup_creates_the_user_with_a_lower_cased_email(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {"name": "Ada Lovelace", "email": "Ada.Lovelace@Example.COM", "password": PASSWORD},
    )

    assert (response.status_code, response["Location"]) == (302, "/teams/")
    user = User.objects.get()
    assert (user.email, user.first_name) == ("ada.lovelace@example.com", "Ada Lovelace")
    assert user.check_password(PASSWORD)


def test_signup_makes_a_personal_team_owned_by_the_new_user(client: Client) -> None:
    client.post(
        "/accounts/signup/", {"name": "Ada", "email": "ada@example.com", "password": PASSWORD}
    )

    user = User.objects.get()
    assert [
        (m.team.name, m.team.personal, m.role) for m in Membership.objects.select_related("team")
    ] == [("Ada's space", True, Role.OWNER)]
    assert personal_team(user).memberships.count() == 1


def test_signup_signs_the_new_user_in(client: Client) -> None:
    client.post("/accounts/signup/", {"email": "ada@example.com", "password": PASSWORD})

    assert signed_in_user_id(client) == User.objects.get().pk
    assert client.get("/teams/").status_code == 200


@pytest.mark.parametrize("typed", ["ada@example.com", "ADA@example.com", "Ada@EXAMPLE.com"])
def test_signup_refuses_an_email_in_use_in_any_case(client: Client, typed: str) -> None:
    make_user("ada@example.com")

    response = client.post("/accounts/signup/", {"email": typed, "password": PASSWORD})

    assert response.status_code == 422
    assert form_errors(response) == {
        "email": [
            "An account with this email address exists already. Sign in instead, or "
            "reset its password."
        ]
    }
    assert User.objects.count() == 1
    assert signed_in_user_id(client) is None


def test_signup_refuses_a_weak_password_with_a_message(client: Client) -> None:
    response = client.post("/accounts/signup/", {"email": "ada@example.com", "password": "12345"})

    assert response.status_code == 422
    assert form_errors(response) == {
        "password": [
            "This password is too short. It must contain at least 8 characters.",
            "This password is too common.",
            "This password is entirely numeric.",
        ]
    }
    assert (User.objects.count(), Team.objects.count()) == (0, 0)


def test_signup_refuses_a_password_like_the_email(client: Client) -> None:
    response = client.post(
        "/accounts/signup/", {"email": "marguerite@example.com", "password": "marguerite1"}
    )

    assert response.status_code == 422
    assert form_errors(response) == {
        "password": ["The password is too similar to the email address."]
    }


def test_signup_accepts_the_longest_email_the_form_allows(client: Client) -> None:
    # 254 characters: the form's and the email column's limit. The username column (which
    # create_user fills with the email) holds only 150, which PostgreSQL enforces.
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
    assert len(email) == 254

    response = client.post("/accounts/signup/", {"email": email, "password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, "/teams/")
    assert User.objects.get().email == email


def test_signup_redirects_someone_already_signed_in(client: Client) -> None:
    user = make_user()
    client.force_login(user)

    shown = client.get("/accounts/signup/")
    sent = client.post("/accounts/signup/", {"email": "new@example.com", "password": PASSWORD})

    assert [(r.status_code, r["Location"]) for r in (shown, sent)] == [
        (302, "/teams/"),
        (302, "/teams/"),
    ]
    assert User.objects.count() == 1


# ---------------------------------------------------------------------- signing in


def test_login_with_email_and_password_signs_in(client: Client) -> None:
    user = make_user()

    response = sign_in(client, "ada@example.com", PASSWORD)

    assert (response.status_code, response["Location"]) == (302, "/teams/")
    assert signed_in_user_id(client) == user.pk


def test_login_follows_next(client: Client) -> None:
    make_user()

    response = client.post(
        LOGIN, {"username": "ada@example.com", "password": PASSWORD, "next": "/teams/x/"}
    )

    assert response["Location"] == "/teams/x/"


def test_login_accepts_the_email_in_another_case(client: Client) -> None:
    # Sign-up lower-cases the address and refuses duplicates in any case, so the address is
    # the same account however it is typed.
    user = make_user("ada@example.com")

    response = sign_in(client, "Ada@Example.com", PASSWORD)

    assert (response.status_code, signed_in_user_id(client)) == (302, user.pk)


def test_login_with_a_wrong_password_is_refused_and_recorded(client: Client) -> None:
    make_user()

    response = sign_in(client, "ada@example.com", "not the password")

    assert response.status_code == 200
    assert error_summary(response) == WRONG
    assert signed_in_user_id(client) is None
    assert list(LoginFailure.objects.values_list("email", "address")) == [("ada@example.com", HERE)]


def test_login_failures_of_an_unknown_account_are_recorded_too(client: Client) -> None:
    sign_in(client, "Nobody@Example.com", "whatever it is")

    assert list(LoginFailure.objects.values_list("email", "address")) == [
        ("nobody@example.com", HERE)
    ]


def test_login_after_four_failures_still_works(client: Client) -> None:
    user = make_user()
    fail(client, "ada@example.com", 4)

    response = sign_in(client, "ada@example.com", PASSWORD)

    assert (response.status_code, signed_in_user_id(client)) == (302, user.pk)


def test_login_after_five_failures_is_refused_even_with_the_right_password(
    client: Client,
) -> None:
    make_user()
    fail(client, "ada@example.com", 5)

    response = sign_in(client, "ada@example.com", PASSWORD)

    assert response.status_code == 200
    assert throttled_minutes(response) in (14, 15)
    assert signed_in_user_id(client) is None
    assert LoginFailure.objects.count() == 5  # a refused attempt checks no password


def test_login_throttle_is_per_account_whatever_the_address(client: Client) -> None:
    make_user("ada@example.com")
    grace = make_user("grace@example.com")
    fail(client, "ADA@example.com", 5)  # the account, however it is typed

    elsewhere = sign_in(Client(), "ada@example.com", PASSWORD, address=ELSEWHERE)
    other_account = sign_in(client, "grace@example.com", PASSWORD)

    assert throttled_minutes(elsewhere) in (14, 15)
    assert (other_account.status_code, signed_in_user_id(client)) == (302, grace.pk)


def test_login_says_how_long_to_wait_until_the_oldest_failure_expires(client: Client) -> None:
    make_user()
    fail(client, "ada@example.com", 5)
    move_failures_back(minutes=10)

    response = sign_in(client, "ada@example.com", PASSWORD)

    assert throttled_minutes(response) == 5


def test_login_from_an_address_with_twenty_failures_is_refused(client: Client) -> None:
    make_user("ada@example.com")
    for n in range(20):
        fail(client, f"guess{n}@example.com", 1)

    here = sign_in(client, "ada@example.com", PASSWORD)
    elsewhere = Client()
    there = sign_in(elsewhere, "ada@example.com", PASSWORD, address=ELSEWHERE)

    assert throttled_minutes(here) in (14, 15)
    assert signed_in_user_id(client) is None
    assert (there.status_code, signed_in_user_id(elsewhere)) == (302, User.objects.get().pk)


def test_login_from_an_address_with_nineteen_failures_still_works(client: Client) -> None:
    user = make_user("ada@example.com")
    for n in range(19):
        fail(client, f"guess{n}@example.com", 1)

    response = sign_in(client, "ada@example.com", PASSWORD)

    assert (response.status_code, signed_in_user_id(client)) == (302, user.pk)


def test_login_failures_older_than_fifteen_minutes_do_not_count(client: Client) -> None:
    user = make_user("ada@example.com")
    fail(client, "ada@example.com", 5)
    for n in range(15):
        fail(client, f"guess{n}@example.com", 1)
    move_failures_back(minutes=15.5)

    response = sign_in(client, "ada@example.com", PASSWORD)

    assert (response.status_code, signed_in_user_id(client)) == (302, user.pk)


def test_login_failures_within_fifteen_minutes_count(client: Client) -> None:
    make_user("ada@example.com")
    fail(client, "ada@example.com", 5)
    move_failures_back(minutes=14.5)

    response = sign_in(client, "ada@example.com", PASSWORD)

    assert throttled_minutes(response) == 1
    assert signed_in_user_id(client) is None


def test_successful_login_clears_that_accounts_failures(client: Client) -> None:
    make_user("ada@example.com")
    fail(client, "ada@example.com", 4)
    fail(client, "grace@example.com", 2)

    sign_in(client, "ada@example.com", PASSWORD)

    assert sorted(LoginFailure.objects.values_list("email", flat=True)) == [
        "grace@example.com",
        "grace@example.com",
    ]


# ---------------------------------------------------------------------- signing out


def test_logout_by_post_signs_out() -> None:
    client = signed_in(make_user())

    response = client.post("/accounts/logout/")

    assert (response.status_code, response["Location"]) == (302, "/")
    assert signed_in_user_id(client) is None


def test_logout_by_get_is_not_allowed() -> None:
    user = make_user()
    client = signed_in(user)

    response = client.get("/accounts/logout/")

    assert response.status_code == 405
    assert signed_in_user_id(client) == user.pk


# ---------------------------------------------------------------------- passwords


def test_password_change_replaces_the_old_password() -> None:
    user = make_user()
    client = signed_in(user)

    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert (response.status_code, response["Location"]) == (302, "/accounts/password_change/done/")
    assert signed_in_user_id(client) == user.pk  # this browser stays signed in
    old = sign_in(Client(), "ada@example.com", PASSWORD)
    new_client = Client()
    new = sign_in(new_client, "ada@example.com", NEW_PASSWORD)
    assert error_summary(old) == WRONG
    assert (new.status_code, signed_in_user_id(new_client)) == (302, user.pk)


def test_password_change_needs_the_old_password() -> None:
    user = make_user()
    client = signed_in(user)

    response = client.post(
        "/accounts/password_change/",
        {"old_password": "a guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert list(form_errors(response)) == ["old_password"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_asks_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get("/accounts/password_change/")

    assert response["Location"] == "/accounts/login/?next=/accounts/password_change/"


RESET_LINK = re.compile(r"http://testserver(/accounts/reset/[\w-]+/[\w-]+/)")


def test_password_reset_sends_one_email_with_a_link_to_set_a_new_password(
    client: Client,
) -> None:
    make_user("ada@example.com")

    response = client.post("/accounts/password_reset/", {"email": "Ada@Example.com"})

    assert (response.status_code, response["Location"]) == (302, "/accounts/password_reset/done/")
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ada@example.com"], "Reset your Decider password")
    ]
    assert len(RESET_LINK.findall(str(mail.outbox[0].body))) == 1


def test_password_reset_link_lets_the_user_set_a_new_password_and_sign_in(
    client: Client,
) -> None:
    user = make_user("ada@example.com")
    client.post("/accounts/password_reset/", {"email": "ada@example.com"})
    match = RESET_LINK.search(str(mail.outbox[0].body))
    assert match is not None

    opened = client.get(match.group(1))
    form = client.get(opened["Location"])
    done = client.post(
        opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert opened.status_code == 302
    assert opened["Location"].endswith("/set-password/")
    assert form.status_code == 200
    assert [f.get("name") for f in Page(form).find_all(".//form//input[@type='password']")] == [
        "new_password1",
        "new_password2",
    ]
    assert (done.status_code, done["Location"]) == (302, "/accounts/reset/done/")
    browser = Client()
    assert sign_in(browser, "ada@example.com", NEW_PASSWORD).status_code == 302
    assert signed_in_user_id(browser) == user.pk
    assert error_summary(sign_in(Client(), "ada@example.com", PASSWORD)) == WRONG


def test_password_reset_link_works_once(client: Client) -> None:
    make_user("ada@example.com")
    client.post("/accounts/password_reset/", {"email": "ada@example.com"})
    match = RESET_LINK.search(str(mail.outbox[0].body))
    assert match is not None
    set_password = client.get(match.group(1))["Location"]
    client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(match.group(1))

    assert again.status_code == 200
    assert Page(again).find(".//h1").text == "This link does not work any more"


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client: Client,
) -> None:
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})

    assert (response.status_code, response["Location"]) == (302, "/accounts/password_reset/done/")
    assert mail.outbox == []


# ---------------------------------------------------------------------- work before signing in


def test_login_moves_this_browsers_assessments_into_the_personal_team(client: Client) -> None:
    user = make_user()
    mine = [make_assessment(visitor="v-mine"), make_assessment(visitor="v-mine", stage="pilot")]
    as_visitor(client, "v-mine")

    sign_in(client, "ada@example.com", PASSWORD)

    attached = Assessment.objects.filter(pk__in=[a.pk for a in mine])
    assert {(a.team_id, a.author_id) for a in attached} == {(personal_team(user).pk, user.pk)}


def test_signup_moves_this_browsers_assessments_into_the_new_personal_team(
    client: Client,
) -> None:
    mine = make_assessment(visitor="v-mine")
    as_visitor(client, "v-mine")

    client.post("/accounts/signup/", {"email": "ada@example.com", "password": PASSWORD})

    user = User.objects.get()
    mine.refresh_from_db()
    assert (mine.team_id, mine.author_id) == (personal_team(user).pk, user.pk)


@pytest.mark.parametrize("how", ["login", "signup"])
def test_assessments_moved_on_signing_in_stay_at_the_same_url(client: Client, how: str) -> None:
    mine = make_assessment(visitor="v-mine", stage="production")
    as_visitor(client, "v-mine")
    before = client.get(f"/a/{mine.id}/report/")
    if how == "login":
        make_user()
        sign_in(client, "ada@example.com", PASSWORD)
    else:
        client.post("/accounts/signup/", {"email": "ada@example.com", "password": PASSWORD})

    after = [client.get(f"/a/{mine.id}/report/"), client.get(f"/a/{mine.id}/workload/")]

    assert before.status_code == 200
    assert [r.status_code for r in after] == [200, 200]


@pytest.mark.parametrize("how", ["login", "signup"])
def test_signing_in_leaves_another_browsers_assessments_alone(client: Client, how: str) -> None:
    theirs = make_assessment(visitor="v-theirs")
    as_visitor(client, "v-mine")
    if how == "login":
        make_user()
        sign_in(client, "ada@example.com", PASSWORD)
    else:
        client.post("/accounts/signup/", {"email": "ada@example.com", "password": PASSWORD})

    theirs.refresh_from_db()
    assert (theirs.team_id, theirs.author_id) == (None, None)
    assert client.get(f"/a/{theirs.id}/report/").status_code == 404
    assert as_visitor(Client(), "v-theirs").get(f"/a/{theirs.id}/report/").status_code == 200


def test_signing_in_leaves_team_work_of_the_same_browser_in_its_team(client: Client) -> None:
    # The visitor token is also stamped on work started while signed in; that work has a team
    # already and must not be moved into whoever signs in next in this browser.
    colleague = make_user("grace@example.com")
    team = create_team(name="Platform", owner=colleague)
    shared = start_assessment(visitor="v-mine", team=team, author=colleague)
    make_user()
    as_visitor(client, "v-mine")

    sign_in(client, "ada@example.com", PASSWORD)

    shared.refresh_from_db()
    assert (shared.team_id, shared.author_id) == (team.pk, colleague.pk)


# ---------------------------------------------------------------------- an expired login


@pytest.fixture
def team_assessment() -> Assessment:
    owner = make_user("owner@example.com")
    team = create_team(name="Platform", owner=owner)
    return start_assessment(visitor="v-owner", team=team, author=owner)


def test_htmx_request_without_login_redirects_the_whole_page_to_sign_in(
    team_assessment: Assessment,
) -> None:
    step = f"/a/{team_assessment.id}/workload/"

    response = Client().post(
        f"/a/{team_assessment.id}/answer/",
        {"stage": "production"},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{step}"},
    )

    assert (response.status_code, response["HX-Redirect"], response.content) == (
        200,
        f"/accounts/login/?next={step}",
        b"",
    )
    team_assessment.refresh_from_db()
    assert (team_assessment.revision, team_assessment.answered) == (1, [])


def test_htmx_request_without_login_keeps_the_query_of_the_current_page(
    team_assessment: Assessment,
) -> None:
    page = f"/a/{team_assessment.id}/report/?tab=flips"

    response = Client().post(
        f"/a/{team_assessment.id}/report/what-if/",
        {"vendor_terms_ok": "no"},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"},
    )

    assert response["HX-Redirect"] == (
        f"/accounts/login/?next=/a/{team_assessment.id}/report/%3Ftab%3Dflips"
    )


def test_page_request_without_login_redirects_to_sign_in(team_assessment: Assessment) -> None:
    step = f"/a/{team_assessment.id}/workload/"

    response = Client().get(step)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={step}")
    assert "HX-Redirect" not in response


def test_after_signing_in_the_login_page_returns_to_the_team_assessment(
    team_assessment: Assessment,
) -> None:
    client = Client()
    step = f"/a/{team_assessment.id}/workload/"
    login_url = client.get(step)["Location"]

    response = client.post(
        login_url, {"username": "owner@example.com", "password": PASSWORD, "next": step}
    )

    assert response["Location"] == step
    assert client.get(step).status_code == 200


# ---------------------------------------------------------------------- demo data


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_creates_the_demo_user_a_colleague_and_the_demo_team() -> None:
    load_demo()

    team = Team.objects.get(name="Demo team")
    assert sorted((m.user.email, m.role) for m in team.memberships.select_related("user")) == [
        ("colleague@decider.test", Role.EDITOR),
        ("demo@decider.test", Role.OWNER),
    ]
    assert not team.personal
    assert sorted(User.objects.values_list("email", flat=True)) == [
        "colleague@decider.test",
        "demo@decider.test",
    ]
    assert Team.objects.filter(personal=True).count() == 2


def test_load_demo_fills_the_demo_team_with_the_six_worked_examples() -> None:
    load_demo()

    team = Team.objects.get(name="Demo team")
    saved = sorted((a.name, a.author.email if a.author else "") for a in team.assessments.all())
    assert saved == sorted((e["name"], "demo@decider.test") for e in examples())
    assert len(saved) == 6


def test_load_demo_prints_a_login_that_works() -> None:
    output = load_demo()
    client = Client()

    response = sign_in(client, "demo@decider.test", "try-decider-demo")

    assert "demo@decider.test" in output
    assert "try-decider-demo" in output
    assert "6 assessments" in output
    assert (response.status_code, signed_in_user_id(client)) == (
        302,
        User.objects.get(email="demo@decider.test").pk,
    )


def test_load_demo_run_twice_creates_nothing_new() -> None:
    load_demo()

    def counts() -> list[int]:
        return [
            User.objects.count(),
            Team.objects.count(),
            Membership.objects.count(),
            Assessment.objects.count(),
            Revision.objects.count(),
        ]

    first = counts()
    output = load_demo()

    assert counts() == first
    assert "already there" in output
