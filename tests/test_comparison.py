"""Comparing assessments and revisions: the differences, the page, who may see it, queries.

The comparison itself is a pure function of answers (``compare_answers``), so most of its
behaviour is specified without a database; the view is then checked for what it adds: loading
the items through the access check, the 400 page for a bad request, and a fixed query count.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client

from decider.accounts.models import Membership, Role, Team, User
from decider.accounts.services import create_team, create_user
from decider.assessments import services
from decider.assessments.comparison import (
    CompareItem,
    Comparison,
    ComparisonError,
    compare_answers,
)
from decider.assessments.models import Assessment, Revision
from decider.engine import questions, validate_answers
from tests.factories import as_visitor, scenario_answers
from tests.markup import Page, has_class, text_of

OWNER_VISITOR = "v-owner"
PASSWORD = "a long enough password 42"


def chatbot() -> dict[str, Any]:
    return scenario_answers("support chatbot")


def consumer_app() -> dict[str, Any]:
    return scenario_answers("consumer app")


def compare_two(a: dict[str, Any], b: dict[str, Any]) -> Comparison:
    return compare_answers([CompareItem("Chatbot", a), CompareItem("Consumer app", b)])


def rationale_weights(answers: dict[str, Any]) -> dict[str, float]:
    result = services.assess_answers(answers)
    return {entry["rule"]: entry["weight"] for entry in result["rationale"]}


def compare_url(*, a: Sequence[Any] = (), r: Sequence[Any] = ()) -> str:
    query = [("a", str(x)) for x in a] + [("r", str(x)) for x in r]
    return "/compare/?" + urlencode(query)


def browser_assessment(answers: dict[str, Any], name: str = "") -> Assessment:
    return services.start_assessment(visitor=OWNER_VISITOR, answers=answers, team=None, name=name)


# ---------------------------------------------------------------------- the comparison


def test_comparison_of_chatbot_and_consumer_app_names_the_capability_rule() -> None:
    comparison = compare_two(chatbot(), consumer_app())

    by_rule = {rule.rule: rule for rule in comparison.rules}
    capability = by_rule["capability-strongest"]
    assert (capability.weights, capability.favours, capability.area) == (
        (1.0, 4.05),
        "closed",
        "speed",
    )
    assert [
        answer.words for cell in capability.cells for answer in cell.answers if answer.main
    ] == [
        "A good general model",
        "The strongest available",
    ]
    assert "capability_need" in capability.changed_inputs
    assert "priority_speed" in capability.changed_inputs  # 3 in the chatbot, 4 in the app


def test_comparison_rule_weights_are_the_engines_rationale_weights() -> None:
    a, b = chatbot(), consumer_app()
    comparison = compare_two(a, b)

    expected = [rationale_weights(a), rationale_weights(b)]
    for rule in comparison.rules:
        assert rule.weights == tuple(w.get(rule.rule, 0.0) for w in expected), rule.rule
        assert rule.spread == max(rule.weights) - min(rule.weights)
    differing = {
        rule
        for rule in expected[0].keys() | expected[1].keys()
        if expected[0].get(rule, 0.0) != expected[1].get(rule, 0.0)
    }
    assert {rule.rule for rule in comparison.rules} == differing
    spreads = [rule.spread for rule in comparison.rules]
    assert spreads == sorted(spreads, reverse=True)


def test_comparison_rules_that_fired_in_one_item_only_weigh_zero_in_the_other() -> None:
    comparison = compare_two(chatbot(), consumer_app())

    by_rule = {rule.rule: rule for rule in comparison.rules}
    assert (by_rule["gpu-none"].weights, [c.fired for c in by_rule["gpu-none"].cells]) == (
        (0.0, 1.5),
        [False, True],
    )
    assert by_rule["vendor-dependency-low"].weights == (2.0, 0.0)


def test_comparison_areas_and_totals_are_the_engines() -> None:
    a, b = chatbot(), consumer_app()
    comparison = compare_two(a, b)
    results = [services.assess_answers(a), services.assess_answers(b)]

    assert [[cell.net for cell in area.cells] for area in comparison.areas] == [
        [r["areas"][i]["net"] for r in results] for i in range(len(comparison.areas))
    ]
    speed = next(area for area in comparison.areas if area.area == "speed")
    assert (
        [c.words for c in speed.cells],
        "the need for a strong general model" in speed.rules,
    ) == (
        ["1.5 towards closed", "8.775 towards closed"],
        True,
    )
    assert [(i.recommendation, dict(i.scores)) for i in comparison.items] == [
        (r["recommendation"], r["scores"]) for r in results
    ]


def test_comparison_verdict_says_what_each_recommends_and_why() -> None:
    comparison = compare_two(chatbot(), consumer_app())

    assert comparison.verdict == (
        "A recommends hybrid and B closed. The biggest differences: "
        "the need for a strong general model "
        "(\u201cA good general model\u201d in A, \u201cThe strongest available\u201d in B); "
        "the time to market (\u201cWithin a few months\u201d in A, \u201cWithin weeks\u201d in B) "
        "and low tolerance of provider changes (\u201cBadly\u201d in A, "
        "\u201cWith some pain\u201d in B). Priorities that scale these differ as well: "
        "Speed: shipping soon with a capable model \u2014 \u201cMatters as usual\u201d in A, "
        "\u201cMatters a lot\u201d in B. The area that moved most is speed and capability."
    )


def test_comparison_verdict_groups_items_with_the_same_answer() -> None:
    items = [
        CompareItem(name, scenario_answers(name))
        for name in ("support chatbot", "consumer app", "prototype")
    ]

    verdict = compare_answers(items).verdict

    assert verdict.startswith("A recommends hybrid, B closed and C closed.")
    assert "(\u201cIn production\u201d in A and B, \u201cPrototype\u201d in C)" in verdict


def test_comparison_of_identical_answers_has_no_differing_rules() -> None:
    comparison = compare_two(chatbot(), chatbot())

    assert (comparison.rules, comparison.differing_questions, comparison.identical) == (
        (),
        (),
        True,
    )
    assert comparison.verdict == (
        "These assessments have the same answers, so their results are the same: "
        "A and B recommend hybrid with 66% confidence."
    )
    assert all(area.spread == 0 for area in comparison.areas)


def test_comparison_of_answers_differing_only_in_the_description_has_no_differing_rules() -> None:
    other = {**chatbot(), "use_case": "Another description"}

    comparison = compare_two(chatbot(), other)

    assert (comparison.rules, comparison.differing_questions) == ((), ("use_case",))
    assert "differ only where no reason weighs them" in comparison.verdict


def test_comparison_answers_table_flags_exactly_the_differing_questions() -> None:
    a, b = chatbot(), consumer_app()
    complete_a, complete_b = validate_answers(a), validate_answers(b)

    comparison = compare_two(a, b)

    rows = [row for section in comparison.sections for row in section.rows]
    assert [row.question for row in rows] == list(questions())  # questionnaire order
    assert {row.question for row in rows if row.differs} == {
        qid for qid in questions() if complete_a[qid] != complete_b[qid]
    }
    assert comparison.differing_questions == tuple(row.question for row in rows if row.differs)


@pytest.mark.parametrize("count", [2, 3, 4])
def test_comparison_takes_two_to_four_items(count: int) -> None:
    names = ["support chatbot", "consumer app", "prototype", "classification"]
    items = [CompareItem(name, scenario_answers(name)) for name in names[:count]]

    comparison = compare_answers(items)

    assert [item.letter for item in comparison.items] == list("ABCD"[:count])
    assert all(len(rule.cells) == count for rule in comparison.rules)
    assert all(len(row.words) == count for s in comparison.sections for row in s.rows)


@pytest.mark.parametrize("count", [0, 1, 5])
def test_comparison_refuses_fewer_than_two_or_more_than_four(count: int) -> None:
    items = [CompareItem(f"Item {n}", chatbot()) for n in range(count)]

    with pytest.raises(ComparisonError, match="between 2 and 4"):
        compare_answers(items)


def test_comparison_charts_share_one_scale() -> None:
    comparison = compare_two(chatbot(), consumer_app())

    # The consumer app's closed speed bar (8.775) is the largest of both charts, so the
    # chatbot's (1.5) is drawn in proportion to it rather than to its own largest bar.
    widths = [
        {row["label"]: row["closed_width"] for row in item.chart["rows"]}
        for item in comparison.items
    ]
    speed = "Speed and capability"
    assert widths[0][speed] == pytest.approx(widths[1][speed] * 1.5 / 8.775, abs=0.1)


# ---------------------------------------------------------------------- the page


@pytest.fixture
def owner() -> Client:
    return as_visitor(Client(), OWNER_VISITOR)


def child(element: ET.Element, path: str) -> ET.Element:
    found = element.find(path)
    assert found is not None, f"nothing at {path}"
    return found


def item_headers(page: Page) -> list[tuple[str, str]]:
    """Each item's title and the recommendation its header states."""
    return [
        (
            text_of(child(article, ".//h3")),
            child(article, ".//*[@data-recommendation]").get("data-recommendation", ""),
        )
        for article in page.with_class("compare-item", "article")
    ]


