"""What each route of the JSON API answers: the content, not only the status.

Every route is called as a program would call it, with a personal API token, and its answer is
held against the source it must agree with: the questionnaire contract, the engine, the web
report, the exchange file format. Errors are checked for their one shape (status, code,
message, errors naming each field) and for what was stored: a refused request stores nothing.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from pypdf import PdfReader

from decider.accounts.services import create_team
from decider.assessments import services
from decider.assessments.models import Assessment
from decider.engine import AnswersError, assess, questions, validate_answers
from tests.conftest import load_scenarios

from .conftest import (
    Api,
    World,
    as_json,
    assert_error,
    make_assessment,
    make_user,
    stored,
    token_for,
)

pytestmark = pytest.mark.django_db

ENGINE_DIR = Path(services.__file__).parents[1] / "engine"
SCENARIOS = load_scenarios()
EXAMPLES = json.loads((ENGINE_DIR / "examples.json").read_text(encoding="utf-8"))["examples"]
A4 = (595.28, 841.89)  # points
LETTER = (612.0, 792.0)


def engine_message(**answers: Any) -> str:
    """The engine's own words for the (single) problem with ``answers``."""
    with pytest.raises(AnswersError) as refused:
        validate_answers(answers)
    (error,) = refused.value.errors
    return error.message


def scenario_id(scenario: dict[str, Any]) -> str:
    return str(scenario.get("slug") or scenario["name"])


# ---------------------------------------------------------------------- questionnaire


def test_questionnaire_lists_every_contract_question_with_allowed_values_and_defaults() -> None:
    contract = json.loads((ENGINE_DIR / "questionnaire.json").read_text(encoding="utf-8"))

    data = Api().get("/questionnaire").json()

    assert data["version"] == contract["version"]
    assert [s["id"] for s in data["sections"]] == [s["id"] for s in contract["sections"]]
    for section, expected in zip(data["sections"], contract["sections"], strict=True):
        assert section["title"]
        assert [q["id"] for q in section["questions"]] == [q["id"] for q in expected["questions"]]
        for question, spec in zip(section["questions"], expected["questions"], strict=True):
            assert question["kind"] == spec["kind"]
            assert question["default"] == spec["default"]
            assert question["label"]
            assert [c["value"] for c in question["choices"]] == spec.get("choices", [])
            assert all(c["label"] for c in question["choices"])
            assert question["minimum"] == spec.get("minimum")
            assert question["maximum"] == spec.get("maximum")
            assert question["max_length"] == spec.get("max_length")
            assert question["ordered"] == (spec.get("order") == "closed_to_open")
    every = [q for s in contract["sections"] for q in s["questions"]]
    assert data["defaults"] == {q["id"]: q["default"] for q in every}
    assert set(data["defaults"]) == set(questions())


def test_questionnaire_defaults_are_what_the_engine_fills_in() -> None:
    data = Api().get("/questionnaire").json()

    assert data["defaults"] == validate_answers({})


# ---------------------------------------------------------------------- assess


@pytest.mark.parametrize("scenario", SCENARIOS, ids=scenario_id)
def test_assess_gives_the_articles_answer_and_the_engines_result(
    scenario: dict[str, Any],
) -> None:
    response = Api().post("/assess", scenario["answers"])

    assert response.status_code == 200
    assert response.json() == as_json(assess(scenario["answers"]))
    assert response.json()["recommendation"] == scenario["expected"]


@pytest.mark.parametrize("example", EXAMPLES, ids=scenario_id)
def test_assess_equals_the_engine_for_each_worked_example(example: dict[str, Any]) -> None:
    response = Api().post("/assess", example["answers"])

    assert response.status_code == 200
    assert response.json() == as_json(assess(example["answers"]))


def test_assess_fills_in_defaults_for_questions_left_out() -> None:
    response = Api().post("/assess", {"stage": "core_product"})

    assert response.json() == as_json(assess({**validate_answers({}), "stage": "core_product"}))


def test_assess_stores_nothing(world: World) -> None:
    before = stored()

    response = world.api("owner").post("/assess", SCENARIOS[0]["answers"])

    assert response.status_code == 200
    assert stored() == before


def test_assess_refuses_an_unknown_question_in_the_engines_words() -> None:
    response = Api().post("/assess", {"stage": "pilot", "colour": "blue"})

    data = assert_error(response, 422, "colour")
    assert data["errors"] == [
        {"field": "colour", "message": engine_message(stage="pilot", colour="blue")}
    ]


# ---------------------------------------------------------------------- batch


def test_batch_keeps_the_order_of_its_items() -> None:
    items = [s["answers"] for s in SCENARIOS]

    response = Api().post("/assess/batch", {"items": items})

    assert response.status_code == 200
    results = response.json()["results"]
    assert results == [as_json(assess(answers)) for answers in items]
    assert [r["recommendation"] for r in results] == [s["expected"] for s in SCENARIOS]


def test_batch_takes_up_to_100_items() -> None:
    items = [{"monthly_requests": n * 1000} for n in range(100)]

    response = Api().post("/assess/batch", {"items": items})

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 100
    assert results[99] == as_json(assess(items[99]))


@pytest.mark.parametrize("size", [0, 101])
def test_batch_refuses_an_empty_or_oversized_list_naming_items(size: int) -> None:
    response = Api().post("/assess/batch", {"items": [{}] * size})

    data = assert_error(response, 422, "items")
    assert [e["field"] for e in data["errors"]] == ["items"]


