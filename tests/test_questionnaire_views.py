"""The questionnaire in the browser: home, starting an assessment, the steps and autosave.

Each step works without JavaScript (a POST saves the whole step, or nothing, and moves on) and
with htmx (every change is autosaved on its own and answered with out-of-band fragments).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from decider.assessments import services
from decider.assessments.models import Assessment
from decider.engine import assess, load_questionnaire, questions
from decider.engine.examples import examples
from decider.engine.labels import labels
from tests.factories import as_visitor, make_assessment
from tests.markup import Page, text_of

SECTIONS = [section.id for section in load_questionnaire().sections]
THIN = "\u202f"


@pytest.fixture
def owner(client: Client) -> Client:
    """The browser that owns the assessments made with the factory's default visitor."""
    return as_visitor(client)


def step_url(assessment: Assessment, step: str) -> str:
    return f"/a/{assessment.id}/{step}/"


def answer_url(assessment: Assessment) -> str:
    return f"/a/{assessment.id}/answer/"


def saved_state(assessment: Assessment) -> dict[str, Any]:
    """What a save would change, read fresh from the database."""
    row = Assessment.objects.get(pk=assessment.pk)
    return {
        "answers": row.answers,
        "answered": row.answered,
        "revision": row.revision,
        "recommendation": row.recommendation,
        "confidence": row.confidence,
    }


# ---------------------------------------------------------------------- home


@pytest.mark.django_db
def test_home_lists_this_browsers_recent_assessments_only(owner: Client) -> None:
    mine = make_assessment(use_case="Summarise support tickets")
    make_assessment(visitor="v-other", use_case="Someone else's secret project")

    response = owner.get("/")

    assert response.status_code == 200
    page = Page(response)
    recent = [text_of(a) for a in page.find(".//ul[@class='recent']").findall("./li/a[1]")]
    assert recent == ["Summarise support tickets"]
    assert page.find(".//ul[@class='recent']/li/a[1]").get("href") == f"/a/{mine.id}/"
    assert "Someone else's secret project" not in page.text


@pytest.mark.django_db
def test_home_lists_no_assessments_for_a_browser_without_a_visitor_token(client: Client) -> None:
    make_assessment(use_case="Summarise support tickets")

    page = Page(client.get("/"))

    assert page.find_all(".//ul[@class='recent']") == []
    assert "Summarise support tickets" not in page.text


@pytest.mark.django_db
def test_home_lists_the_most_recently_changed_assessment_first(owner: Client) -> None:
    older = make_assessment(use_case="Older")
    make_assessment(use_case="Newer")
    owner.post(answer_url(older), {"stage": "production"})

    page = Page(owner.get("/"))

    assert texts_of_recent(page) == ["Older", "Newer"]


@pytest.mark.django_db
def test_home_lists_at_most_ten_recent_assessments(owner: Client) -> None:
    for n in range(12):
        make_assessment(use_case=f"Assessment {n}")

    page = Page(owner.get("/"))

    assert texts_of_recent(page) == [f"Assessment {n}" for n in range(11, 1, -1)]


def texts_of_recent(page: Page) -> list[str]:
    return [text_of(a) for a in page.find_all(".//ul[@class='recent']/li/a[1]")]


# ---------------------------------------------------------------------- starting


@pytest.mark.django_db
def test_new_assessment_is_created_for_this_browser_and_opens_on_workload(
    client: Client,
) -> None:
    response = client.post("/assessments/new/")

    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/a/{assessment.id}/workload/"
    assert assessment.visitor == client.session[services.VISITOR_KEY]
    assert assessment.answered == []
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("example", examples(), ids=lambda e: e["slug"])
def test_new_assessment_from_an_example_lands_on_its_report(
    client: Client, example: dict[str, Any]
) -> None:
    response = client.post("/assessments/new/", {"example": example["slug"]})

    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/a/{assessment.id}/report/"
    report = Page(client.get(response["Location"]))
    expected = assess(example["answers"])["recommendation"]
    assert report.find(".//section[@data-recommendation]").get("data-recommendation") == expected
    assert assessment.recommendation == expected


@pytest.mark.django_db
def test_new_assessment_from_an_unknown_example_is_refused(client: Client) -> None:
    response = client.post("/assessments/new/", {"example": "no-such-example"})

    assert response.status_code == 400
    assert Assessment.objects.count() == 0


# ---------------------------------------------------------------------- step pages


