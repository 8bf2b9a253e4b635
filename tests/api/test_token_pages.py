"""The API tokens page: who may see it, making a token (shown once, stored hashed), revoking.

Two people, each with tokens of their own: a page lists only its visitor's tokens, and one
person's token id is 404 to the other, so an id reveals nothing. Tokens are made through the
domain function the page uses (``create_token``); the API is asked through Django's test
client, as a program would ask it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from decider.accounts.models import User
from decider.accounts.services import create_user
from decider.api import tokens as token_service
from decider.api.models import ApiToken
from tests.markup import Page, text_of

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough test password"
URL = "/account/api-tokens/"
NAME_REQUIRED = "Name: Enter a name for the token, e.g. “CI check”."


# ---------------------------------------------------------------------- factories


def make_user(email: str) -> User:
    return create_user(email=email, password=PASSWORD)


def make_token(user: User, name: str = "CI check", expiry: str = "90") -> tuple[ApiToken, str]:
    return token_service.create_token(user=user, name=name, expiry=expiry)


def signed_in(user: User, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


def revoke_url(token: ApiToken) -> str:
    return f"/account/api-tokens/{token.pk}/revoke/"


def me_status(secret: str) -> int:
    """What GET /api/v1/me answers a program that sends this token."""
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code


def cells(row: Any) -> list[str]:
    return [text_of(cell) for cell in row.findall("td")]


def listed_names(response: Any) -> list[str]:
    return [cells(row)[0] for row in Page(response).find_all(".//table/tbody/tr")]


def csrf_token_of(response: Any, action: str) -> str:
    """The CSRF token in the page's form that posts to ``action`` ("" for the page itself)."""
    for form in Page(response).find_all(".//form"):
        if form.get("action", "") == action:
            field = form.find(".//input[@name='csrfmiddlewaretoken']")
            assert field is not None
            return field.get("value", "")
    raise AssertionError(f"no form posting to {action!r}")


@pytest.fixture(autouse=True)
def quick_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def owner() -> User:
    return make_user("owner@example.com")


@pytest.fixture
def outsider() -> User:
    return make_user("outsider@example.com")


# ---------------------------------------------------------------------- who may see the page


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", URL), ("post", URL), ("get", f"{URL}?revoke=1"), ("post", f"{URL}1/revoke/")],
)
def test_token_pages_send_anonymous_visitors_to_sign_in(method: str, path: str) -> None:
    response = getattr(Client(), method)(path, {"name": "CI"} if method == "post" else None)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert ApiToken.objects.count() == 0


def test_tokens_page_lists_only_the_visitors_own_tokens(owner: User, outsider: User) -> None:
    make_token(owner, "Nightly export")
    make_token(owner, "CI check")
    make_token(outsider, "Someone else's script")

    response = signed_in(owner).get(URL)

    assert response.status_code == 200
    assert listed_names(response) == ["CI check", "Nightly export"]
    assert "Someone else" not in response.content.decode()


def test_tokens_page_shows_each_tokens_prefix_dates_and_state(owner: User) -> None:
    active, _ = make_token(owner, "Active one")
    expired, _ = make_token(owner, "Expired one", expiry="30")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    revoked, _ = make_token(owner, "Revoked one", expiry="never")
    token_service.revoke_token(revoked)

    page = Page(signed_in(owner).get(URL))

    rows = {cells(row)[0]: cells(row) for row in page.find_all(".//table/tbody/tr")}
    # name, state, starts with, created, expires, last used, action
    assert rows["Active one"][1:3] == ["Active", f"{active.prefix}…"]
    assert rows["Active one"][5:] == ["Not yet", "Revoke… Active one"]
    assert rows["Expired one"][1] == "Expired"
    assert rows["Expired one"][6] == ""
    assert rows["Revoked one"][1] == f"Revoked {timezone.localdate():%-d %b %Y}"
    assert rows["Revoked one"][4] == "Never"
    assert rows["Revoked one"][6] == ""