@pytest.mark.django_db
def test_compare_page_shows_each_item_and_the_differences(owner: Client) -> None:
    first = browser_assessment(chatbot(), name="Chatbot")
    second = browser_assessment(consumer_app(), name="Consumer app")

    response = owner.get(compare_url(a=[first.id, second.id]))

    assert response.status_code == 200
    page = Page(response)
    assert item_headers(page) == [("A Chatbot", "hybrid"), ("B Consumer app", "closed")]
    reasons = page.find(".//table[@class='compare-table compare-reasons']")
    assert text_of(child(reasons, ".//tbody/tr/th")).startswith(
        "The need for a strong general model"
    )
    differing = {
        row.get("data-question")
        for row in page.find_all(".//table[@class='compare-table compare-all-answers']//tr")
        if has_class(row, "differs")
    }
    assert differing == set(compare_two(chatbot(), consumer_app()).differing_questions)
    assert all(
        text_of(child(row, "th")).endswith("differs")
        for row in page.find_all(".//tr[@data-question]")
        if has_class(row, "differs")
    )


@pytest.mark.django_db
def test_compare_page_ids_are_unique(owner: Client) -> None:
    items = [browser_assessment(scenario_answers(n)) for n in ("chatbot", "consumer", "prototype")]

    page = Page(owner.get(compare_url(a=[item.id for item in items])))

    ids = Counter(element.get("id") for element in page.root.iter() if element.get("id"))
    assert [name for name, count in ids.items() if count > 1] == []
    assert len(page.find_all(".//svg")) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 3, 4])
