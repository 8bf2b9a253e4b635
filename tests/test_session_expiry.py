"""Session lifetimes: a visitor's session lasts long (it holds their work), a signed-in one ends
after ``DJANGO_SESSION_IDLE_DAYS`` without activity, and activity keeps it going at the cost of
at most one session write an hour.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decider.accounts.services import create_user
from decider.middleware import IDLE_REFRESH_SECONDS

PASSWORD = "a long enough test password"
DAY = 24 * 3600

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signed_in(client: Client) -> Client:
    create_user(email="ada@example.com", password=PASSWORD)
    response = client.post(
        "/accounts/login/", {"username": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def stored_expiry(client: Client) -> timedelta:
    """How long the session row has left, as the database keeps it."""
    row = Session.objects.get(session_key=client.session.session_key)
    return row.expire_date - timezone.now()


def test_idle_timeout_defaults_to_fourteen_days(settings: Any) -> None:
    assert settings.SESSION_IDLE_SECONDS == 14 * DAY
    assert settings.SESSION_COOKIE_AGE == 365 * DAY


def test_a_visitors_session_lasts_a_year(client: Client, settings: Any) -> None:
    client.post("/assessments/new/")

    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert stored_expiry(client) > timedelta(days=364)


def test_signing_in_sets_the_idle_timeout(client: Client, settings: Any) -> None:
    response = signed_in(client).get("/teams/")

    assert response.status_code == 200
    assert client.session.get_expiry_age() == settings.SESSION_IDLE_SECONDS
    assert timedelta(days=13, hours=23) < stored_expiry(client) <= timedelta(days=14)
    assert client.cookies["sessionid"]["max-age"] == settings.SESSION_IDLE_SECONDS


def test_activity_after_an_hour_moves_the_expiry_forward(client: Client) -> None:
    signed_in(client)
    session = client.session
    session["_idle_refreshed_at"] = int(time.time()) - IDLE_REFRESH_SECONDS - 1
    session.set_expiry(3 * DAY)  # as if the last refresh had been eleven days ago
    session.save()

    client.get("/teams/")

    assert stored_expiry(client) > timedelta(days=13, hours=23)


def test_activity_within_the_hour_writes_nothing(client: Client) -> None:
    signed_in(client)
    client.get("/teams/")
    before = Session.objects.get().expire_date

    with CaptureQueriesContext(connection) as queries:
        client.get("/teams/")

    session_writes = [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")
    ]
    assert session_writes == []
    assert Session.objects.get().expire_date == before


def test_signing_out_returns_to_a_visitors_session(client: Client, settings: Any) -> None:
    signed_in(client).post("/accounts/logout/")
    client.post("/assessments/new/")

    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
