"""The home page: what Decider does and the worked examples, assessed live."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from decider.engine import assess
from decider.engine.examples import examples


@pytest.mark.django_db
def test_home_shows_every_example_with_its_live_recommendation(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    shown = re.findall(r'data-recommendation="(\w+)"', html)
    assert shown == [assess(e["answers"])["recommendation"] for e in examples()]
    for example in examples():
        assert example["name"] in html
    assert "Data control" in html


@pytest.mark.django_db
def test_home_is_served_under_a_strict_csp(client: Client) -> None:
    response = client.get("/")

    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    assert f'nonce="{nonce.group(1)}"' in response.content.decode()


@pytest.mark.django_db
def test_home_rejects_other_methods(client: Client) -> None:
    assert client.post("/").status_code == 405


@pytest.mark.django_db
def test_home_runs_no_queries(client: Client, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        client.get("/")