def test_tokens_page_has_no_list_when_there_are_no_tokens(owner: User) -> None:
    page = Page(signed_in(owner).get(URL))

    assert page.find_all(".//table") == []
    assert "You have no API tokens yet." in page.text


def test_navigation_links_to_the_tokens_page_when_signed_in(owner: User) -> None:
    nav = Page(signed_in(owner).get("/teams/")).find(".//nav[@aria-label='Account']")
    anonymous_nav = Page(Client().get("/")).find(".//nav[@aria-label='Account']")

    assert [a.get("href") for a in nav.findall("a")] == ["/teams/", URL]
    assert URL not in [a.get("href") for a in anonymous_nav.findall("a")]


@pytest.mark.parametrize("count", [1, 6])
def test_tokens_page_queries_do_not_grow_with_tokens(
    owner: User, django_assert_num_queries: Any, count: int
) -> None:
    for n in range(count):
        make_token(owner, f"Token {n}")
    client = signed_in(owner)

    # session, user, the tokens
    with django_assert_num_queries(3):
        response = client.get(URL)

    assert len(listed_names(response)) == count


# ---------------------------------------------------------------------- making a token


def test_making_a_token_stores_only_its_hash_and_shows_the_secret_once(owner: User) -> None:
    client = signed_in(owner)

    response = client.post(URL, {"name": "  CI check  ", "expiry": "30"})

    assert (response.status_code, response["Location"]) == (302, URL)
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (owner, "CI check")
    assert token.expires_at is not None
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)

    page = Page(client.get(URL))
    secret = page.by_id("new-token-value").get("value", "")
    assert re.fullmatch(r"dcd_[A-Za-z0-9_-]{43}", secret)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:10]
    stored = ApiToken.objects.filter(pk=token.pk).values_list().get()
    assert not any(secret in str(value) for value in stored)
    assert text_of(page.by_id("new-token-heading")) == "Your new token “CI check”"
    assert text_of(page.by_id("new-token-curl")) == (
        f'curl -s -H "Authorization: Bearer {secret}" http://testserver/api/v1/me'
    )
    assert me_status(secret) == 200

    reloaded = client.get(URL)

    assert secret not in reloaded.content.decode()
    assert Page(reloaded).find_all(".//*[@id='new-token-value']") == []
    assert listed_names(reloaded) == ["CI check"]


@pytest.mark.parametrize(
    ("expiry", "days"), [("30", 30), ("90", 90), ("365", 365), ("never", None)]
)
def test_making_a_token_offers_each_expiry(owner: User, expiry: str, days: int | None) -> None:
    signed_in(owner).post(URL, {"name": "CI", "expiry": expiry})

    expires_at = ApiToken.objects.get().expires_at
    if days is None:
        assert expires_at is None
    else:
        assert expires_at is not None
        assert abs(expires_at - (timezone.now() + timedelta(days=days))) < timedelta(minutes=1)


def test_expiry_choices_are_30_90_365_days_and_never(owner: User) -> None:
    select = Page(signed_in(owner).get(URL)).by_id("id_expiry")

    options = [(o.get("value"), text_of(o)) for o in select.findall("option")]
    assert options == [
        ("30", "30 days"),
        ("90", "90 days"),
        ("365", "1 year"),
        ("never", "No expiry"),
    ]
    assert [o.get("value") for o in select.findall("option") if "selected" in o.attrib] == ["90"]


@pytest.mark.parametrize("name", ["", "   "])
def test_making_a_token_without_a_name_is_refused_and_says_why(owner: User, name: str) -> None:
    response = signed_in(owner).post(URL, {"name": name, "expiry": "90"})

    assert response.status_code == 422
    assert ApiToken.objects.count() == 0
    page = Page(response)
    summary = page.find(".//div[@role='alert']")
    assert [text_of(li) for li in summary.findall(".//li")] == [NAME_REQUIRED]
    assert summary.find(".//a").get("href") == "#id_name"  # type: ignore[union-attr]
    field = page.by_id("id_name")
    assert field.get("aria-invalid") == "true"
    assert "autofocus" in field.attrib
    marked = page.find(".//div[@class='form-field has-error']")
    assert [e.get("id") for e in marked.iter("input")] == ["id_name"]


