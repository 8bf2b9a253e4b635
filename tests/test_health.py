"""Health endpoints: /healthz (the process answers, no database) and /readyz (the database
answers). Neither is redirected to HTTPS, reads a session, sets a cookie or may be cached.

The 503 of an unreachable database is tested against a real missing database in
``test_production.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from decider.probe import probe_host, probe_url


def test_healthz_answers_without_touching_the_database(client: Client) -> None:
    # No django_db mark: any query, even to load the session this cookie names, fails the test.
    client.cookies["sessionid"] = "a-session-that-would-need-a-query"

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert response.cookies == {}


@pytest.mark.django_db
def test_readyz_asks_the_database_one_cheap_question(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1) as queries:
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-store" in response["Cache-Control"]
    assert response.cookies == {}
    assert queries.captured_queries[0]["sql"] == "SELECT 1"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_are_not_redirected_to_https(
    client: Client, settings: Any, path: str
) -> None:
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(path).status_code == 200
    assert client.get("/accounts/login/").status_code == 301  # everything else is


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_answer_get_and_head_only(client: Client, path: str) -> None:
    head = client.head(path)

    assert (head.status_code, head.content) == (200, b"")
    assert client.post(path).status_code == 405


def test_probe_names_a_host_the_site_accepts() -> None:
    assert probe_host("decider.example.com,other.example") == "decider.example.com"
    assert probe_host(" .example.com") == "example.com"
    assert probe_host("*") == "localhost"
    assert probe_host("") == "localhost"
    assert probe_url("/readyz", "0.0.0.0:8000") == "http://127.0.0.1:8000/readyz"
    assert probe_url("/healthz", "[::]:9000") == "http://127.0.0.1:9000/healthz"