def test_one_bad_item_refuses_the_batch_naming_its_index_and_question() -> None:
    items: list[dict[str, Any]] = [{}, {}, {}, {"monthly_requests": -5}, {}]

    response = Api().post("/assess/batch", {"items": items})

    data = assert_error(response, 422)
    assert data["errors"] == [
        {"field": "items.3.monthly_requests", "message": engine_message(monthly_requests=-5)}
    ]
    assert "results" not in data


def test_batch_names_every_bad_item() -> None:
    items = [{"stage": "someday"}, {}, {"gpu_access": 1}]

    response = Api().post("/assess/batch", {"items": items})

    data = assert_error(response, 422, "items.0.stage", "items.2.gpu_access")
    assert len(data["errors"]) == 2


# ---------------------------------------------------------------------- who am I, teams


def test_me_describes_the_caller_their_token_and_teams(world: World) -> None:
    owner = world.users["owner"]
    token = owner.api_tokens.get()

    data = world.api("owner").get("/me").json()

    assert data["user"] == {"id": owner.pk, "name": "Olive Owner", "email": "owner@example.com"}
    assert data["via"] == "token"
    assert data["token_name"] == token.name
    assert token.expires_at is not None
    assert data["token_expires_at"] == as_json(token.expires_at)
    assert data["teams"] == [
        {
            "slug": "olive-owners-space",
            "name": "Olive Owner's space",
            "personal": True,
            "role": "owner",
        },
        {"slug": world.team.slug, "name": "Platform team", "personal": False, "role": "owner"},
    ]


def test_me_through_the_browser_session_says_so(world: World) -> None:
    client = Client()
    client.force_login(world.users["editor"])

    data = Api(client=client).get("/me").json()

    assert (data["via"], data["token_name"], data["token_expires_at"]) == ("session", None, None)
    assert data["user"]["email"] == "editor@example.com"


def test_teams_lists_the_personal_space_first_then_teams_by_name(world: World) -> None:
    viewer = world.users["viewer"]
    create_team(name="Another team", owner=viewer)

    data = world.api("viewer").get("/teams").json()

    assert [(t["name"], t["personal"], t["role"]) for t in data] == [
        ("viewer@example.com's space", True, "owner"),
        ("Another team", False, "owner"),
        ("Platform team", False, "viewer"),
    ]


def test_teams_of_an_outsider_do_not_include_the_team(world: World) -> None:
    data = world.api("outsider").get("/teams").json()

    assert [t["slug"] for t in data] == ["outsiderexamplecoms-space"]


# ---------------------------------------------------------------------- listing assessments


@pytest.fixture
def listed(world: World) -> dict[str, Assessment]:
    """The team's six article scenarios, one per use case, each saved a day apart (oldest
    first), plus one accepted and one archived; the fixture's own assessment is archived too,
    so the live list holds exactly the scenarios."""
    owner = world.users["owner"]
    services.set_archived(assessment=world.assessment, archived=True)
    made: dict[str, Assessment] = {}
    start = timezone.now() - timedelta(days=30)
    for day, scenario in enumerate(SCENARIOS):
        assessment = make_assessment(world.team, owner, **scenario["answers"])
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=start + timedelta(days=day))
        made[scenario["name"]] = assessment
    accepted = made["Internal document assistant for sensitive data"]
    Assessment.objects.filter(pk=accepted.pk).update(status="accepted")
    return made


def listing(api: Api, **params: Any) -> dict[str, Any]:
    response = api.get("/assessments", params)
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def titles(data: dict[str, Any]) -> list[str]:
    return [item["title"] for item in data["items"]]


def test_list_gives_each_assessment_as_stored(world: World, listed: dict[str, Assessment]) -> None:
    data = listing(world.api("viewer"), team=world.team.slug)

    newest = Assessment.objects.get(pk=listed[SCENARIOS[-1]["name"]].pk)
    item = data["items"][0]
    assert item == {
        "id": str(newest.id),
        "team": world.team.slug,
        "title": newest.title,
        "name": "",
        "status": "draft",
        "archived": False,
        "recommendation": newest.recommendation,
        "confidence": newest.confidence,
        "stage": newest.stage,
        "revision": 1,
        "author": {
            "id": world.users["owner"].pk,
            "name": "Olive Owner",
            "email": "owner@example.com",
        },
        "created_at": as_json(newest.created_at),
        "updated_at": as_json(newest.updated_at),
        "url": f"http://testserver/a/{newest.id}/report/",
    }


def test_list_newest_first_by_default_and_oldest_on_request(
    world: World, listed: dict[str, Assessment]
) -> None:
    api = world.api("owner")
    use_cases = [s["answers"]["use_case"] for s in SCENARIOS]

    assert titles(listing(api, team=world.team.slug)) == use_cases[::-1]
    assert titles(listing(api, team=world.team.slug, sort="oldest")) == use_cases


def test_list_sorts_by_title_confidence_and_recommendation(
    world: World, listed: dict[str, Assessment]
) -> None:
    api = world.api("owner")
    rows = list(Assessment.objects.filter(team=world.team, archived_at__isnull=True))

    by_title = titles(listing(api, sort="title"))
    by_confidence = [i["confidence"] for i in listing(api, sort="confidence")["items"]]
    by_recommendation = [i["recommendation"] for i in listing(api, sort="recommendation")["items"]]

    assert by_title == sorted((a.title for a in rows), key=str.casefold)
    assert by_confidence == sorted((a.confidence for a in rows), reverse=True)
    assert by_recommendation == sorted(a.recommendation for a in rows)


