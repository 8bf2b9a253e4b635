"""Rendered fragments cached by content (decider/fragments.py): a hit shows exactly what a fresh
render shows, and a change to anything a fragment shows is a different entry, never a stale one.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.test import Client

from decider.assessments import services
from decider.fragments import CACHE_ALIAS, fragment_key
from tests.factories import as_visitor, make_assessment, scenario_answers

pytestmark = pytest.mark.django_db

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')
_NONCE = re.compile(r'nonce="[^"]+"')


@pytest.fixture(autouse=True)
def empty_cache():
    caches[CACHE_ALIAS].clear()
    yield
    caches[CACHE_ALIAS].clear()


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    # Per-request tokens differ on every page; everything else must be byte for byte the same.
    return _NONCE.sub("nonce", _CSRF.sub("csrf", response.text))


def test_a_cached_report_is_the_page_a_fresh_render_gives(client):
    assessment = make_assessment(**scenario_answers("chatbot"))
    as_visitor(client)
    url = f"/a/{assessment.id}/report/"
    fresh = page(client, url)
    assert len(caches[CACHE_ALIAS]._cache) == 2  # type: ignore[attr-defined]  # body and form
    assert page(client, url) == fresh
    caches[CACHE_ALIAS].clear()
    assert page(client, url) == fresh


def test_a_saved_answer_changes_the_report_at_once(client):
    assessment = make_assessment(stage="prototype")
    as_visitor(client)
    url = f"/a/{assessment.id}/report/"
    before = page(client, url)
    services.apply_answers(
        assessment=assessment, changes={"data_residency": "air_gapped", "stage": "production"}
    )
    after = page(client, url)
    assert 'data-recommendation="open"' in after
    assert after != before
    assert 'value="air_gapped" selected' in after  # the what-if form shows the saved answer


def test_keys_name_every_input():
    base = fragment_key("report_body", [{"stage": "pilot"}, "sha", "2026-11-29T10:00"])
    assert base == fragment_key("report_body", [{"stage": "pilot"}, "sha", "2026-11-29T10:00"])
    assert base != fragment_key("report_body", [{"stage": "production"}, "sha", "2026-11-29T10:00"])
    assert base != fragment_key("report_body", [{"stage": "pilot"}, "sha2", "2026-11-29T10:00"])
    assert base != fragment_key("what_if_fields", [{"stage": "pilot"}, "sha", "2026-11-29T10:00"])


def test_a_cached_comparison_follows_a_renamed_item(client, django_user_model):
    first = make_assessment(stage="prototype")
    second = make_assessment(stage="production")
    as_visitor(client)
    url = f"/compare/?a={first.id}&a={second.id}"
    before = page(client, url)
    assert page(client, url) == before
    first.name = "Renamed pilot"
    first.save(update_fields=["name"])
    assert "Renamed pilot" in page(client, url)


def test_cached_list_rows_follow_every_change_they_show(client, settings):
    from decider.accounts.services import create_team, create_user

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    owner = create_user(email="rows@example.com", password="a long enough password")
    team = create_team(name="Rows team", owner=owner)
    assessment = services.start_assessment(
        visitor="v", team=team, author=owner, answers={"stage": "pilot"}
    )
    client.force_login(owner)
    url = f"/teams/{team.slug}/assessments/"
    first = page(client, url)
    assert page(client, url) == first

    services.update_details(assessment=assessment, name="Renamed row", status="accepted")
    renamed = page(client, url)
    assert "Renamed row" in renamed
    assert "Accepted" in renamed

    services.apply_answers(
        assessment=assessment, changes={"data_residency": "air_gapped"}, author=owner
    )
    assert 'class="rec-tag rec-open"' in page(client, url)