def test_making_a_token_with_an_unknown_expiry_is_refused(owner: User) -> None:
    response = signed_in(owner).post(URL, {"name": "CI", "expiry": "7"})

    assert response.status_code == 422
    assert ApiToken.objects.count() == 0
    assert "Expires after: Choose when the token expires from the list." in Page(response).text


# ---------------------------------------------------------------------- revoking


def test_revoking_asks_first_on_a_page_of_its_own(owner: User) -> None:
    token, secret = make_token(owner, "Nightly export")

    response = signed_in(owner).get(f"{URL}?revoke={token.pk}")

    assert response.status_code == 200
    page = Page(response)
    assert text_of(page.find(".//h1")) == "Revoke “Nightly export”?"
    form = page.find(".//form[@action='" + revoke_url(token) + "']")
    assert form.get("method") == "post"
    assert [text_of(b) for b in form.findall(".//button")] == ["Revoke the token"]
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert me_status(secret) == 200


def test_revoking_a_token_refuses_it_at_once(owner: User) -> None:
    token, secret = make_token(owner)
    client = signed_in(owner)
    assert me_status(secret) == 200

    response = client.post(revoke_url(token))

    assert (response.status_code, response["Location"]) == (302, URL)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert me_status(secret) == 401
    page = Page(client.get(URL))
    assert text_of(page.find(".//ul[@class='messages']")) == (
        "Token “CI check” revoked: programs using it are now refused."
    )


def test_revoking_another_persons_token_is_404_and_changes_nothing(
    owner: User, outsider: User
) -> None:
    token, secret = make_token(owner)
    client = signed_in(outsider)

    assert client.post(revoke_url(token)).status_code == 404
    assert client.get(f"{URL}?revoke={token.pk}").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert me_status(secret) == 200


@pytest.mark.parametrize("revoke", ["999999", "abc", "", "1e3", "99999999999999999999"])
def test_asking_to_revoke_a_token_that_does_not_exist_is_404(owner: User, revoke: str) -> None:
    assert signed_in(owner).get(f"{URL}?revoke={revoke}").status_code == 404


def test_asking_to_revoke_a_revoked_token_goes_back_to_the_list(owner: User) -> None:
    token, _ = make_token(owner)
    token_service.revoke_token(token)

    response = signed_in(owner).get(f"{URL}?revoke={token.pk}")

    assert (response.status_code, response["Location"]) == (302, URL)


def test_revoking_needs_a_post(owner: User) -> None:
    token, secret = make_token(owner)

    response = signed_in(owner).get(revoke_url(token))

    assert response.status_code == 405
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert me_status(secret) == 200


# ---------------------------------------------------------------------- CSRF


def test_making_a_token_needs_the_csrf_token(owner: User) -> None:
    client = signed_in(owner, enforce_csrf_checks=True)

    refused = client.post(URL, {"name": "CI", "expiry": "90"})

    assert refused.status_code == 403
    assert ApiToken.objects.count() == 0

    csrf = csrf_token_of(client.get(URL), "")
    accepted = client.post(URL, {"name": "CI", "expiry": "90", "csrfmiddlewaretoken": csrf})

    assert accepted.status_code == 302
    assert ApiToken.objects.count() == 1


def test_revoking_a_token_needs_the_csrf_token(owner: User) -> None:
    token, secret = make_token(owner)
    client = signed_in(owner, enforce_csrf_checks=True)

    refused = client.post(revoke_url(token))

    assert refused.status_code == 403
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    csrf = csrf_token_of(client.get(f"{URL}?revoke={token.pk}"), revoke_url(token))
    accepted = client.post(revoke_url(token), {"csrfmiddlewaretoken": csrf})

    assert accepted.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert me_status(secret) == 401