@pytest.mark.parametrize("recommendation", ["open", "closed", "hybrid"])
def test_list_filters_by_recommendation(
    world: World, listed: dict[str, Assessment], recommendation: str
) -> None:
    data = listing(world.api("owner"), team=world.team.slug, recommendation=recommendation)

    expected = [s["answers"]["use_case"] for s in SCENARIOS if s["expected"] == recommendation]
    assert sorted(titles(data)) == sorted(expected)
    assert data["count"] == len(expected)


def test_list_filters_by_words_stage_and_status(
    world: World, listed: dict[str, Assessment]
) -> None:
    api = world.api("owner")

    assert titles(listing(api, q="  INVOICE ")) == [SCENARIOS[5]["answers"]["use_case"]]
    assert titles(listing(api, stage="prototype")) == [SCENARIOS[0]["answers"]["use_case"]]
    assert titles(listing(api, status="accepted")) == [SCENARIOS[1]["answers"]["use_case"]]
    assert listing(api, stage="core_product")["items"] == []


def test_list_shows_archived_assessments_only_when_asked(
    world: World, listed: dict[str, Assessment]
) -> None:
    api = world.api("owner")

    archived = listing(api, archived="true")

    assert titles(archived) == ["Support chatbot"]
    assert archived["items"][0]["archived"] is True
    assert "Support chatbot" not in titles(listing(api))


def test_list_without_a_team_covers_all_the_callers_teams_and_no_others(
    world: World, listed: dict[str, Assessment]
) -> None:
    owner = world.users["owner"]
    personal = owner.memberships.get(team__personal=True).team
    mine = make_assessment(personal, owner, use_case="My own sketch")
    outsider = world.users["outsider"]
    elsewhere = create_team(name="Elsewhere", owner=outsider)
    make_assessment(elsewhere, outsider, use_case="Not yours")

    data = listing(world.api("owner"), page_size=100)

    assert data["count"] == len(SCENARIOS) + 1
    assert "Not yours" not in titles(data)
    assert {i["team"] for i in data["items"]} == {world.team.slug, personal.slug}
    assert str(mine.id) in {i["id"] for i in data["items"]}


def test_list_pages_count_and_sizes(world: World, listed: dict[str, Assessment]) -> None:
    api = world.api("owner")
    newest_first = [s["answers"]["use_case"] for s in SCENARIOS][::-1]

    first = listing(api, page_size=4)
    second = listing(api, page_size=4, page=2)

    assert {k: first[k] for k in ("count", "page", "pages", "page_size")} == {
        "count": 6,
        "page": 1,
        "pages": 2,
        "page_size": 4,
    }
    assert titles(first) == newest_first[:4]
    assert titles(second) == newest_first[4:]
    assert listing(api)["page_size"] == 25


def test_list_page_beyond_the_end_is_empty_not_an_error(
    world: World, listed: dict[str, Assessment]
) -> None:
    data = listing(world.api("owner"), page=99, page_size=4)

    assert data == {"count": 6, "page": 99, "pages": 2, "page_size": 4, "items": []}


def test_list_of_nothing_has_one_empty_page(world: World) -> None:
    data = listing(world.api("owner"), q="no such words")

    assert data == {"count": 0, "page": 1, "pages": 1, "page_size": 25, "items": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"recommendation": "maybe"}, "recommendation"),
        ({"status": "finished"}, "status"),
        ({"sort": "random"}, "sort"),
        ({"page": 0}, "page"),
        ({"page_size": 101}, "page_size"),
        ({"page": "two"}, "page"),
        ({"archived": "perhaps"}, "archived"),
    ],
)
def test_list_refuses_bad_filters_naming_them(
    world: World, params: dict[str, Any], field: str
) -> None:
    response = world.api("owner").get("/assessments", params)

    data = assert_error(response, 422, field)
    assert [e["field"] for e in data["errors"]] == [field]


def test_list_of_a_team_the_caller_is_not_in_is_404_naming_team(world: World) -> None:
    response = world.api("outsider").get("/assessments", {"team": world.team.slug})

    assert_error(response, 404, "team")


# ---------------------------------------------------------------------- creating


def test_create_stores_the_given_answers_and_defaults_for_the_rest(world: World) -> None:
    answers = {"tokens_per_request": 900, "stage": "production", "use_case": "Ticket triage"}

    response = world.api("editor").post(
        "/assessments",
        {"team": world.team.slug, "name": "Triage", "status": "proposed", "answers": answers},
    )

    assert response.status_code == 201
    data = response.json()
    assessment = Assessment.objects.get(pk=data["id"])
    assert (assessment.team, assessment.author) == (world.team, world.users["editor"])
    assert (assessment.name, assessment.status, assessment.revision) == ("Triage", "proposed", 1)
    assert assessment.answers == {**validate_answers({}), **answers}
    # Only what was given counts as answered, in the questionnaire's order.
    assert data["answered"] == ["use_case", "stage", "tokens_per_request"]
    assert assessment.answered == data["answered"]
    assert data["answers"] == assessment.answers
    assert data["result"] == as_json(assess(answers))
    assert (data["title"], data["status"], data["team"]) == ("Triage", "proposed", world.team.slug)
    assert data["author"]["email"] == "editor@example.com"
    assert list(assessment.revisions.values_list("number", flat=True)) == [1]


def test_create_with_nothing_but_a_team_is_a_fresh_draft(world: World) -> None:
    response = world.api("owner").post("/assessments", {"team": world.team.slug})

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["answered"], data["title"]) == (
        "draft",
        [],
        "Untitled assessment",
    )
    assert data["answers"] == validate_answers({})


