"""The team's assessment list, an assessment's history and the comparison page.

N+1 guards first: each page runs the same, exact number of queries whatever the number of
assessments listed (1, 20, or 25 over two pages), revisions in the history, or assessments and
revisions behind a comparison. Then what the list shows: search, filters, sorts and pages
give the right titles, and the caption counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from decider.accounts.models import Membership, Role, Team, User
from decider.accounts.services import create_team, create_user
from decider.assessments.comparison import MAX_ITEMS
from decider.assessments.models import Assessment, Revision, Status
from decider.assessments.services import (
    apply_answers,
    set_archived,
    start_assessment,
    update_details,
)
from decider.engine.labels import labels
from tests.factories import scenario_answers
from tests.markup import Page, text_of

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough test password"
START = timezone.make_aware(datetime(2025, 3, 1, 9, 0))


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Hashing every test user's password the production way would take most of the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---------------------------------------------------------------------- factories


@dataclass(frozen=True)
class Crew:
    team: Team
    owner: User
    editor: User
    client: Client  # the owner's browser


@pytest.fixture
def crew() -> Crew:
    owner = create_user(email="owner@example.com", password=PASSWORD, name="Olga Owner")
    editor = create_user(email="editor@example.com", password=PASSWORD, name="Eddie Editor")
    team = create_team(name="Platform team", owner=owner)
    Membership.objects.create(team=team, user=editor, role=Role.EDITOR)
    client = Client()
    client.force_login(owner)
    return Crew(team=team, owner=owner, editor=editor, client=client)


def make_assessment(
    crew: Crew,
    use_case: str,
    *,
    name: str = "",
    scenario: str = "support chatbot",
    author: User | None = None,
    minutes: int = 0,
    **answers: Any,
) -> Assessment:
    """A team assessment from an article scenario, last changed ``minutes`` after START."""
    made = start_assessment(
        visitor="v-team",
        team=crew.team,
        author=author or crew.owner,
        name=name,
        answers={**scenario_answers(scenario), "use_case": use_case, **answers},
    )
    changed_at = START + timedelta(minutes=minutes)
    Assessment.objects.filter(pk=made.pk).update(updated_at=changed_at)
    made.updated_at = changed_at
    return made


def make_many(crew: Crew, count: int) -> list[Assessment]:
    return [make_assessment(crew, f"Support chatbot {n:02}", minutes=n) for n in range(count)]


def list_url(crew: Crew, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/teams/{crew.team.slug}/assessments/" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Listing:
    caption: str
    titles: list[str]
    rows: list[list[str]]  # every cell's text, row by row
    page: Page


def listing(crew: Crew, **params: str) -> Listing:
    response = crew.client.get(list_url(crew, **params))
    assert response.status_code == 200
    page = Page(response)
    rows = [
        [text_of(cell) for cell in row.findall("td")]
        for row in page.find_all(".//table[@class='assessment-table']/tbody/tr")
    ]
    titles = [cells[1] for cells in rows if len(cells) > 1]
    caption = text_of(page.find(".//table[@class='assessment-table']/caption"))
    return Listing(caption=caption, titles=titles, rows=rows, page=page)


# ---------------------------------------------------------------------- N+1 guards


def list_filters(crew: Crew, made: list[Assessment]) -> dict[str, dict[str, str]]:
    """Each filter, set so that every assessment made matches it."""
    return {
        "none": {},
        "q": {"q": "chatbot"},
        "recommendation": {"recommendation": made[0].recommendation},
        "stage": {"stage": "production"},
        "status": {"status": Status.DRAFT},
        "author": {"author": str(crew.owner.pk)},
        "sort-title": {"sort": "title"},
        "sort-confidence": {"sort": "confidence"},
        "all-at-once": {"q": "chatbot", "stage": "production", "sort": "oldest"},
        "page-2": {"page": "2"},
    }


FILTER_NAMES = [
    "none",
    "q",
    "recommendation",
    "stage",
    "status",
    "author",
    "sort-title",
    "sort-confidence",
    "all-at-once",
    "page-2",
]


@pytest.mark.parametrize("count", [1, 20, 25])
@pytest.mark.parametrize("filters", FILTER_NAMES)
def test_team_list_queries_do_not_grow_with_assessments(
    crew: Crew, django_assert_num_queries: Any, count: int, filters: str
) -> None:
    made = make_many(crew, count)
    params = list_filters(crew, made)[filters]

    # session, user, membership with its team, count, the team's members, the page's rows
    with django_assert_num_queries(6):
        response = crew.client.get(list_url(crew, **params))

    assert response.status_code == 200


def test_team_list_queries_with_archived_shown(crew: Crew, django_assert_num_queries: Any) -> None:
    for assessment in make_many(crew, 20):
        set_archived(assessment=assessment, archived=True)

    with django_assert_num_queries(6):
        response = crew.client.get(list_url(crew, archived="1"))

    assert response.status_code == 200
    assert len(listing(crew, archived="1").titles) == 20


def make_history(crew: Crew, revisions: int) -> Assessment:
    """An assessment with this many revisions: saves by two people in turn never fold."""
    assessment = make_assessment(crew, "Support chatbot")
    for n in range(revisions - 1):
        author = crew.editor if n % 2 == 0 else crew.owner
        apply_answers(assessment=assessment, changes={"monthly_requests": 1000 + n}, author=author)
    assert Revision.objects.filter(assessment=assessment).count() == revisions
    return assessment


@pytest.mark.parametrize("count", [1, 20])
def test_history_queries_do_not_grow_with_revisions(
    crew: Crew, django_assert_num_queries: Any, count: int
) -> None:
    assessment = make_history(crew, count)

    # session, user, assessment with its team and the caller's role, revisions with authors
    with django_assert_num_queries(4):
        response = crew.client.get(f"/a/{assessment.id}/history/")

    assert response.status_code == 200
    rows = Page(response).find_all(".//table[@class='assessment-table']/tbody/tr")
    assert len(rows) == count


def test_history_lists_each_revision_with_its_author(crew: Crew) -> None:
    assessment = make_history(crew, 3)

    response = crew.client.get(f"/a/{assessment.id}/history/")

    rows = Page(response).find_all(".//table[@class='assessment-table']/tbody/tr")
    cells = [[text_of(cell) for cell in row.findall("td")] for row in rows]
    assert [(c[1], c[3]) for c in cells] == [
        ("3", "Olga Owner"),
        ("2", "Eddie Editor"),
        ("1", "Olga Owner"),
    ]


@pytest.mark.parametrize("count", [1, 20])
def test_compare_queries_do_not_grow_with_the_team_or_the_history(
    crew: Crew, django_assert_num_queries: Any, count: int
) -> None:
    first = make_history(crew, count)
    second = make_history(crew, count)
    make_many(crew, count)

    # session, user, then each assessment with the caller's role in its team
    with django_assert_num_queries(4):
        response = crew.client.get(f"/compare/?a={first.id}&a={second.id}")

    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 20])
def test_compare_revisions_queries_do_not_grow_with_the_history(
    crew: Crew, django_assert_num_queries: Any, count: int
) -> None:
    assessment = make_history(crew, count)
    oldest, newest = (
        Revision.objects.get(assessment=assessment, number=number) for number in (1, count)
    )

    # session, user, then for each revision: itself, its assessment with the caller's role
    with django_assert_num_queries(6):
        response = crew.client.get(f"/compare/?r={newest.pk}&r={oldest.pk}")

    assert response.status_code == 200


@pytest.mark.parametrize(("items", "queries"), [(2, 4), (3, 5), (MAX_ITEMS, 6)])
def test_compare_queries_are_bounded_by_the_items_allowed(
    crew: Crew, django_assert_num_queries: Any, items: int, queries: int
) -> None:
    """Each item passes the access check on its own (one query); at most four items."""
    made = make_many(crew, items)

    with django_assert_num_queries(queries):
        response = crew.client.get("/compare/?" + "&".join(f"a={a.id}" for a in made))

    assert response.status_code == 200


# ---------------------------------------------------------------------- what the list shows


@pytest.fixture
def mixed(crew: Crew) -> dict[str, Assessment]:
    """Five team assessments that differ in every way the list filters on."""
    made = {
        "chatbot": make_assessment(crew, "Customer support chatbot", minutes=1),
        "documents": make_assessment(
            crew, "Internal document assistant", scenario="internal document", minutes=2
        ),
        "prototype": make_assessment(
            crew, "Chat summary prototype", scenario="early prototype", minutes=3
        ),
        "consumer": make_assessment(
            crew,
            "Photo captions in the consumer app",
            name="Chatbot-free captions",
            scenario="consumer app",
            author=crew.editor,
            minutes=4,
        ),
        "archived": make_assessment(crew, "Old support chatbot", minutes=5),
    }
    update_details(assessment=made["documents"], name="", status=Status.PROPOSED)
    set_archived(assessment=made["archived"], archived=True)
    # Saving details or archiving touches updated_at; put the order back as made.
    for minutes, assessment in enumerate(made.values(), start=1):
        Assessment.objects.filter(pk=assessment.pk).update(
            updated_at=START + timedelta(minutes=minutes)
        )
    return made


def test_list_shows_the_teams_current_work_newest_first(
    crew: Crew, mixed: dict[str, Assessment]
) -> None:
    elsewhere = create_team(name="Elsewhere", owner=crew.owner)
    start_assessment(visitor="v-x", team=elsewhere, answers={"use_case": "Other team's work"})

    shown = listing(crew)

    assert shown.caption == "4 assessments"
    assert shown.titles == [
        "Chatbot-free captions",
        "Chat summary prototype",
        "Internal document assistant",
        "Customer support chatbot",
    ]


def test_list_search_matches_title_and_use_case_ignoring_case(
    crew: Crew, mixed: dict[str, Assessment]
) -> None:
    shown = listing(crew, q="CHATBOT")

    assert shown.caption == "2 assessments"
    assert shown.titles == ["Chatbot-free captions", "Customer support chatbot"]


def test_list_search_without_a_match_says_so(crew: Crew, mixed: dict[str, Assessment]) -> None:
    shown = listing(crew, q="spreadsheet")

    assert shown.caption == "0 assessments"
    assert shown.rows == [["No assessments match."]]


@pytest.mark.parametrize(("query", "title"), [("_", "cost_model"), ("%", "100% uptime")])
def test_list_search_takes_wildcards_as_text(crew: Crew, query: str, title: str) -> None:
    for minutes, name in enumerate(["cost_model", "costXmodel", "100% uptime", "100 users"]):
        make_assessment(crew, "Anything", name=name, minutes=minutes)

    assert listing(crew, q=query).titles == [title]


@pytest.mark.parametrize("query", ["étude", "ÉTUDE", "ärzte", "ÄRZTE"])
def test_list_search_ignores_case_beyond_ascii(crew: Crew, query: str) -> None:
    """Bug on SQLite (the default database): its LIKE folds only ASCII letters' case."""
    make_assessment(crew, "Befunde für Ärzte", name="Étude de marché")
    make_assessment(crew, "Something else", name="Other work", minutes=1)

    assert listing(crew, q=query).titles == ["Étude de marché"]


