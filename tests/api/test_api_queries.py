"""N+1 guards for the API's lists: the number of queries does not grow with the rows.

Each list is read once with one row and once with many; both must take the same number of
queries. A warm-up call first takes the token's once-a-minute "last used" write out of the
count.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decider.accounts.models import Membership, Role
from decider.accounts.services import create_team
from decider.assessments.services import apply_answers, set_archived

from .conftest import Api, World, make_assessment, make_user, token_for

pytestmark = pytest.mark.django_db

MANY = 30


def queries(api: Api, path: str, params: Any = None) -> tuple[int, Any]:
    """The number of queries one GET takes, and its answer."""
    api.get("/me")  # the token's last use is noted now, not during the count
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, params)
    assert response.status_code == 200, response.content[:300]
    return len(captured), response.json()


def add_assessments(world: World, count: int) -> None:
    """``count`` assessments in the team, by different authors (so authors cannot be cached)."""
    authors = [world.users["owner"], world.users["editor"]]
    for n in range(count):
        make_assessment(world.team, authors[n % 2], use_case=f"Use case {n}")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"team": "{team}"},
        {"team": "{team}", "sort": "title"},
        {"q": "use case", "recommendation": "closed", "page_size": 100},
    ],
    ids=["all-teams", "one-team", "by-title", "filtered"],
)
def test_listing_assessments_takes_the_same_queries_for_1_or_30(
    world: World, params: dict[str, Any]
) -> None:
    api = world.api("viewer")
    params = {k: world.team.slug if v == "{team}" else v for k, v in params.items()}
    set_archived(assessment=world.assessment, archived=True)  # out of every list here
    add_assessments(world, 1)
    one, listed_one = queries(api, "/assessments", params)
    add_assessments(world, MANY - 1)

    many, listed_many = queries(api, "/assessments", {**params, "page_size": 100})

    assert (len(listed_one["items"]), len(listed_many["items"])) == (1, MANY)
    assert many == one


def test_listing_assessments_takes_few_queries(world: World) -> None:
    add_assessments(world, MANY - 1)

    count, data = queries(world.api("viewer"), "/assessments", {"page_size": 100})

    assert len(data["items"]) == MANY
    # Token and user, the caller's teams for the filter, the count, the page.
    assert count <= 4


def test_revisions_take_the_same_queries_for_1_or_many(world: World) -> None:
    api = world.api("viewer")
    path = f"/assessments/{world.assessment.id}/revisions"
    one, _ = queries(api, path)
    authors = [world.users["owner"], world.users["editor"]]
    for n in range(10):  # alternating authors: each save is its own revision
        apply_answers(
            assessment=world.assessment,
            changes={"monthly_requests": 1000 + n},
            author=authors[n % 2],
        )

    many, data = queries(api, path)

    assert len(data) == 11
    assert many == one


def test_teams_take_the_same_queries_for_1_or_many(world: World) -> None:
    newcomer = make_user("newcomer@example.com")
    api = Api(token_for(newcomer))
    one, _ = queries(api, "/teams")
    for n in range(10):
        team = create_team(name=f"Team {n}", owner=world.users["owner"])
        Membership.objects.create(team=team, user=newcomer, role=Role.VIEWER)

    many, data = queries(api, "/teams")
    me, _ = queries(api, "/me")

    assert len(data) == 11
    assert many == one
    assert me == one


def test_comparing_four_takes_one_more_query_per_item_than_two(world: World) -> None:
    owner = world.users["owner"]
    others = [make_assessment(world.team, owner, use_case=f"Other {n}") for n in range(3)]
    api = world.api("viewer")
    ids = [str(world.assessment.id), *(str(a.id) for a in others)]

    two, _ = queries(api, "/compare", {"item": ids[:2]})
    four, _ = queries(api, "/compare", {"item": ids})

    # Each item costs its access check (the assessment with the caller's role), no more.
    assert four - two == 2 * 1