def test_create_in_an_unknown_team_is_404_naming_team(world: World) -> None:
    before = stored()

    response = world.api("owner").post("/assessments", {"team": "no-such-team"})

    assert_error(response, 404, "team")
    assert stored() == before


def test_create_by_a_viewer_is_403_and_stores_nothing(world: World) -> None:
    before = stored()

    response = world.api("viewer").post(
        "/assessments", {"team": world.team.slug, "answers": {"stage": "pilot"}}
    )

    assert_error(response, 403)
    assert stored() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": {"stage": "someday"}}, "answers.stage"),
        ({"answers": {"colour": "blue"}}, "answers.colour"),
        ({"status": "finished"}, "status"),
        ({"name": "x" * 121}, "name"),
        ({"extra": 1}, "extra"),
    ],
)
def test_create_refuses_bad_fields_and_stores_nothing(
    world: World, body: dict[str, Any], field: str
) -> None:
    before = stored()

    response = world.api("owner").post("/assessments", {"team": world.team.slug, **body})

    data = assert_error(response, 422, field)
    assert len(data["errors"]) == 1
    assert stored() == before


def test_create_without_a_team_is_422_naming_team(world: World) -> None:
    response = world.api("owner").post("/assessments", {"answers": {}})

    assert_error(response, 422, "team")


# ---------------------------------------------------------------------- reading


def test_read_gives_the_same_result_as_the_web_report(world: World) -> None:
    assessment = make_assessment(world.team, world.users["owner"], **SCENARIOS[2]["answers"])
    browser = Client()
    browser.force_login(world.users["viewer"])
    report = browser.get(f"/a/{assessment.id}/report/")
    assert report.status_code == 200

    data = world.api("viewer").get(f"/assessments/{assessment.id}").json()

    assert data["result"] == as_json(report.context["result"])
    assert data["result"]["recommendation"] == SCENARIOS[2]["expected"]
    assert data["answers"] == assessment.answers
    assert data["answered"] == assessment.answered
    assert (data["id"], data["revision"], data["archived"]) == (str(assessment.id), 1, False)


def test_read_an_unknown_id_is_404(world: World) -> None:
    response = world.api("owner").get("/assessments/00000000-0000-0000-0000-000000000000")

    assert_error(response, 404)


def test_read_something_that_is_not_an_id_is_422_naming_it(world: World) -> None:
    response = world.api("owner").get("/assessments/not-an-id")

    assert_error(response, 422, "assessment_id")


# ---------------------------------------------------------------------- changing


def test_patch_answers_saves_them_and_counts_a_revision(world: World) -> None:
    assessment = world.assessment

    response = world.api("editor").patch(
        f"/assessments/{assessment.id}",
        {"revision": 1, "answers": {"vendor_terms_ok": "no", "monthly_requests": 9_000_000}},
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assessment.refresh_from_db()
    expected = {**validate_answers({"use_case": "Support chatbot", "stage": "production"})}
    expected.update(vendor_terms_ok="no", monthly_requests=9_000_000)
    assert assessment.answers == expected
    assert assessment.revision == data["revision"] == 2
    assert assessment.answered == ["use_case", "stage", "monthly_requests", "vendor_terms_ok"]
    assert data["result"] == as_json(assess(expected))
    assert assessment.recommendation == data["recommendation"] == data["result"]["recommendation"]
    revision = assessment.revisions.get(number=2)
    assert revision.changed == ["monthly_requests", "vendor_terms_ok"]
    assert revision.author == world.users["editor"]


def test_patch_name_and_status_count_a_revision_too(world: World) -> None:
    assessment = world.assessment

    response = world.api("owner").patch(
        f"/assessments/{assessment.id}",
        {"revision": 1, "name": "  Support bot, decided  ", "status": "accepted"},
    )

    data = response.json()
    assessment.refresh_from_db()
    assert (assessment.name, assessment.status, assessment.revision) == (
        "Support bot, decided",
        "accepted",
        2,
    )
    assert (data["name"], data["title"], data["status"], data["revision"]) == (
        "Support bot, decided",
        "Support bot, decided",
        "accepted",
        2,
    )
    assert assessment.answers == validate_answers(
        {"use_case": "Support chatbot", "stage": "production"}
    )


def test_patch_in_sequence_each_based_on_the_last_revision(world: World) -> None:
    api = world.api("owner")
    url = f"/assessments/{world.assessment.id}"

    first = api.patch(url, {"revision": 1, "answers": {"stage": "pilot"}}).json()
    second = api.patch(url, {"revision": first["revision"], "name": "Renamed"}).json()
    third = api.patch(url, {"revision": second["revision"], "answers": {"stage": "core_product"}})

    assert third.status_code == 200
    assert [first["revision"], second["revision"], third.json()["revision"]] == [2, 3, 4]
    assert third.json()["name"] == "Renamed"
    assert third.json()["answers"]["stage"] == "core_product"


def test_patch_is_all_or_nothing_when_one_answer_is_bad(world: World) -> None:
    before = stored()

    response = world.api("owner").patch(
        f"/assessments/{world.assessment.id}",
        {
            "revision": 1,
            "name": "Half done",
            "status": "accepted",
            "answers": {"stage": "core_product", "monthly_requests": -1},
        },
    )

    data = assert_error(response, 422)
    assert data["errors"] == [
        {"field": "answers.monthly_requests", "message": engine_message(monthly_requests=-1)}
    ]
    assert stored() == before


def test_patch_based_on_an_old_revision_is_409_with_both_versions(world: World) -> None:
    api = world.api("owner")
    url = f"/assessments/{world.assessment.id}"
    api.patch(url, {"revision": 1, "answers": {"stage": "pilot"}})  # a colleague's save
    before = stored()
    mine = {"revision": 1, "name": "Mine", "answers": {"stage": "core_product"}}

    response = world.api("editor").patch(url, mine)

    data = assert_error(response, 409, "revision")
    assert data["code"] == "conflict"
    assert data["yours"] == mine
    assert data["theirs"] == api.get(url).json()
    assert (data["theirs"]["revision"], data["theirs"]["answers"]["stage"]) == (2, "pilot")
    assert stored() == before


def test_patch_of_a_revision_from_the_future_is_409_too(world: World) -> None:
    before = stored()

    response = world.api("owner").patch(
        f"/assessments/{world.assessment.id}", {"revision": 7, "name": "Ahead"}
    )

    assert_error(response, 409, "revision")
    assert stored() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No revision"}, "revision"),
        ({"revision": "1"}, "revision"),
        ({"revision": 0}, "revision"),
        ({"revision": 1, "status": "done"}, "status"),
        ({"revision": 1, "answers": {"stage": 3}}, "answers.stage"),
        ({"revision": 1, "answers": {"nope": 3}}, "answers.nope"),
        ({"revision": 1, "title": "not a field"}, "title"),
    ],
)
def test_patch_refuses_bad_fields_and_stores_nothing(
    world: World, body: dict[str, Any], field: str
) -> None:
    before = stored()

    response = world.api("owner").patch(f"/assessments/{world.assessment.id}", body)

    data = assert_error(response, 422, field)
    assert len(data["errors"]) == 1
    assert stored() == before