def test_compare_page_takes_two_to_four_items(owner: Client, count: int) -> None:
    items = [browser_assessment(chatbot(), name=f"Item {n}") for n in range(count)]

    response = owner.get(compare_url(a=[item.id for item in items]))

    assert (response.status_code, len(item_headers(Page(response)))) == (200, count)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 5])
def test_compare_page_refuses_one_or_five_items_with_a_message(owner: Client, count: int) -> None:
    items = [browser_assessment(chatbot(), name=f"Item {n}") for n in range(count)]

    response = owner.get(compare_url(a=[item.id for item in items]))

    assert response.status_code == 400
    message = text_of(Page(response).find(".//p[@class='error']"))
    assert ("at least 2" if count == 1 else "at most 4") in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "at least 2"),
        ("a=not-a-uuid&a=also-not", "is not an assessment id"),
        ("r=1&r=x", "is not a revision id"),
        ("r=-3&r=1", "is not a revision id"),
        ("r=99999999999999999999&r=1", "is not a revision id"),
    ],
)
def test_compare_page_refuses_malformed_queries_with_a_message(
    owner: Client, query: str, message: str
) -> None:
    response = owner.get(f"/compare/?{query}")

    assert response.status_code == 400
    assert message in text_of(Page(response).find(".//p[@class='error']"))


@pytest.mark.django_db
def test_compare_page_counts_the_same_item_once(owner: Client) -> None:
    item = browser_assessment(chatbot())

    response = owner.get(compare_url(a=[item.id, item.id]))

    assert response.status_code == 400


@pytest.mark.django_db
def test_compare_page_compares_revisions_oldest_first(owner: Client) -> None:
    assessment = browser_assessment(chatbot(), name="Chatbot")
    services.apply_answers(assessment=assessment, changes={"capability_need": "frontier"})
    first, second = Revision.objects.filter(assessment=assessment).order_by("number")

    response = owner.get(compare_url(r=[second.pk, first.pk]))

    assert response.status_code == 200
    page = Page(response)
    assert [title for title, _ in item_headers(page)] == [
        "A Chatbot, revision 1",
        "B Chatbot, revision 2",
    ]
    differing = [row.get("data-question") for row in page.find_all(".//tr[@class='differs']")]
    assert "capability_need" in differing
    history = f"/a/{assessment.id}/history/"
    assert len(page.find_all(f".//a[@href='{history}']")) == 2


@pytest.mark.django_db
def test_compare_page_mixes_assessments_and_revisions(owner: Client) -> None:
    assessment = browser_assessment(chatbot(), name="Chatbot")
    other = browser_assessment(consumer_app(), name="App")
    revision = Revision.objects.get(assessment=assessment)

    response = owner.get(f"/compare/?a={other.id}&r={revision.pk}")

    assert [title for title, _ in item_headers(Page(response))] == [
        "A App",
        "B Chatbot, revision 1",
    ]


