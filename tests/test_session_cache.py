"""Sessions through a shared Redis cache (``DJANGO_CACHE_URL``), kept in the database.

With a cache URL, a signed-in request reads its session from Redis instead of the database,
every change is written to both, and a sign-out removes both. The cache may be flushed,
restarted or unreachable without anyone losing their session or their work: the database is
always read instead. A cached copy lives at most ``SESSION_CACHE_SECONDS``.

These tests use a real Redis: ``DECIDER_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/15``,
which .ci/run starts and names). Unreachable, they fail when the variable is set and are skipped
when it is not.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client

from decider.accounts.services import create_user
from decider.sessions import SessionStore

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough test password"


@pytest.fixture(autouse=True)
def quick_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def cached_keys(client: redis.Redis, prefix: str) -> list[str]:
    keys: list[bytes] = list(client.scan_iter(f"{prefix}:*"))
    return sorted(k.decode() for k in keys)


def sign_in(email: str = "ada@example.com") -> Client:
    create_user(email=email, password=PASSWORD, name="Ada")
    browser = Client()
    answer = browser.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert answer.status_code == 302, answer.content[:500]
    return browser


def is_signed_in(browser: Client) -> bool:
    answer = browser.get("/teams/")
    return answer.status_code == 200


def test_settings_choose_the_cached_store_only_with_a_cache_url() -> None:
    # The test settings have no DJANGO_CACHE_URL: sessions live in the database alone.
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.CACHES["default"]["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )


def test_a_signed_in_session_is_read_from_redis_not_the_database(
    shared_cache: str, redis_client: redis.Redis, django_assert_num_queries: Any
) -> None:
    browser = sign_in()
    assert is_signed_in(browser)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    [cached] = cached_keys(redis_client, shared_cache)
    assert cached.endswith(f"django.contrib.sessions.cached_db{key}")
    assert 0 < redis_client.ttl(cached) <= settings.SESSION_CACHE_SECONDS
    assert Session.objects.filter(session_key=key).exists()

    # Reading it again costs no session query: the team page's own queries only.
    with django_assert_num_queries(2) as captured:  # the user, and the teams
        assert is_signed_in(browser)
    assert not [q for q in captured.captured_queries if "django_session" in q["sql"]]


def test_a_flushed_cache_loses_no_session(shared_cache: str, redis_client: redis.Redis) -> None:
    browser = sign_in()
    for key in cached_keys(redis_client, shared_cache):
        redis_client.delete(key)

    assert is_signed_in(browser)  # read from the database
    assert len(cached_keys(redis_client, shared_cache)) == 1  # and cached again


def test_signing_out_ends_the_session_for_every_process_at_once(
    shared_cache: str, redis_client: redis.Redis
) -> None:
    browser = sign_in()
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    elsewhere = Client()  # the same cookie, as another process or machine would receive it
    elsewhere.cookies[settings.SESSION_COOKIE_NAME] = key
    assert is_signed_in(elsewhere)

    browser.post("/accounts/logout/")

    assert cached_keys(redis_client, shared_cache) == []
    assert not Session.objects.filter(session_key=key).exists()
    assert not is_signed_in(elsewhere)


def test_a_visitors_work_survives_a_flushed_cache(
    shared_cache: str, redis_client: redis.Redis
) -> None:
    browser = Client()
    started = browser.post("/assessments/new/")
    assert started.status_code == 302
    url = started["Location"]
    for key in cached_keys(redis_client, shared_cache):
        redis_client.delete(key)

    assert browser.get(url).status_code == 200  # still this browser's assessment


def test_an_unreachable_cache_costs_speed_not_service(
    unreachable_cache: None, caplog: pytest.LogCaptureFixture
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caplog.set_level(logging.WARNING, logger="decider.sessions")

    browser = sign_in()
    assert is_signed_in(browser)
    browser.post("/accounts/logout/")
    assert not is_signed_in(browser)

    assert Session.objects.count() == 0
    assert any("session cache unreachable" in r.getMessage() for r in caplog.records)


def test_the_store_caps_the_cached_copys_lifetime(shared_cache: str) -> None:
    store = SessionStore()
    store["visitor"] = "v-1"
    store.set_expiry(365 * 24 * 3600)
    store.save(must_create=True)

    cached = caches["default"].get(store.cache_key)
    assert cached == {"visitor": "v-1", "_session_expiry": 365 * 24 * 3600}
    assert store._cache_seconds() == settings.SESSION_CACHE_SECONDS
