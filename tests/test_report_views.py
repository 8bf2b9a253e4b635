"""The review and the report: every answer in words, then the recommendation and its reasons.

The report is the engine's result for the stored answers, shown in full: verdict, confidence,
summary, hard constraints, chart, reasons by area, hybrid split, cautions, flips, next steps and
the ruleset that decided. What-if recomputes it for changed answers without saving them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from decider.assessments import services
from decider.assessments.models import Assessment
from decider.engine import assess, load_questionnaire, questions
from decider.engine.labels import labels
from tests.factories import as_visitor, make_assessment, scenario_answers
from tests.markup import Page, has_class, text_of

THIN = "\u202f"
REC_WORDS = {"open": "Open model", "closed": "Closed model", "hybrid": "Hybrid"}
SCENARIOS = [
    "prototype",
    "document assistant",
    "support chatbot",
    "legal",
    "frontier",
    "classification",
]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(client: Client) -> Client:
    return as_visitor(client)


def report_url(assessment: Assessment) -> str:
    return f"/a/{assessment.id}/report/"


def what_if_url(assessment: Assessment) -> str:
    return f"/a/{assessment.id}/report/what-if/"


def saved_state(assessment: Assessment) -> dict[str, Any]:
    row = Assessment.objects.get(pk=assessment.pk)
    return {
        "answers": row.answers,
        "answered": row.answered,
        "revision": row.revision,
        "recommendation": row.recommendation,
        "confidence": row.confidence,
    }


def texts(page: Page, path: str) -> list[str]:
    return [text_of(e) for e in page.find_all(path)]


def verdict(page: Page) -> str | None:
    return page.find(".//section[@data-recommendation]").get("data-recommendation")


# ---------------------------------------------------------------------- report


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_report_states_the_engines_result_for_the_stored_answers(
    owner: Client, scenario: str
) -> None:
    assessment = make_assessment(**scenario_answers(scenario))
    result = assess(assessment.answers)
    percent = round(result["confidence"] * 100)

    response = owner.get(report_url(assessment))

    assert response.status_code == 200
    page = Page(response)
    assert verdict(page) == result["recommendation"]
    assert text_of(page.by_id("verdict-title")) == (
        f"Recommendation: {REC_WORDS[result['recommendation']]}"
    )
    assert page.find(".//p[@class='confidence']/meter").get("value") == str(percent)
    assert f"({percent}%)" in text_of(page.find(".//p[@class='confidence']"))
    assert texts(page, ".//p[@class='summary']") == [result["summary"]]
    assert texts(page, ".//ul[@class='cautions']/li") == result["cautions"]
    assert texts(page, ".//ol[@class='next-steps']/li") == result["next_steps"]
    assert len(page.find_all(".//ul[@class='flips']/li")) == len(result["flips"])
    assert f"Ruleset {result['ruleset']['version']} " in text_of(page.find(".//p[@class='trace']"))


@pytest.mark.django_db
def test_report_gives_each_flip_as_a_sentence_in_the_questionnaires_words(
    owner: Client,
) -> None:
    assessment = make_assessment(**scenario_answers("support chatbot"))
    flips = assess(assessment.answers)["flips"]
    assert len(flips) >= 2  # the scenario is close to the line in several places

    page = Page(owner.get(report_url(assessment)))

    sentences = texts(page, ".//ul[@class='flips']/li")
    assert len(sentences) == len(flips)
    for flip, sentence in zip(flips, sentences, strict=True):
        rec = REC_WORDS[flip["recommendation"]].lower()
        assert sentence.startswith(labels().question(flip["question"]).label + " \u2014 ")
        assert sentence.endswith(f": the recommendation would become {rec}.")
        assert "_" not in sentence  # answers in words, not ids


@pytest.mark.django_db
def test_report_says_so_when_no_single_answer_would_change_it(owner: Client) -> None:
    assessment = make_assessment(**scenario_answers("document assistant"))
    assert assess(assessment.answers)["flips"] == []

    page = Page(owner.get(report_url(assessment)))

    assert page.find_all(".//ul[@class='flips']") == []
    assert "No single change to one answer would change the recommendation" in page.text


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_report_chart_draws_one_bar_per_area_and_side_with_weight(
    owner: Client, scenario: str
) -> None:
    assessment = make_assessment(**scenario_answers(scenario))
    areas = assess(assessment.answers)["areas"]

    page = Page(owner.get(report_url(assessment)))

    chart = page.find(".//svg[@role='img']")
    bars = sum(1 for a in areas for side in ("open", "closed") if a[side] > 0)
    assert len(chart.findall("rect")) == bars
    assert text_of(chart.find("title")) == "Weight of the reasons in each area"  # type: ignore[arg-type]
    labels_drawn = [text_of(t) for t in chart.findall("text") if t.get("text-anchor") == "end"]
    for area in areas:
        assert area["label"] in labels_drawn


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_report_groups_the_reasons_by_area(owner: Client, scenario: str) -> None:
    assessment = make_assessment(**scenario_answers(scenario))
    result = assess(assessment.answers)
    area_label = {a["area"]: a["label"] for a in result["areas"]}
    expected: dict[str, int] = {}
    for entry in result["rationale"]:
        label = area_label[entry["area"]]
        expected[label] = expected.get(label, 0) + 1

    page = Page(owner.get(report_url(assessment)))

    shown = {}
    for group in page.with_class("reason-group", "div"):
        heading = group.find("h3")
        assert heading is not None
        shown[(heading.text or "").strip()] = len(group.findall("./ul/li"))
    assert shown == expected


@pytest.mark.django_db
def test_report_shows_which_part_goes_where_for_a_hybrid(owner: Client) -> None:
    assessment = make_assessment(**scenario_answers("support chatbot"))
    result = assess(assessment.answers)
    assert result["recommendation"] == "hybrid"

    page = Page(owner.get(report_url(assessment)))

    split = page.find(".//section[@class='split']")
    assert text_of(split.find("h2")) == "Which part goes where"  # type: ignore[arg-type]
    items = [text_of(li) for li in split.iter("li")]
    assert items == result["hybrid_split"]["open"] + result["hybrid_split"]["closed"]


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", ["prototype", "document assistant", "legal", "frontier"])
def test_report_has_no_split_for_a_single_model(owner: Client, scenario: str) -> None:
    assessment = make_assessment(**scenario_answers(scenario))
    assert assess(assessment.answers)["recommendation"] != "hybrid"

    page = Page(owner.get(report_url(assessment)))

    assert page.find_all(".//section[@class='split']") == []
    assert "Which part goes where" not in page.text


@pytest.mark.django_db
def test_report_states_the_hard_constraint_when_no_provider_may_see_the_data(
    owner: Client,
) -> None:
    assessment = make_assessment(vendor_terms_ok="no")
    constraints = assess(assessment.answers)["constraints"]

    page = Page(owner.get(report_url(assessment)))

    assert texts(page, ".//p[@class='constraint']") == [
        f"Hard constraint. {c['explanation']}" for c in constraints
    ]
    assert len(constraints) == 1
    assert "hosted model is ruled out" in constraints[0]["explanation"]


@pytest.mark.django_db
def test_report_states_no_hard_constraint_when_a_provider_may_see_the_data(
    owner: Client,
) -> None:
    assessment = make_assessment(vendor_terms_ok="yes")

    page = Page(owner.get(report_url(assessment)))

    assert page.find_all(".//p[@class='constraint']") == []


@pytest.mark.django_db
def test_report_shows_the_use_case_as_text_not_markup(owner: Client) -> None:
    assessment = make_assessment(use_case="<script>alert(1)</script> triage")

    response = owner.get(report_url(assessment))

    assert b"<script>alert(1)</script>" not in response.content
    assert text_of(Page(response).find(".//h1")) == "<script>alert(1)</script> triage"


# ---------------------------------------------------------------------- what-if


@pytest.fixture
def prototype() -> Assessment:
    """Closed with moderate confidence; refusing outside processing makes it open."""
    return make_assessment(**scenario_answers("prototype"))


@pytest.mark.django_db
def test_what_if_with_htmx_returns_only_the_report_body_and_saves_nothing(
    owner: Client, prototype: Assessment
) -> None:
    before = saved_state(prototype)
    changed = assess({**prototype.answers, "vendor_terms_ok": "no"})
    assert changed["recommendation"] != prototype.recommendation

    response = owner.post(
        what_if_url(prototype), {"vendor_terms_ok": "no", "action": "preview"}, headers=HTMX
    )

    assert response.status_code == 200
    assert saved_state(prototype) == before
    page = Page(response)
    assert [e.get("id") for e in page.top_level()] == ["report-body"]
    assert page.find_all(".//main") == page.find_all(".//form") == []
    assert verdict(page) == changed["recommendation"]
    status = page.by_id("what-if-status")
    assert status.get("hx-swap-oob") == "innerHTML"
    percent = round(changed["confidence"] * 100)
    assert text_of(status) == (
        f"What-if result: {REC_WORDS[changed['recommendation']]}, {percent}% confidence "
        "(not saved)."
    )
    assert texts(page, ".//div[@class='what-if-banner']/ul/li") == [
        "May an outside provider process this data? was Yes, now No"
    ]


@pytest.mark.django_db
def test_what_if_without_htmx_returns_the_whole_page_with_the_changed_answers(
    owner: Client, prototype: Assessment
) -> None:
    before = saved_state(prototype)

    response = owner.post(what_if_url(prototype), {"vendor_terms_ok": "no"})

    assert response.status_code == 200
    assert saved_state(prototype) == before
    page = Page(response)
    assert verdict(page) == assess({**prototype.answers, "vendor_terms_ok": "no"})["recommendation"]
    status = page.by_id("what-if-status")
    assert status.get("hx-swap-oob") is None
    assert text_of(status).startswith("What-if result: ")
    selected = page.find(".//select[@id='wi-vendor_terms_ok']/option[@selected]")
    assert selected.get("value") == "no"


@pytest.mark.django_db
def test_what_if_with_unchanged_answers_says_they_are_the_saved_ones(
    owner: Client, prototype: Assessment
) -> None:
    response = owner.post(
        what_if_url(prototype), {"vendor_terms_ok": prototype.answers["vendor_terms_ok"]}
    )

    page = Page(response)
    assert verdict(page) == prototype.recommendation
    assert "These are your saved answers." in text_of(page.with_class("what-if-banner")[0])


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "no-js"])
@pytest.mark.parametrize(
    ("qid", "typed", "error"),
    [
        (
            "monthly_requests",
            "lots",
            "'lots' is not allowed; enter a whole number from 0 to "
            f"1{THIN}000{THIN}000{THIN}000{THIN}000.",
        ),
        (
            "vendor_terms_ok",
            "maybe",
            "'maybe' is not one of the answers; choose Yes, Only under contract or No.",
        ),
    ],
)
def test_what_if_with_a_bad_value_is_refused_and_shows_the_saved_answers(
    owner: Client,
    prototype: Assessment,
    headers: dict[str, str],
    qid: str,
    typed: str,
    error: str,
) -> None:
    before = saved_state(prototype)

    response = owner.post(
        what_if_url(prototype), {qid: typed, "gpu_access": "owned_hardware"}, headers=headers
    )

    assert response.status_code == 422
    assert saved_state(prototype) == before
    page = Page(response)
    assert verdict(page) == prototype.recommendation
    assert texts(page, ".//ul[@class='error-list']/li") == [
        f"{labels().question(qid).label} {error}"
    ]


@pytest.mark.django_db
def test_what_if_save_with_htmx_keeps_the_changes_and_redirects_the_browser(
    owner: Client, prototype: Assessment
) -> None:
    changed = assess({**prototype.answers, "vendor_terms_ok": "no"})

    response = owner.post(
        what_if_url(prototype), {"vendor_terms_ok": "no", "action": "save"}, headers=HTMX
    )

    assert (response.status_code, response["HX-Redirect"]) == (200, report_url(prototype))
    row = Assessment.objects.get(pk=prototype.pk)
    assert row.answers == {**prototype.answers, "vendor_terms_ok": "no"}
    assert (row.recommendation, row.confidence) == (
        changed["recommendation"],
        changed["confidence"],
    )
    assert row.revision == prototype.revision + 1
    assert verdict(Page(owner.get(report_url(prototype)))) == changed["recommendation"]


@pytest.mark.django_db
def test_what_if_save_without_htmx_keeps_the_changes_and_redirects(
    owner: Client, prototype: Assessment
) -> None:
    response = owner.post(
        what_if_url(prototype),
        {"monthly_requests": "5,000,000", "gpu_access": "owned_hardware", "action": "save"},
    )

    assert response.status_code == 302
    assert response["Location"] == report_url(prototype)
    row = Assessment.objects.get(pk=prototype.pk)
    assert (row.answers["monthly_requests"], row.answers["gpu_access"]) == (
        5_000_000,
        "owned_hardware",
    )
    assert {"monthly_requests", "gpu_access"} <= set(row.answered)


@pytest.mark.django_db
def test_what_if_save_with_a_bad_value_saves_nothing(owner: Client, prototype: Assessment) -> None:
    before = saved_state(prototype)

    response = owner.post(
        what_if_url(prototype),
        {"gpu_access": "owned_hardware", "priority_cost": "7", "action": "save"},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert "HX-Redirect" not in response
    assert saved_state(prototype) == before


@pytest.mark.django_db
def test_what_if_save_leaves_the_use_case_alone(owner: Client, prototype: Assessment) -> None:
    owner.post(what_if_url(prototype), {"use_case": "Something else entirely", "action": "save"})

    assert (
        Assessment.objects.get(pk=prototype.pk).answers["use_case"]
        == (prototype.answers["use_case"])
    )


# ---------------------------------------------------------------------- review


@pytest.mark.django_db
def test_review_lists_every_question_with_its_answer_in_words(owner: Client) -> None:
    assessment = make_assessment(
        use_case="Summarise tickets",
        stage="production",
        monthly_requests=2_500_000,
        priority_cost=5,
    )

    response = owner.get(f"/a/{assessment.id}/review/")

    assert response.status_code == 200
    page = Page(response)
    rows = page.find_all(".//dl[@class='review-list']/div")
    assert [text_of(r.find("dt")) for r in rows] == [  # type: ignore[arg-type]
        labels().question(qid).label for qid in questions()
    ]
    answers = {}
    for row, qid in zip(rows, questions(), strict=True):
        answer = row.find("dd")
        assert answer is not None
        answers[qid] = (answer.text or "").strip()
    assert answers["use_case"] == "Summarise tickets"
    assert answers["stage"] == "In production"
    assert answers["monthly_requests"] == f"2{THIN}500{THIN}000 requests a month"
    assert answers["priority_cost"] == "Decisive"
    assert answers["vendor_terms_ok"] == "Only under contract"
    assert answers == {
        qid: labels().answer_label(qid, assessment.answers[qid]) for qid in questions()
    }


@pytest.mark.django_db
def test_review_marks_the_answers_left_at_their_default(owner: Client) -> None:
    assessment = make_assessment(stage="production", priority_cost=5)

    page = Page(owner.get(f"/a/{assessment.id}/review/"))

    marked = {}
    for row, qid in zip(page.find_all(".//dl[@class='review-list']/div"), questions(), strict=True):
        notes = [text_of(s) for s in row.iter("span") if has_class(s, "muted")]
        marked[qid] = notes == ["(default)"]
    assert [qid for qid, default in marked.items() if not default] == ["stage", "priority_cost"]


@pytest.mark.django_db
def test_review_shows_an_empty_use_case_as_none(owner: Client) -> None:
    assessment = make_assessment()

    page = Page(owner.get(f"/a/{assessment.id}/review/"))

    first = page.find_all(".//dl[@class='review-list']/div")[0].find("dd")
    assert first is not None
    assert (first.text or "").strip() == "(none)"


@pytest.mark.django_db
def test_review_groups_the_questions_by_step_and_records_the_step(owner: Client) -> None:
    assessment = make_assessment()

    page = Page(owner.get(f"/a/{assessment.id}/review/"))

    assert texts(page, ".//section[@class='review-section']/h2") == [
        labels().sections[s.id].title for s in load_questionnaire().sections
    ]
    assert Assessment.objects.get(pk=assessment.pk).current_step == services.REVIEW_STEP