# ---------------------------------------------------------------------- archive, restore


def test_archive_hides_from_the_list_and_restore_brings_it_back(world: World) -> None:
    api = world.api("editor")
    url = f"/assessments/{world.assessment.id}"

    archived = api.post(f"{url}/archive")

    assert archived.status_code == 200
    assert archived.json()["archived"] is True
    assert Assessment.objects.get(pk=world.assessment.pk).archived_at is not None
    assert listing(api)["items"] == []
    assert titles(listing(api, archived="true")) == ["Support chatbot"]

    restored = api.post(f"{url}/restore")

    assert restored.json()["archived"] is False
    assert Assessment.objects.get(pk=world.assessment.pk).archived_at is None
    assert titles(listing(api)) == ["Support chatbot"]
    assert listing(api, archived="true")["items"] == []


def test_archive_keeps_the_assessment_whole(world: World) -> None:
    before = world.api("owner").get(f"/assessments/{world.assessment.id}").json()

    after = world.api("owner").post(f"/assessments/{world.assessment.id}/archive").json()

    for key in ("answers", "answered", "result", "name", "status"):
        assert after[key] == before[key]
    # Archiving is a change: the version moves on, so a PATCH based on the old one is stale.
    assert after["revision"] == before["revision"] + 1


# ---------------------------------------------------------------------- revisions


def test_revisions_lists_each_save_newest_first(world: World) -> None:
    url = f"/assessments/{world.assessment.id}"
    world.api("editor").patch(url, {"revision": 1, "answers": {"stage": "pilot"}})
    world.api("owner").patch(url, {"revision": 2, "answers": {"gpu_access": "owned_hardware"}})

    data = world.api("viewer").get(f"{url}/revisions").json()

    assert [r["number"] for r in data] == [3, 2, 1]
    assert [r["author"]["email"] for r in data] == [
        "owner@example.com",
        "editor@example.com",
        "owner@example.com",
    ]
    assert [r["changed"] for r in data] == [["gpu_access"], ["stage"], ["use_case", "stage"]]
    assert [r["answers"]["stage"] for r in data] == ["pilot", "pilot", "production"]
    assert data[0]["answers"]["gpu_access"] == "owned_hardware"
    for row in data:
        result = assess(row["answers"])
        assert (row["recommendation"], row["confidence"]) == (
            result["recommendation"],
            result["confidence"],
        )
        assert row["ruleset_version"] == result["ruleset"]["version"]


# ---------------------------------------------------------------------- compare


@pytest.fixture
def pair(world: World) -> tuple[Assessment, Assessment]:
    owner = world.users["owner"]
    first = make_assessment(world.team, owner, **SCENARIOS[0]["answers"])
    second = make_assessment(world.team, owner, **SCENARIOS[1]["answers"])
    return first, second


def compare(api: Api, *items: str) -> Any:
    return api.get("/compare", {"item": list(items)})


def test_compare_two_assessments_side_by_side(
    world: World, pair: tuple[Assessment, Assessment]
) -> None:
    first, second = pair

    response = compare(world.api("viewer"), str(first.id), str(second.id))

    assert response.status_code == 200
    data = response.json()
    assert data["identical"] is False
    assert data["verdict"]
    assert [(i["letter"], i["ref"], i["label"]) for i in data["items"]] == [
        ("A", str(first.id), first.title),
        ("B", str(second.id), second.title),
    ]
    assert [i["recommendation"] for i in data["items"]] == ["closed", "open"]
    for item, assessment in zip(data["items"], pair, strict=True):
        assert item["confidence"] == assessment.confidence
        assert item["scores"] == as_json(assess(assessment.answers)["scores"])
    differing = [q for q in questions() if first.answers[q] != second.answers[q]]
    assert [row["question"] for row in data["answers"]] == differing
    for row in data["answers"]:
        assert row["values"] == [first.answers[row["question"]], second.answers[row["question"]]]
        assert len(row["words"]) == 2
    assert data["rules"]
    assert all(len(r["weights"]) == 2 for r in data["rules"])
    assert all(len(a["nets"]) == 2 for a in data["areas"])