@pytest.mark.parametrize(
    ("recommendation", "titles"),
    [
        ("open", ["Internal document assistant"]),
        ("closed", ["Chatbot-free captions", "Chat summary prototype"]),
        ("hybrid", ["Customer support chatbot"]),
    ],
)
def test_list_filters_by_recommendation(
    crew: Crew, mixed: dict[str, Assessment], recommendation: str, titles: list[str]
) -> None:
    shown = listing(crew, recommendation=recommendation)

    assert shown.titles == titles
    assert shown.caption == f"{len(titles)} assessment{'s' if len(titles) > 1 else ''}"


def test_list_filters_by_stage(crew: Crew, mixed: dict[str, Assessment]) -> None:
    shown = listing(crew, stage="prototype")

    assert (shown.caption, shown.titles) == ("1 assessment", ["Chat summary prototype"])


def test_list_filters_by_status(crew: Crew, mixed: dict[str, Assessment]) -> None:
    shown = listing(crew, status=Status.PROPOSED)

    assert (shown.caption, shown.titles) == ("1 assessment", ["Internal document assistant"])


def test_list_filters_by_author(crew: Crew, mixed: dict[str, Assessment]) -> None:
    shown = listing(crew, author=str(crew.editor.pk))

    assert (shown.caption, shown.titles) == ("1 assessment", ["Chatbot-free captions"])
    assert shown.rows[0][5] == "Eddie Editor"