@pytest.mark.django_db
@pytest.mark.parametrize("step", SECTIONS)
def test_step_page_shows_every_question_of_its_section(owner: Client, step: str) -> None:
    assessment = make_assessment()

    response = owner.get(step_url(assessment, step))

    assert response.status_code == 200
    page = Page(response)
    assert text_of(page.find(".//h1")) == labels().sections[step].title
    for question in services.section_questions(step):
        wording = labels().question(question.id)
        fields = page.find_all(f".//form[@id='step-form']//*[@name='{question.id}']")
        assert fields, f"no form field named {question.id}"
        assert text_of(page.by_id(f"help-{question.id}")) == wording.help
        if question.kind == "choice":
            assert [f.get("value") for f in fields] == list(question.choices)
            assert text_of(page.find(f".//fieldset[@id='q-{question.id}']/legend")) == (
                wording.label
            )
            shown = page.find_all(f".//fieldset[@id='q-{question.id}']//span[@class='card-label']")
            assert [text_of(s) for s in shown] == [
                wording.choices[c].label for c in question.choices
            ]
        elif question.id.startswith("priority_"):
            assert [f.get("value") for f in fields] == ["1", "2", "3", "4", "5"]
            assert text_of(page.find(f".//fieldset[@id='q-{question.id}']/legend")) == (
                wording.label
            )
            hints = page.find_all(f".//fieldset[@id='q-{question.id}']//span[@class='card-hint']")
            assert [text_of(h) for h in hints] == list(labels().scale.values())
        else:
            assert text_of(page.find(f".//label[@for='{question.id}']")) == wording.label


@pytest.mark.django_db
def test_step_page_shows_the_saved_answers(owner: Client) -> None:
    assessment = make_assessment(stage="production", monthly_requests=2_500_000)

    page = Page(owner.get(step_url(assessment, "workload")))

    assert page.by_id("stage-production").get("checked") == ""
    assert page.by_id("stage-pilot").get("checked") is None
    assert page.by_id("monthly_requests").get("value") == "2500000"
    assert text_of(page.by_id("tokens-words")) == "That is about 3.8 billion tokens a month."


@pytest.mark.django_db
def test_step_get_records_the_step_so_that_resume_returns_there(owner: Client) -> None:
    assessment = make_assessment()

    owner.get(step_url(assessment, "risk"))
    response = owner.get(f"/a/{assessment.id}/")

    assert Assessment.objects.get(pk=assessment.pk).current_step == "risk"
    assert response.status_code == 302
    assert response["Location"] == step_url(assessment, "risk")


@pytest.mark.django_db
def test_resume_of_a_fresh_assessment_opens_the_first_step(owner: Client) -> None:
    assessment = make_assessment()

    response = owner.get(f"/a/{assessment.id}/")

    assert response.status_code == 302
    assert response["Location"] == step_url(assessment, "workload")


@pytest.mark.django_db
def test_resume_of_an_assessment_from_an_example_opens_the_review(owner: Client) -> None:
    assessment = make_assessment(**examples()[0]["answers"])

    response = owner.get(f"/a/{assessment.id}/")

    assert response.status_code == 302
    assert response["Location"] == f"/a/{assessment.id}/review/"