def test_compare_revisions_with_id_at_number(world: World) -> None:
    url = f"/assessments/{world.assessment.id}"
    world.api("editor").patch(url, {"revision": 1, "answers": {"vendor_terms_ok": "no"}})
    ident = str(world.assessment.id)

    data = compare(world.api("owner"), f"{ident}@1", f"{ident}@2").json()

    assert [i["label"] for i in data["items"]] == [
        "Support chatbot (revision 1)",
        "Support chatbot (revision 2)",
    ]
    assert [row["question"] for row in data["answers"]] == ["vendor_terms_ok"]
    assert data["answers"][0]["values"] == ["with_contract", "no"]


def test_compare_the_same_answers_says_they_are_identical(world: World) -> None:
    ident = str(world.assessment.id)

    data = compare(world.api("owner"), ident, f"{ident}@1").json()

    assert data["identical"] is True
    assert data["answers"] == []


def test_compare_up_to_four_items(world: World, pair: tuple[Assessment, Assessment]) -> None:
    third = make_assessment(world.team, world.users["owner"], **SCENARIOS[2]["answers"])
    ids = [str(a.id) for a in (*pair, third, world.assessment)]

    data = compare(world.api("owner"), *ids).json()

    assert [i["letter"] for i in data["items"]] == ["A", "B", "C", "D"]
    assert [i["ref"] for i in data["items"]] == ids


@pytest.mark.parametrize("count", [0, 1, 5])
def test_compare_refuses_too_few_or_too_many_items_naming_item(world: World, count: int) -> None:
    owner = world.users["owner"]
    ids = [str(make_assessment(world.team, owner, use_case=f"n{n}").id) for n in range(count)]

    response = compare(world.api("owner"), *ids)

    data = assert_error(response, 422, "item")
    if count:  # none at all is a missing parameter, refused before the count is looked at
        assert f"{count} given" in data["message"]


def test_compare_refuses_the_same_item_twice(world: World) -> None:
    ident = str(world.assessment.id)

    response = compare(world.api("owner"), ident, ident)

    assert_error(response, 422, "item")


@pytest.mark.parametrize(
    "bad", ["not-an-id", "12345", "{id}@", "{id}@x", "{id}@0", "{id}@-1", "{id}@99999999999"]
)
def test_compare_refuses_a_bad_item_naming_it(world: World, bad: str) -> None:
    ident = str(world.assessment.id)
    bad = bad.format(id=ident)

    response = compare(world.api("owner"), ident, bad)

    assert_error(response, 422, "item.1")


def test_compare_refuses_an_item_repeated_among_others(
    world: World, pair: tuple[Assessment, Assessment]
) -> None:
    first, second = (str(a.id) for a in pair)

    response = compare(world.api("owner"), first, second, first)

    assert_error(response, 422, "item")


def test_compare_an_unknown_revision_is_404_naming_the_item(world: World) -> None:
    ident = str(world.assessment.id)

    response = compare(world.api("owner"), ident, f"{ident}@9")

    data = assert_error(response, 404, "item.1")
    assert "9" in data["message"]


def test_compare_an_item_of_another_team_is_404(world: World) -> None:
    outsider = world.users["outsider"]
    theirs = make_assessment(create_team(name="Elsewhere", owner=outsider), outsider)

    response = compare(world.api("owner"), str(world.assessment.id), str(theirs.id))

    assert_error(response, 404)


# ---------------------------------------------------------------------- exports


