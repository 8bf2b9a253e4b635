"""Who may see an assessment, and with which methods.

An assessment belongs to the browser that started it (a visitor token in its session). Every
``/a/<id>/...`` URL answers 404 to any other browser, to a browser with no session or a session
without the token, and for an id that does not exist: others' ids are not even confirmed, and
nothing they send is saved.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from decider.assessments.models import Assessment
from tests.factories import as_visitor, make_assessment
from tests.markup import Page

HTMX = {"HX-Request": "true"}

# (method, path under /a/<id>/, data, headers, what the owner gets)
REQUESTS = [
    ("get", "", {}, {}, 302),
    ("get", "workload/", {}, {}, 200),
    ("get", "priorities/", {}, {}, 200),
    ("get", "no-such-step/", {}, {}, 302),
    ("post", "workload/", {"stage": "production", "go": "next"}, {}, 302),
    ("post", "answer/", {"stage": "production"}, HTMX, 200),
    ("get", "review/", {}, {}, 200),
    ("get", "report/", {}, {}, 200),
    ("post", "report/what-if/", {"vendor_terms_ok": "no"}, {}, 200),
    ("post", "report/what-if/", {"vendor_terms_ok": "no"}, HTMX, 200),
    ("post", "report/what-if/", {"vendor_terms_ok": "no", "action": "save"}, {}, 302),
    ("post", "report/what-if/", {"vendor_terms_ok": "no", "action": "save"}, HTMX, 200),
]
REQUEST_IDS = [
    f"{method}-{path or 'resume'}{'-htmx' if headers else ''}{'-save' if 'action' in data else ''}"
    for method, path, data, headers, _ in REQUESTS
]


def other_visitor() -> Client:
    return as_visitor(Client(), "v-other")


def no_session() -> Client:
    return Client()


def session_without_token() -> Client:
    client = Client()
    session = client.session
    session["seen_home"] = True
    session.save()
    return client


OUTSIDERS = {
    "other-visitor": other_visitor,
    "no-session": no_session,
    "session-without-token": session_without_token,
}


def saved_state(assessment: Assessment) -> dict[str, Any]:
    row = Assessment.objects.get(pk=assessment.pk)
    return {
        "answers": row.answers,
        "answered": row.answered,
        "current_step": row.current_step,
        "revision": row.revision,
        "updated_at": row.updated_at,
    }


def send(client: Client, method: str, url: str, data: dict[str, str], headers: dict[str, str]):
    return getattr(client, method)(url, data, headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize(("method", "path", "data", "headers", "_owner"), REQUESTS, ids=REQUEST_IDS)
def test_assessment_urls_are_not_found_for_anyone_but_its_browser(
    outsider: str,
    method: str,
    path: str,
    data: dict[str, str],
    headers: dict[str, str],
    _owner: int,
) -> None:
    assessment = make_assessment()
    before = saved_state(assessment)
    client = OUTSIDERS[outsider]()

    response = send(client, method, f"/a/{assessment.id}/{path}", data, headers)

    assert response.status_code == 404
    assert saved_state(assessment) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "data", "headers", "owner_status"), REQUESTS, ids=REQUEST_IDS
)
def test_assessment_urls_serve_the_browser_that_owns_it(
    client: Client,
    method: str,
    path: str,
    data: dict[str, str],
    headers: dict[str, str],
    owner_status: int,
) -> None:
    # The other side of the permission matrix: the same requests do reach the owner.
    assessment = make_assessment()

    response = send(as_visitor(client), method, f"/a/{assessment.id}/{path}", data, headers)

    assert response.status_code == owner_status


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "data", "headers", "_owner"), REQUESTS, ids=REQUEST_IDS)
def test_assessment_urls_are_not_found_for_an_id_that_does_not_exist(
    client: Client,
    method: str,
    path: str,
    data: dict[str, str],
    headers: dict[str, str],
    _owner: int,
) -> None:
    make_assessment()

    response = send(as_visitor(client), method, f"/a/{uuid.uuid4()}/{path}", data, headers)

    assert response.status_code == 404
    assert Assessment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/a/not-a-uuid/", "/a/123/report/", "/a/00000000-0000-0000-0000-00000000000g/report/"]
)
def test_assessment_urls_are_not_found_for_a_malformed_id(client: Client, path: str) -> None:
    assert as_visitor(client).get(path).status_code == 404


@pytest.mark.django_db
def test_an_assessment_started_in_one_browser_is_not_found_in_another() -> None:
    first, second = Client(), Client()
    location = first.post("/assessments/new/")["Location"]
    second.post("/assessments/new/")  # a visitor of its own

    assert first.get(location).status_code == 200
    assert second.get(location).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", "", "GET"),
        ("put", "", "GET"),
        ("get", "answer/", "POST"),
        ("put", "answer/", "POST"),
        ("post", "review/", "GET"),
        ("post", "report/", "GET"),
        ("delete", "report/", "GET"),
        ("get", "report/what-if/", "POST"),
        ("put", "workload/", "GET, POST"),
        ("patch", "workload/", "GET, POST"),
        ("delete", "priorities/", "GET, POST"),
    ],
)
def test_assessment_urls_refuse_other_methods(
    client: Client, method: str, path: str, allowed: str
) -> None:
    assessment = make_assessment()
    before = saved_state(assessment)

    response = getattr(as_visitor(client), method)(f"/a/{assessment.id}/{path}")

    assert (response.status_code, response["Allow"]) == (405, allowed)
    assert saved_state(assessment) == before


@pytest.mark.django_db
def test_starting_an_assessment_refuses_get(client: Client) -> None:
    response = client.get("/assessments/new/")

    assert (response.status_code, response["Allow"]) == (405, "POST")
    assert Assessment.objects.count() == 0


@pytest.mark.django_db
def test_autosave_is_accepted_with_the_csrf_token_the_page_gives_htmx() -> None:
    browser = as_visitor(Client(enforce_csrf_checks=True))
    assessment = make_assessment()
    page = Page(browser.get(f"/a/{assessment.id}/workload/"))
    htmx_headers = json.loads(page.find(".//body").get("hx-headers", ""))
    url = f"/a/{assessment.id}/answer/"

    without = browser.post(url, {"stage": "production"}, headers=HTMX)
    unchanged = Assessment.objects.get(pk=assessment.pk).answers["stage"]
    with_token = browser.post(url, {"stage": "production"}, headers={**HTMX, **htmx_headers})

    # Refused without the token: nothing saved, and htmx is told to reload the page (a fresh
    # token) rather than failing silently.
    assert (without.status_code, without.headers.get("HX-Refresh")) == (200, "true")
    assert unchanged == assessment.answers["stage"] != "production"
    assert with_token.status_code == 200
    assert Assessment.objects.get(pk=assessment.pk).answers["stage"] == "production"