@pytest.mark.django_db
def test_step_post_saves_the_whole_step_and_goes_to_the_next(owner: Client) -> None:
    assessment = make_assessment()
    form = {
        "use_case": "Summarise support tickets\r\nfor the weekly report",
        "stage": "production",
        "task_kind": "extraction_classification",
        "capability_need": "adequate",
        "monthly_requests": "2500000",
        "tokens_per_request": "800",
        "usage_pattern": "steady",
        "latency_need": "batch",
        "time_to_market": "flexible",
        "go": "next",
    }

    response = owner.post(step_url(assessment, "workload"), form)

    assert response.status_code == 302
    assert response["Location"] == step_url(assessment, "data")
    row = Assessment.objects.get(pk=assessment.pk)
    saved = {qid: row.answers[qid] for qid in form if qid != "go"}
    assert saved == {
        "use_case": "Summarise support tickets\nfor the weekly report",
        "stage": "production",
        "task_kind": "extraction_classification",
        "capability_need": "adequate",
        "monthly_requests": 2_500_000,
        "tokens_per_request": 800,
        "usage_pattern": "steady",
        "latency_need": "batch",
        "time_to_market": "flexible",
    }
    assert row.answered == [q.id for q in services.section_questions("workload")]
    assert row.current_step == "data"
    assert row.recommendation == assess(row.answers)["recommendation"]
    assert row.revision == assessment.revision + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "go", "lands_on"),
    [
        ("data", "back", "/workload/"),
        ("workload", "back", "/workload/"),
        ("data", "next", "/team/"),
        ("priorities", "next", "/review/"),
        ("workload", "priorities", "/priorities/"),
        ("risk", "data", "/data/"),
        ("workload", "review", "/review/"),
        ("team", "nowhere", "/team/"),
    ],
)
def test_step_post_goes_where_the_button_says(
    owner: Client, step: str, go: str, lands_on: str
) -> None:
    assessment = make_assessment()
    question = services.section_questions(step)[-1]

    response = owner.post(
        step_url(assessment, step), {question.id: str(question.default), "go": go}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/a/{assessment.id}{lands_on}"
    row = Assessment.objects.get(pk=assessment.pk)
    assert row.current_step == lands_on.strip("/")
    assert row.answered == [question.id]


@pytest.mark.django_db
def test_step_post_ignores_answers_belonging_to_other_steps(owner: Client) -> None:
    assessment = make_assessment()

    owner.post(step_url(assessment, "workload"), {"stage": "production", "vendor_terms_ok": "no"})

    row = Assessment.objects.get(pk=assessment.pk)
    assert row.answers["stage"] == "production"
    assert row.answers["vendor_terms_ok"] == "with_contract"
    assert row.answered == ["stage"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", ["2,500,000", "2 500 000", f"2{THIN}500{THIN}000", "2_500_000", " 2500000 "]
)
def test_step_post_accepts_thousands_separators(owner: Client, typed: str) -> None:
    assessment = make_assessment()

    response = owner.post(step_url(assessment, "workload"), {"monthly_requests": typed})

    assert response.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).answers["monthly_requests"] == 2_500_000


@pytest.mark.django_db
def test_step_post_with_a_tampered_choice_is_refused_and_saves_nothing(owner: Client) -> None:
    assessment = make_assessment()
    before = saved_state(assessment)

    response = owner.post(
        step_url(assessment, "workload"),
        {"stage": "galactic", "capability_need": "frontier", "go": "next"},
    )

    assert response.status_code == 422
    assert saved_state(assessment) == before
    page = Page(response)
    message = (
        "'galactic' is not one of the answers; choose Prototype, Pilot, In production or "
        "Core product."
    )
    summary = [text_of(li) for li in page.find_all(".//div[@class='error-summary']//li")]
    assert summary == [f"How far along is this feature?: {message}"]
    assert text_of(page.by_id("feedback-stage")) == message
    assert text_of(page.by_id("save-status")) == (
        "Nothing on this step was saved: please correct the marked answers."
    )
    # What the user chose alongside is still chosen, ready to submit again.
    assert page.by_id("capability_need-frontier").get("checked") == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "qid", "typed", "message"),
    [
        (
            "workload",
            "tokens_per_request",
            "3000000",
            f"3000000 is not allowed; enter a whole number from 1 to 2{THIN}000{THIN}000.",
        ),
        (
            "workload",
            "tokens_per_request",
            "0",
            f"0 is not allowed; enter a whole number from 1 to 2{THIN}000{THIN}000.",
        ),
        (
            "workload",
            "monthly_requests",
            "lots",
            "'lots' is not allowed; enter a whole number from 0 to "
            f"1{THIN}000{THIN}000{THIN}000{THIN}000.",
        ),
        (
            "workload",
            "monthly_requests",
            "2.5",
            "'2.5' is not allowed; enter a whole number from 0 to "
            f"1{THIN}000{THIN}000{THIN}000{THIN}000.",
        ),
        (
            "priorities",
            "priority_cost",
            "9",
            "9 is not allowed; enter a whole number from 1 to 5.",
        ),
    ],
)
def test_step_post_with_a_bad_number_is_refused_and_saves_nothing(
    owner: Client, step: str, qid: str, typed: str, message: str
) -> None:
    assessment = make_assessment()
    before = saved_state(assessment)
    # A valid answer on the same step, sent alongside: refused with the rest.
    valid, valid_value = (
        ("priority_speed", "5") if step == "priorities" else ("stage", "core_product")
    )

    response = owner.post(step_url(assessment, step), {qid: typed, valid: valid_value})

    assert response.status_code == 422
    assert saved_state(assessment) == before
    page = Page(response)
    summary = [text_of(li) for li in page.find_all(".//div[@class='error-summary']//li")]
    assert summary == [f"{labels().question(qid).label}: {message}"]
    assert text_of(page.by_id(f"feedback-{qid}")) == message
    assert page.by_id(f"{valid}-{valid_value}").get("checked") == ""
    if not qid.startswith("priority_"):
        assert page.by_id(qid).get("value") == typed
        assert page.by_id(qid).get("aria-invalid") == "true"