def page_size(content: bytes) -> tuple[float, float]:
    reader = PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def test_pdf_is_the_report_on_a4_by_default(world: World) -> None:
    response = world.api("viewer").get(f"/assessments/{world.assessment.id}/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="support-chatbot-a4.pdf"'
    assert page_size(response.content) == A4
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Support chatbot" in text


def test_pdf_on_letter_paper_is_us_letter(world: World) -> None:
    response = world.api("viewer").get(
        f"/assessments/{world.assessment.id}/pdf", {"paper": "letter"}
    )

    assert response.status_code == 200
    assert page_size(response.content) == LETTER


def test_pdf_is_the_same_file_as_the_web_download(world: World) -> None:
    browser = Client()
    browser.force_login(world.users["owner"])
    web = browser.get(f"/a/{world.assessment.id}/export/report.pdf")

    response = world.api("owner").get(f"/assessments/{world.assessment.id}/pdf")

    assert response.content == web.content


def test_pdf_on_unknown_paper_is_422_naming_paper(world: World) -> None:
    response = world.api("owner").get(f"/assessments/{world.assessment.id}/pdf", {"paper": "b5"})

    assert_error(response, 422, "paper")


def test_decision_record_is_markdown_with_the_records_headings(world: World) -> None:
    response = world.api("viewer").get(f"/assessments/{world.assessment.id}/decision-record")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert "decision-record-support-chatbot.md" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith('---\nstatus: "draft"\n')
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings[0] == "# Support chatbot"
    assert [h for h in headings if h.startswith("## ")] == [
        "## Context and Problem Statement",
        "## Decision Drivers",
        "## Considered Options",
        "## Decision Outcome",
        "## Pros and Cons of the Options",
        "## More Information",
    ]
    assert "> Support chatbot" in text


def test_decision_record_is_the_same_as_the_web_download(world: World) -> None:
    browser = Client()
    browser.force_login(world.users["owner"])
    web = browser.get(f"/a/{world.assessment.id}/export/decision-record.md")

    response = world.api("owner").get(f"/assessments/{world.assessment.id}/decision-record")

    assert response.content.decode() == web.content.decode()


def test_export_is_the_exchange_file(world: World) -> None:
    assessment = world.assessment

    data = world.api("viewer").get(f"/assessments/{assessment.id}/export").json()

    assert {k: data[k] for k in ("schema", "schema_version", "title", "status")} == {
        "schema": "decider.assessment",
        "schema_version": 1,
        "title": "",
        "status": "draft",
    }
    assert data["answers"] == assessment.answers
    assert data["result"] == as_json(assess(assessment.answers))
    assert data["ruleset"] == data["result"]["ruleset"]


def test_export_round_trips_through_import(world: World) -> None:
    api = world.api("owner")
    url = f"/assessments/{world.assessment.id}"
    api.patch(url, {"revision": 1, "name": "Chatbot plan", "status": "proposed"})
    exported = api.get(f"{url}/export").json()
    count = Assessment.objects.count()

    response = world.api("editor").post(f"/teams/{world.team.slug}/import", exported)

    assert response.status_code == 201, response.content
    data = response.json()
    assert Assessment.objects.count() == count + 1
    copy = Assessment.objects.get(pk=data["id"])
    assert copy.pk != world.assessment.pk
    assert (copy.team, copy.author) == (world.team, world.users["editor"])
    assert copy.answers == exported["answers"]
    assert (copy.name, copy.status) == ("Chatbot plan", "proposed")
    assert data["result"] == exported["result"]
    assert api.get(f"/assessments/{copy.id}/export").json()["answers"] == exported["answers"]


def test_import_into_another_of_the_callers_teams(world: World) -> None:
    api = world.api("owner")
    exported = api.get(f"/assessments/{world.assessment.id}/export").json()
    personal = world.users["owner"].memberships.get(team__personal=True).team

    response = api.post(f"/teams/{personal.slug}/import", exported)

    assert response.status_code == 201
    assert response.json()["team"] == personal.slug


def test_import_of_a_broken_file_names_each_field_and_stores_nothing(world: World) -> None:
    api = world.api("owner")
    exported = api.get(f"/assessments/{world.assessment.id}/export").json()
    broken = {
        **exported,
        "schema": "something.else",
        "status": "finished",
        "title": 42,
        "surprise": True,
        "answers": {**exported["answers"], "stage": "someday", "monthly_requests": "lots"},
    }
    before = stored()

    response = api.post(f"/teams/{world.team.slug}/import", broken)

    data = assert_error(response, 422)
    assert sorted(e["field"] for e in data["errors"]) == [
        "answers.monthly_requests",
        "answers.stage",
        "schema",
        "status",
        "surprise",
        "title",
    ]
    assert stored() == before


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "UTF-8"),
        (b"[1, 2]", "JSON object"),
    ],
)
def test_import_of_something_that_is_not_a_file_is_422_naming_file(
    world: World, raw: bytes, message: str
) -> None:
    before = stored()

    response = world.api("owner").post(f"/teams/{world.team.slug}/import", raw)

    data = assert_error(response, 422, "file")
    assert message in data["errors"][0]["message"]
    assert stored() == before


def test_import_by_a_viewer_is_403_and_into_an_unknown_team_404(world: World) -> None:
    exported = world.api("owner").get(f"/assessments/{world.assessment.id}/export").json()
    before = stored()

    viewer = world.api("viewer").post(f"/teams/{world.team.slug}/import", exported)
    unknown = world.api("owner").post("/teams/no-such-team/import", exported)

    assert_error(viewer, 403)
    assert_error(unknown, 404, "team")
    assert stored() == before


# ---------------------------------------------------------------------- one error shape


def test_401_has_the_error_shape_and_says_how_to_sign_in(world: World) -> None:
    response = Api().get("/me")

    data = assert_error(response, 401)
    assert data["code"] == "unauthenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="decider"'


def test_403_has_the_error_shape(world: World) -> None:
    response = world.api("viewer").post(f"/assessments/{world.assessment.id}/archive")

    assert assert_error(response, 403)["code"] == "forbidden"


def test_404_has_the_error_shape(world: World) -> None:
    response = world.api("outsider").get(f"/assessments/{world.assessment.id}")

    assert assert_error(response, 404)["code"] == "not_found"


def test_409_has_the_error_shape(world: World) -> None:
    url = f"/assessments/{world.assessment.id}"
    world.api("owner").patch(url, {"revision": 1, "name": "First"})

    response = world.api("owner").patch(url, {"revision": 1, "name": "Second"})

    assert assert_error(response, 409, "revision")["code"] == "conflict"


@override_settings(DECIDER_API_MAX_BODY_BYTES=500)
def test_413_a_body_over_the_limit_has_the_error_shape_and_stores_nothing(world: World) -> None:
    before = stored()
    body = {"team": world.team.slug, "answers": {"use_case": "x" * 600}}

    response = world.api("owner").post("/assessments", body)

    data = assert_error(response, 413, "body")
    assert data["code"] == "too_large"
    assert "500" in data["message"]
    assert stored() == before


@override_settings(DECIDER_API_MAX_BODY_BYTES=500)
def test_a_body_just_under_the_limit_is_read(world: World) -> None:
    body = json.dumps({"use_case": "x" * 400})
    assert len(body) <= 500

    response = Api().post("/assess", body)

    assert response.status_code == 200