def test_list_shows_archived_work_only_when_asked(crew: Crew, mixed: dict[str, Assessment]) -> None:
    shown = listing(crew, archived="1")

    assert (shown.caption, shown.titles) == ("1 assessment", ["Old support chatbot"])


def test_list_combines_filters(crew: Crew, mixed: dict[str, Assessment]) -> None:
    shown = listing(crew, q="chat", stage="production", recommendation="closed")

    assert (shown.caption, shown.titles) == ("1 assessment", ["Chatbot-free captions"])


def test_list_sorts_by_oldest_change(crew: Crew, mixed: dict[str, Assessment]) -> None:
    assert listing(crew, sort="oldest").titles == [
        "Customer support chatbot",
        "Internal document assistant",
        "Chat summary prototype",
        "Chatbot-free captions",
    ]


def test_list_sorts_by_confidence_most_confident_first(
    crew: Crew, mixed: dict[str, Assessment]
) -> None:
    current = [a for key, a in mixed.items() if key != "archived"]
    expected = [a.title for a in sorted(current, key=lambda a: -a.confidence)]
    assert len({a.confidence for a in current}) == len(current)  # no ties to break

    assert listing(crew, sort="confidence").titles == expected


def test_list_sorts_by_recommendation_then_newest(crew: Crew, mixed: dict[str, Assessment]) -> None:
    assert listing(crew, sort="recommendation").titles == [
        "Chatbot-free captions",  # closed
        "Chat summary prototype",  # closed
        "Customer support chatbot",  # hybrid
        "Internal document assistant",  # open
    ]