@pytest.mark.django_db
def test_step_post_reports_every_bad_answer_at_once(owner: Client) -> None:
    # BUG: a number that is not a number stops the check before the other answers are
    # validated, so a second bad answer (out of range, or a tampered choice) is only
    # reported after the user has fixed the first and submitted again.
    assessment = make_assessment()

    response = owner.post(
        step_url(assessment, "workload"),
        {"monthly_requests": "lots", "tokens_per_request": "0", "stage": "galactic"},
    )

    assert response.status_code == 422
    page = Page(response)
    marked = [e.get("id") for e in page.find_all(".//div[@class='feedback']") if text_of(e) != ""]
    assert marked == ["feedback-stage", "feedback-monthly_requests", "feedback-tokens_per_request"]


@pytest.mark.django_db
def test_step_post_with_an_empty_number_says_it_is_empty(owner: Client) -> None:
    # BUG: the placeholder "an empty value" is quoted as if the user had typed those words:
    # "'an empty value' is not allowed; ...".
    assessment = make_assessment()

    response = owner.post(step_url(assessment, "workload"), {"monthly_requests": "  "})

    assert response.status_code == 422
    message = text_of(Page(response).by_id("feedback-monthly_requests"))
    assert "'an empty value'" not in message
    assert message.endswith(
        f"is not allowed; enter a whole number from 0 to 1{THIN}000{THIN}000{THIN}000{THIN}000."
    )


# ---------------------------------------------------------------------- autosave


def count_ids() -> list[str]:
    return [f"count-{section}" for section in SECTIONS]