def test_422_has_the_error_shape(world: World) -> None:
    response = Api().post("/assess", {"stage": "someday"})

    assert assert_error(response, 422, "stage")["code"] == "invalid"


@override_settings(DECIDER_API_RATE_LIMITS={"assess": (1, 60), "write": (1, 60)})
def test_429_has_the_error_shape(world: World) -> None:
    api = Api()
    api.post("/assess", {})

    response = api.post("/assess", {})

    assert assert_error(response, 429)["code"] == "rate_limited"


def test_an_unknown_api_path_is_404_in_the_error_shape(world: World) -> None:
    response = world.api("owner").get("/no-such-route")

    assert assert_error(response, 404)["code"] == "not_found"


def test_a_method_a_route_does_not_take_is_405_in_the_error_shape(world: World) -> None:
    response = world.api("owner").send("delete", f"/assessments/{world.assessment.id}")

    data = assert_error(response, 405)
    assert data["code"] == "method_not_allowed"
    assert set(response["Allow"].split(", ")) == {"GET", "PATCH"}
    assert Assessment.objects.filter(pk=world.assessment.pk).exists()


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"{'stage': 'pilot'}", b'{"stage": "pilot"', b"\xff\xfe\x00", b""],
    ids=["words", "single-quotes", "unclosed", "not-utf8", "empty"],
)
def test_a_body_that_is_not_json_is_422_naming_body(raw: bytes) -> None:
    response = Api().post("/assess", raw)

    data = assert_error(response, 422, "body")
    assert data["code"] == "invalid"


def test_a_body_nested_too_deeply_is_422_naming_body() -> None:
    raw = '{"use_case": ' + "[" * 100_000 + "]" * 100_000 + "}"

    response = Api().post("/assess", raw)

    assert_error(response, 422, "body")


@pytest.mark.parametrize("body", [[], "text", 3, None], ids=["list", "string", "number", "null"])
def test_a_json_body_that_is_not_an_object_is_422_naming_body(body: Any) -> None:
    response = Api().post("/assess", json.dumps(body))

    assert_error(response, 422, "body")


def test_a_huge_integer_is_422_in_the_engines_words() -> None:
    response = Api().post("/assess", {"monthly_requests": 10**400})

    data = assert_error(response, 422)
    assert data["errors"] == [
        {"field": "monthly_requests", "message": engine_message(monthly_requests=10**400)}
    ]


def test_an_integer_too_long_to_read_is_422_naming_body() -> None:
    """Python refuses to read integers of more than 4300 digits (a denial-of-service guard);
    that is bad input like any other, not a 400 nor a 500."""
    raw = '{"monthly_requests": ' + "9" * 5000 + "}"

    response = Api().post("/assess", raw)

    assert_error(response, 422, "body")


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("monthly_requests", "3"),
        ("priority_cost", 3.5),
        ("priority_cost", True),
        ("stage", 1),
        ("use_case", 5),
        ("stage", None),
        ("stage", ["pilot"]),
    ],
)
def test_a_wrong_type_is_422_in_the_engines_words_naming_the_question(
    question: str, value: Any
) -> None:
    response = Api().post("/assess", {question: value})

    data = assert_error(response, 422)
    assert data["errors"] == [{"field": question, "message": engine_message(**{question: value})}]


def test_a_whole_number_written_with_a_fraction_is_that_number() -> None:
    """JSON has one kind of number: 3.0 is the integer 3 (as in JSON Schema), "3" is not."""
    response = Api().post("/assess", '{"priority_cost": 3.0}')

    assert response.status_code == 200
    assert response.json() == as_json(assess({"priority_cost": 3}))


def test_a_wrong_type_in_stored_answers_uses_the_engines_words_too(world: World) -> None:
    response = world.api("owner").post(
        "/assessments", {"team": world.team.slug, "answers": {"monthly_requests": "3"}}
    )

    data = assert_error(response, 422)
    assert data["errors"] == [
        {"field": "answers.monthly_requests", "message": engine_message(monthly_requests="3")}
    ]


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("create", {"name": "Bad\x00name"}),
        ("create", {"answers": {"use_case": "Bad\x00use case"}}),
        ("patch", {"revision": 1, "name": "Bad\x00name"}),
        ("patch", {"revision": 1, "answers": {"use_case": "Bad\x00use case"}}),
    ],
)
def test_text_with_a_nul_character_is_refused_not_a_server_error(
    world: World, route: str, body: dict[str, Any]
) -> None:
    """PostgreSQL cannot store NUL in text or jsonb; a request must not reach that point."""
    api = world.api("owner")
    before = stored()

    if route == "create":
        response = api.post("/assessments", {"team": world.team.slug, **body})
    else:
        response = api.patch(f"/assessments/{world.assessment.id}", body)

    field = "name" if "name" in body else "answers.use_case"
    assert_error(response, 422, field)
    assert stored() == before


def test_errors_are_never_cached(world: World) -> None:
    response = world.api("outsider").get(f"/assessments/{world.assessment.id}")

    assert response["Cache-Control"] == "no-store"


# ---------------------------------------------------------------------- people elsewhere


def test_a_new_member_sees_the_teams_work_at_once(world: World) -> None:
    newcomer = make_user("newcomer@example.com")
    world.team.memberships.create(user=newcomer, role="viewer")
    api = Api(token_for(newcomer))

    response = api.get(f"/assessments/{world.assessment.id}")

    assert response.status_code == 200
    assert response.json()["id"] == str(world.assessment.id)