def test_list_sorts_by_the_title_shown(crew: Crew) -> None:
    """Bug: the sort is on the name field, so every untitled assessment comes first.

    An assessment without a name is listed under its use case; sorting by title must place it
    there, not before every named one.
    """
    make_assessment(crew, "Zeppelin booking assistant", minutes=1)
    make_assessment(crew, "Anything", name="Billing helper", minutes=2)
    make_assessment(crew, "Anything else", name="Marketing copy", minutes=3)

    assert listing(crew, sort="title").titles == [
        "Billing helper",
        "Marketing copy",
        "Zeppelin booking assistant",
    ]


def test_list_sorts_titles_ignoring_case(crew: Crew) -> None:
    """Bug: titles sort by code point, so every lower-case title follows "Zeppelin"."""
    make_assessment(crew, "Anything", name="Zeppelin booking", minutes=1)
    make_assessment(crew, "Anything", name="iPhone app review", minutes=2)
    make_assessment(crew, "Anything", name="Billing helper", minutes=3)

    assert listing(crew, sort="title").titles == [
        "Billing helper",
        "iPhone app review",
        "Zeppelin booking",
    ]


def test_list_shows_each_stage_as_the_questionnaire_words_it(crew: Crew) -> None:
    """The label, not the stored value ("Core product", not "core_product")."""
    stage_labels = labels().question("stage").choices
    for minutes, stage in enumerate(stage_labels):
        make_assessment(crew, f"Stage {stage}", stage=stage, minutes=minutes)

    shown = listing(crew, sort="oldest")

    assert [row[3] for row in shown.rows] == [choice.label for choice in stage_labels.values()]


def test_list_pages_hold_twenty_and_say_which_page(crew: Crew) -> None:
    make_many(crew, 25)

    first = listing(crew)
    second = listing(crew, page="2")

    assert first.caption == "25 assessments, page 1 of 2"
    assert first.titles == [f"Support chatbot {n:02}" for n in range(24, 4, -1)]
    assert second.caption == "25 assessments, page 2 of 2"
    assert second.titles == [f"Support chatbot {n:02}" for n in range(4, -1, -1)]


def test_list_page_links_keep_the_filters(crew: Crew) -> None:
    make_many(crew, 25)

    first = listing(crew, q="chatbot", sort="oldest")
    second = listing(crew, q="chatbot", sort="oldest", page="2")

    assert [a.get("href") for a in first.page.find_all(".//nav[@class='pagination']/a")] == [
        "?q=chatbot&sort=oldest&page=2"
    ]
    assert [a.get("href") for a in second.page.find_all(".//nav[@class='pagination']/a")] == [
        "?q=chatbot&sort=oldest&page=1"
    ]
    assert second.titles == [f"Support chatbot {n:02}" for n in range(20, 25)]


@pytest.mark.parametrize(("page", "shown"), [("99", "2"), ("0", "2"), ("two", "1")])
def test_list_page_out_of_range_shows_a_real_page(crew: Crew, page: str, shown: str) -> None:
    make_many(crew, 25)

    assert listing(crew, page=page).caption == f"25 assessments, page {shown} of 2"