@pytest.mark.django_db
def test_autosave_saves_one_answer_and_answers_with_out_of_band_fragments(
    owner: Client,
) -> None:
    assessment = make_assessment()

    response = owner.post(
        answer_url(assessment), {"stage": "production"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    row = Assessment.objects.get(pk=assessment.pk)
    assert row.answers["stage"] == "production"
    assert row.answered == ["stage"]
    assert row.revision == assessment.revision + 1
    fragments = Page(response).top_level()
    assert [f.get("id") for f in fragments] == [
        "base-stage",
        "feedback-stage",
        "save-status",
        "progress",
        *count_ids(),
    ]
    # The base value the next save is checked against is replaced whole; the rest in place.
    assert {f.get("id"): f.get("hx-swap-oob") for f in fragments}["base-stage"] == "true"
    assert {f.get("hx-swap-oob") for f in fragments[1:]} == {"innerHTML"}
    by_id = {f.get("id"): f for f in fragments}
    assert by_id["base-stage"].get("value") == "production"
    assert text_of(by_id["feedback-stage"]) == ""
    assert text_of(by_id["save-status"]).startswith("All changes saved at ")
    total = len(questions())
    assert text_of(by_id["progress"]) == f"1 of {total} questions answered"
    assert by_id["progress"].find("progress").get("value") == "1"  # type: ignore[union-attr]
    counts = {i: text_of(by_id[i]) for i in count_ids()}
    assert counts == {
        "count-workload": "1/9",
        "count-data": "0/3",
        "count-team": "0/5",
        "count-risk": "0/7",
        "count-priorities": "0/5",
    }


@pytest.mark.django_db
def test_autosave_adds_to_the_answers_already_given(owner: Client) -> None:
    assessment = make_assessment(stage="production", priority_cost=5)

    owner.post(answer_url(assessment), {"vendor_terms_ok": "no"})

    row = Assessment.objects.get(pk=assessment.pk)
    assert row.answered == ["stage", "vendor_terms_ok", "priority_cost"]
    assert (row.answers["stage"], row.answers["vendor_terms_ok"]) == ("production", "no")
    assert row.recommendation == assess(row.answers)["recommendation"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("qid", "typed", "saved", "words"),
    [
        ("monthly_requests", "2,500,000", 2_500_000, "about 3.8 billion tokens a month"),
        ("monthly_requests", "2 500 000", 2_500_000, "about 3.8 billion tokens a month"),
        ("monthly_requests", "0", 0, "no tokens a month"),
        ("tokens_per_request", "4000", 4000, "about 400 million tokens a month"),
    ],
)
def test_autosave_of_a_volume_answer_updates_the_tokens_a_month(
    owner: Client, qid: str, typed: str, saved: int, words: str
) -> None:
    assessment = make_assessment()  # 100 000 requests of 1 500 tokens by default

    response = owner.post(answer_url(assessment), {qid: typed}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert Assessment.objects.get(pk=assessment.pk).answers[qid] == saved
    tokens = Page(response).by_id("tokens-words")
    assert tokens.get("hx-swap-oob") == "innerHTML"
    assert text_of(tokens) == f"That is {words}."


@pytest.mark.django_db
def test_autosave_of_another_answer_leaves_the_tokens_a_month_alone(owner: Client) -> None:
    assessment = make_assessment()

    response = owner.post(answer_url(assessment), {"stage": "production"})

    assert Page(response).find_all(".//*[@id='tokens-words']") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("qid", "typed", "message"),
    [
        (
            "stage",
            "galactic",
            "'galactic' is not one of the answers; choose Prototype, Pilot, In production or "
            "Core product.",
        ),
        (
            "monthly_requests",
            "lots",
            "'lots' is not allowed; enter a whole number from 0 to "
            f"1{THIN}000{THIN}000{THIN}000{THIN}000.",
        ),
        (
            "tokens_per_request",
            "2000001",
            f"2000001 is not allowed; enter a whole number from 1 to 2{THIN}000{THIN}000.",
        ),
        ("priority_speed", "0", "0 is not allowed; enter a whole number from 1 to 5."),
    ],
)
def test_autosave_refuses_a_bad_value_and_saves_nothing(
    owner: Client, qid: str, typed: str, message: str
) -> None:
    assessment = make_assessment(stage="pilot")
    before = saved_state(assessment)

    response = owner.post(answer_url(assessment), {qid: typed}, headers={"HX-Request": "true"})

    assert response.status_code == 422
    assert saved_state(assessment) == before
    page = Page(response)
    assert text_of(page.by_id(f"feedback-{qid}")) == message
    assert text_of(page.by_id("save-status")) == (
        f"Not saved. {labels().question(qid).label} {message}"
    )
    assert text_of(page.by_id("progress")) == f"1 of {len(questions())} questions answered"


@pytest.mark.django_db
def test_autosave_refuses_a_use_case_longer_than_allowed(owner: Client) -> None:
    assessment = make_assessment(use_case="Summarise tickets")
    before = saved_state(assessment)

    response = owner.post(answer_url(assessment), {"use_case": "x" * 2001})

    assert response.status_code == 422
    assert saved_state(assessment) == before
    assert "at most 2000 characters" in text_of(Page(response).by_id("feedback-use_case"))


@pytest.mark.django_db
def test_autosave_refuses_a_nul_character_in_text(owner: Client) -> None:
    """No database stores NUL in text (PostgreSQL refuses it): a message, never a 500."""
    assessment = make_assessment(use_case="Summarise tickets")
    before = saved_state(assessment)

    response = owner.post(answer_url(assessment), {"use_case": "Summarise\x00 tickets"})

    assert response.status_code == 422
    assert saved_state(assessment) == before
    assert "NUL character" in text_of(Page(response).by_id("feedback-use_case"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"go": "next", "not_a_question": "1"},
        {"stage": "production", "capability_need": "frontier"},
    ],
    ids=["nothing", "no-question", "two-answers"],
)
def test_autosave_needs_exactly_one_answer(owner: Client, data: dict[str, str]) -> None:
    assessment = make_assessment()
    before = saved_state(assessment)

    response = owner.post(answer_url(assessment), data, headers={"HX-Request": "true"})

    assert (response.status_code, response.content) == (400, b"Send exactly one answer.")
    assert saved_state(assessment) == before


@pytest.mark.django_db
def test_autosave_keeps_both_of_two_answers_saved_at_the_same_time(owner: Client) -> None:
    # BUG (lost update): every autosave loads the row, merges its one answer into the answers it
    # read and writes the whole object back. Two autosaves in flight together (a number field's
    # "change" on blur and the radio clicked to cause it, on a server with several workers)
    # both read the old answers, and the later write silently drops the earlier answer while
    # both browsers were told "All changes saved". This replays that interleaving: both
    # requests have read the row before either writes.
    assessment = make_assessment()
    first_request = Assessment.objects.get(pk=assessment.pk)
    second_request = Assessment.objects.get(pk=assessment.pk)

    services.apply_answers(assessment=first_request, changes={"monthly_requests": 2_500_000})
    services.apply_answers(assessment=second_request, changes={"stage": "production"})

    row = Assessment.objects.get(pk=assessment.pk)
    assert (row.answers["monthly_requests"], row.answers["stage"]) == (2_500_000, "production")
    assert row.answered == ["stage", "monthly_requests"]
