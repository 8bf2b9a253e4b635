"""N+1 guards: every page and fragment runs a fixed, small number of queries.

The numbers are what the views need: the session row, the assessment row, and a write where
the request changes something (inside a savepoint when it saves answers). They must not grow
with the number of assessments listed or questions answered.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from decider.assessments.models import Assessment
from tests.factories import as_visitor, make_assessment, scenario_answers

HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(client: Client) -> Client:
    return as_visitor(client)


@pytest.fixture(params=["few-answers", "many-answers"])
def assessment(request: pytest.FixtureRequest) -> Assessment:
    """An assessment with one answer given, or with a whole article scenario, on step one."""
    answers = (
        {"stage": "production"}
        if request.param == "few-answers"
        else scenario_answers("support chatbot")
    )
    made = make_assessment(**answers)
    Assessment.objects.filter(pk=made.pk).update(current_step="workload")
    made.current_step = "workload"
    return made


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 20])
def test_home_queries_do_not_grow_with_recent_assessments(
    owner: Client, django_assert_num_queries: Any, count: int
) -> None:
    for n in range(count):
        make_assessment(use_case=f"Assessment {n}")

    with django_assert_num_queries(2):  # session, recent assessments
        response = owner.get("/")

    assert response.status_code == 200


@pytest.mark.django_db
def test_step_page_queries_are_fixed(
    owner: Client, assessment: Assessment, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):  # session, assessment
        same_step = owner.get(f"/a/{assessment.id}/workload/")
    with django_assert_num_queries(3):  # and the new current step
        new_step = owner.get(f"/a/{assessment.id}/risk/")

    assert (same_step.status_code, new_step.status_code) == (200, 200)


@pytest.mark.django_db
def test_step_post_queries_are_fixed(
    owner: Client, assessment: Assessment, django_assert_num_queries: Any
) -> None:
    # session, assessment, then the answers in a savepoint (savepoint, locked re-read,
    # update, latest revision, new or folded revision, release), then the new current step
    with django_assert_num_queries(9):
        response = owner.post(
            f"/a/{assessment.id}/workload/", {"stage": "core_product", "go": "next"}
        )

    assert response.status_code == 302


@pytest.mark.django_db
def test_review_queries_are_fixed(
    owner: Client, assessment: Assessment, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):  # session, assessment, the new current step
        first = owner.get(f"/a/{assessment.id}/review/")
    with django_assert_num_queries(2):  # already there: no write
        again = owner.get(f"/a/{assessment.id}/review/")

    assert (first.status_code, again.status_code) == (200, 200)


@pytest.mark.django_db
def test_report_queries_are_fixed(
    owner: Client, assessment: Assessment, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):  # session, assessment
        response = owner.get(f"/a/{assessment.id}/report/")

    assert response.status_code == 200


@pytest.mark.django_db
def test_autosave_queries_are_fixed(
    owner: Client, assessment: Assessment, django_assert_num_queries: Any
) -> None:
    # session; in the view's savepoint (the test's stand-in for its transaction): the
    # assessment read under its lock, the update, the latest revision, the new or folded one
    with django_assert_num_queries(7):
        response = owner.post(
            f"/a/{assessment.id}/answer/", {"stage": "core_product"}, headers=HTMX
        )

    assert response.status_code == 200


@pytest.mark.django_db
def test_what_if_queries_are_fixed(
    owner: Client, assessment: Assessment, django_assert_num_queries: Any
) -> None:
    url = f"/a/{assessment.id}/report/what-if/"
    with django_assert_num_queries(2):  # session, assessment: nothing is written
        preview = owner.post(url, {"gpu_access": "owned_hardware"}, headers=HTMX)
    with django_assert_num_queries(8):  # and the answers in a savepoint (6)
        save = owner.post(url, {"gpu_access": "owned_hardware", "action": "save"}, headers=HTMX)

    assert (preview.status_code, save.status_code) == (200, 200)