# ---------------------------------------------------------------------- who may compare


@pytest.mark.django_db
def test_compare_page_answers_404_for_another_browsers_assessment(owner: Client) -> None:
    mine = browser_assessment(chatbot())
    theirs = services.start_assessment(visitor="v-someone-else", answers=chatbot(), team=None)

    assert owner.get(compare_url(a=[mine.id, theirs.id])).status_code == 404


@pytest.mark.django_db
def test_compare_page_answers_404_for_another_browsers_revision(owner: Client) -> None:
    mine = browser_assessment(chatbot())
    theirs = services.start_assessment(visitor="v-someone-else", answers=chatbot(), team=None)
    revision = Revision.objects.get(assessment=theirs)

    response = owner.get(f"/compare/?a={mine.id}&r={revision.pk}")

    assert response.status_code == 404


@pytest.mark.django_db
def test_compare_page_answers_404_for_a_missing_revision(owner: Client) -> None:
    mine = browser_assessment(chatbot())

    assert owner.get(f"/compare/?a={mine.id}&r=987654").status_code == 404


@pytest.mark.django_db
def test_compare_page_answers_404_to_a_browser_without_the_token() -> None:
    first, second = browser_assessment(chatbot()), browser_assessment(consumer_app())

    response = Client().get(compare_url(a=[first.id, second.id]))

    assert response.status_code == 404


def make_user(email: str) -> User:
    return create_user(email=email, password=PASSWORD)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def team_setup() -> tuple[Team, User, list[Assessment]]:
    owner = make_user("owner@example.com")
    team = create_team(name="Platform", owner=owner)
    items = [
        services.start_assessment(
            visitor="v-team", answers=answers, team=team, author=owner, name=name
        )
        for name, answers in (("Chatbot", chatbot()), ("App", consumer_app()))
    ]
    return team, owner, items


@pytest.mark.django_db
def test_compare_page_lets_a_team_viewer_compare(
    team_setup: tuple[Team, User, list[Assessment]],
) -> None:
    team, _, items = team_setup
    viewer = make_user("viewer@example.com")
    Membership.objects.create(team=team, user=viewer, role=Role.VIEWER)
    revision = Revision.objects.get(assessment=items[0])

    response = signed_in(viewer).get(f"/compare/?a={items[0].id}&a={items[1].id}&r={revision.pk}")

    assert response.status_code == 200
    assert [title for title, _ in item_headers(Page(response))] == [
        "A Chatbot",
        "B App",
        "C Chatbot, revision 1",
    ]


@pytest.mark.django_db
def test_compare_page_answers_404_to_someone_outside_the_team(
    team_setup: tuple[Team, User, list[Assessment]],
) -> None:
    _, _, items = team_setup
    outsider = signed_in(make_user("outsider@example.com"))
    revision = Revision.objects.get(assessment=items[0])
    own = services.start_assessment(
        visitor="v-outsider",
        answers=chatbot(),
        team=Team.objects.get(personal=True, memberships__user__email="outsider@example.com"),
    )

    assert outsider.get(compare_url(a=[items[0].id, items[1].id])).status_code == 404
    assert outsider.get(f"/compare/?a={own.id}&r={revision.pk}").status_code == 404


@pytest.mark.django_db
def test_compare_page_sends_a_signed_out_visitor_to_sign_in(
    team_setup: tuple[Team, User, list[Assessment]],
) -> None:
    _, _, items = team_setup
    url = compare_url(a=[items[0].id, items[1].id])

    response = Client().get(url)

    assert (response.status_code, response["Location"]) == (
        302,
        f"/accounts/login/?next={quote(url)}",
    )


# ---------------------------------------------------------------------- queries


@pytest.mark.django_db
@pytest.mark.parametrize("others", [1, 20])
def test_compare_page_queries_do_not_grow_with_the_teams_assessments(
    team_setup: tuple[Team, User, list[Assessment]], django_assert_num_queries: Any, others: int
) -> None:
    team, owner, items = team_setup
    for n in range(others):
        services.start_assessment(
            visitor="v-team", answers={"stage": "production"}, team=team, name=f"Other {n}"
        )
    client = signed_in(owner)
    revision = Revision.objects.get(assessment=items[0])

    # session and user, then per assessment its row with the caller's role; a revision adds
    # its own row before its assessment's check
    with django_assert_num_queries(2 + 1 + 2):
        response = client.get(f"/compare/?a={items[1].id}&r={revision.pk}")

    assert response.status_code == 200
