"""Exports and imports: decision records, JSON exchange files, the team CSV, and their access.

A decision record follows MADR 4 and names the engine's choice for each article scenario. An
exchange file survives export then import unchanged in title, status and answers; a hostile
one is refused whole, with a message per bad field, and nothing is stored. Owners, editors and
viewers may download; only owners and editors may import; outsiders get 404 and people not
signed in are sent to sign in. The CSV runs a fixed number of queries however long the list.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from decider.accounts.models import Membership, Role, Team, User
from decider.accounts.services import create_team, create_user
from decider.assessments.models import Assessment
from decider.assessments.services import start_assessment
from decider.engine import default_engine, questions, validate_answers
from decider.engine.questionnaire import Question
from decider.exports.decision_record import OPTION_TITLES, decision_record
from decider.exports.exchange import (
    MAX_IMPORT_BYTES,
    ImportRefused,
    export_assessment,
    import_assessment,
    parse_import,
    parse_import_bytes,
)
from tests.conftest import load_scenarios
from tests.factories import scenario_answers

PASSWORD = "a long enough test password"

MADR_HEADINGS = [
    "## Context and Problem Statement",
    "## Decision Drivers",
    "## Considered Options",
    "## Decision Outcome",
    "### Consequences",
    "### Confirmation",
    "## Pros and Cons of the Options",
    "## More Information",
]


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---------------------------------------------------------------------- decision record


def record_for(answers: dict[str, Any], *, title: str = "Chatbot") -> str:
    complete = validate_answers(answers)
    result = default_engine().assess_valid(complete)
    return decision_record(
        title=title,
        answers=complete,
        result=result,
        status="proposed",
        date=date(2025, 3, 1),
        decision_makers=["Olga Owner", 'Eddie "E" Editor'],
        ruleset_version=result["ruleset"]["version"],
        ruleset_sha256=result["ruleset"]["sha256"],
    )


def section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = text.index(heading + "\n") + len(heading)
    rest = text[start:]
    ends = [
        rest.index(f"\n{marker} ")
        for marker in ("#" * n for n in range(1, len(level) + 1))
        if f"\n{marker} " in rest
    ]
    return rest[: min(ends)] if ends else rest


@pytest.mark.parametrize("scenario", load_scenarios(), ids=lambda s: s["name"])
def test_decision_record_follows_madr_and_names_the_choice(scenario: dict[str, Any]) -> None:
    text = record_for(scenario["answers"], title=scenario["name"])
    lines = text.splitlines()

    assert lines[:5] == [
        "---",
        'status: "proposed"',
        "date: 2025-03-01",
        'decision-makers: ["Olga Owner", "Eddie \\"E\\" Editor"]',
        "---",
    ]
    assert f"# {scenario['name']}" in lines
    assert [line for line in lines if line.startswith("#")][1:] == [
        "## Context and Problem Statement",
        "## Decision Drivers",
        "## Considered Options",
        "## Decision Outcome",
        "### Consequences",
        "### Confirmation",
        "## Pros and Cons of the Options",
        *[f"### {OPTION_TITLES[o]}" for o in ("open", "closed", "hybrid")],
        "## More Information",
    ]
    outcome = section(text, "## Decision Outcome")
    assert f'Chosen option: "{OPTION_TITLES[scenario["expected"]]}", because' in outcome
    drivers = section(text, "## Decision Drivers").strip().splitlines()
    assert 1 <= len(drivers) <= 5
    for option in ("open", "closed", "hybrid"):
        pros = section(text, f"### {OPTION_TITLES[option]}")
        assert "- Good, because " in pros, option
        assert "- Bad, because " in pros, option
    consequences = section(text, "### Consequences")
    assert "- Good, because " in consequences
    assert "- Bad, because " in consequences
    assert "Reassess by 2025-08-30" in section(text, "### Confirmation")
    more = section(text, "## More Information")
    ruleset = default_engine().loaded
    assert ruleset.ruleset.version in more
    assert ruleset.sha256 in more


def test_decision_record_describes_the_hybrid_split() -> None:
    text = record_for(scenario_answers("support chatbot"))

    hybrid = section(text, f"### {OPTION_TITLES['hybrid']}")
    assert "The split, with the " in hybrid
    assert "- Fallback: " in hybrid
    assert "- Routing: " in hybrid


def test_decision_record_keeps_user_text_on_its_own_lines() -> None:
    text = record_for({**scenario_answers("prototype"), "use_case": "# not a heading\nline 2"})

    assert "> # not a heading\n> line 2" in text
    assert [line for line in text.splitlines() if line.startswith("# ")] == ["# Chatbot"]


# ---------------------------------------------------------------------- exchange files


def choice_or_number(question: Question) -> st.SearchStrategy[Any]:
    if question.kind == "choice":
        return st.sampled_from(question.choices)
    if question.kind == "integer":
        assert question.minimum is not None
        assert question.maximum is not None
        return st.integers(question.minimum, question.maximum)
    # Any text a database can hold: PostgreSQL refuses NUL.
    return st.text(st.characters(codec="utf-8", blacklist_characters="\x00"))


ANSWERS = st.fixed_dictionaries(
    {}, optional={q.id: choice_or_number(q) for q in questions().values()}
).map(validate_answers)
TITLES = st.text(
    alphabet=st.characters(codec="utf-8", blacklist_characters="\n\r\x00"), max_size=120
).map(str.strip)


class TestRoundTrip(HypothesisTestCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(answers=ANSWERS, title=TITLES, status=st.sampled_from(["draft", "accepted"]))
    def test_export_then_import_keeps_title_status_and_answers(
        self, answers: dict[str, Any], title: str, status: str
    ) -> None:
        owner = User.objects.filter(email="rt@example.com").first() or create_user(
            email="rt@example.com", password=PASSWORD, name="Round Trip"
        )
        team = create_team(name="Round trip", owner=owner)
        original = start_assessment(
            visitor="v", answers=answers, team=team, author=owner, name=title
        )
        Assessment.objects.filter(pk=original.pk).update(status=status)
        original.refresh_from_db()

        file = json.loads(json.dumps(export_assessment(original)))
        copy = import_assessment(
            imported=parse_import_bytes(json.dumps(file)), team=team, author=owner, visitor="v"
        )

        copy.refresh_from_db()
        assert copy.pk != original.pk
        assert (copy.title, copy.status, copy.answers) == (
            original.title,
            original.status,
            original.answers,
        )
        assert file["result"] == default_engine().assess_valid(original.answers)


def valid_file(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": "decider.assessment",
        "schema_version": 1,
        "title": "Imported chatbot",
        "status": "proposed",
        "answers": scenario_answers("support chatbot"),
    }
    data.update(changes)
    return data


def refusal(data: object) -> list[str]:
    with pytest.raises(ImportRefused) as caught:
        parse_import(data)
    return caught.value.messages


def test_import_ignores_the_result_in_the_file_and_recomputes_it() -> None:
    forged = valid_file(result={"recommendation": "closed", "confidence": 1.0})

    imported = parse_import(forged)

    assert imported.result == default_engine().assess_valid(imported.answers)
    assert imported.result["recommendation"] == "hybrid"


def test_import_names_every_bad_field_at_once() -> None:
    bad = valid_file(
        schema_version=2,
        status="done",
        title=7,
        colour="red",
        answers={**scenario_answers("prototype"), "stage": "x", "monthly_requests": "10"},
    )

    messages = refusal(bad)

    assert "schema_version: 2 is not allowed; expected 1" in messages
    assert (
        "status: 'done' is not allowed; expected one of draft, proposed, accepted, superseded"
        in messages
    )
    assert "title: expected a string, not 7" in messages
    assert "colour: not a field of an assessment file (unknown field)" in messages
    assert any(m.startswith("answers.stage: 'x' is not allowed; expected") for m in messages)
    assert any(m.startswith("answers.monthly_requests: '10' is not allowed") for m in messages)
    assert len(messages) == 6


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            valid_file(schema="other"),
            "schema: 'other' is not allowed; expected 'decider.assessment'",
        ),
        (valid_file(schema_version=True), "schema_version: true is not allowed; expected 1"),
        (valid_file(title="x" * 121), "title: longer than 120 characters"),
        (
            valid_file(title="two\nlines"),
            "title: must be one line of text (no line breaks or NUL characters)",
        ),
        (valid_file(answers=[]), "answers: expected a JSON object, not an array"),
        (
            valid_file(answers={"nonsense": 1}),
            "answers.nonsense: is not a question of this questionnaire (unknown question id)",
        ),
        ({"schema": "decider.assessment"}, "schema_version: required"),
        ([valid_file()], "file: expected a JSON object, not an array"),
    ],
)
def test_import_refuses_hostile_files_with_a_clear_message(data: object, expected: str) -> None:
    assert expected in refusal(data)


def test_import_refuses_huge_strings_by_field() -> None:
    huge = "x" * 200_000

    messages = refusal(valid_file(answers={"use_case": huge}, title=huge))

    assert "title: longer than 120 characters" in messages
    assert any(m.startswith("answers.use_case: 'xxxx") for m in messages)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "file: not valid JSON (Expecting property name enclosed in double quotes"),
        (b"\xff\xfe", "file: not text in UTF-8"),
        (b"   ", "file: empty; choose a file or paste its contents"),
        (b"[" * 100_000, "file: nested too deeply to be an assessment"),
        (b" " * (MAX_IMPORT_BYTES + 1), "file: larger than the limit of 1024 KB"),
    ],
    ids=["not-json", "not-utf8", "empty", "deep", "over-1mb"],
)
def test_import_refuses_unreadable_input_before_checking_it(raw: bytes, expected: str) -> None:
    with pytest.raises(ImportRefused) as caught:
        parse_import_bytes(raw)

    assert len(caught.value.messages) == 1
    assert caught.value.messages[0].startswith(expected)


# ---------------------------------------------------------------------- views


@dataclass(frozen=True)
class Crew:
    team: Team
    owner: User
    editor: User
    viewer: User
    outsider: User
    assessment: Assessment


def signed_in(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def crew(db: Any) -> Crew:
    owner = create_user(email="owner@example.com", password=PASSWORD, name="Olga Owner")
    editor = create_user(email="editor@example.com", password=PASSWORD, name="Eddie Editor")
    viewer = create_user(email="viewer@example.com", password=PASSWORD, name="Vera Viewer")
    outsider = create_user(email="out@example.com", password=PASSWORD, name="Otto Outsider")
    team = create_team(name="Platform team", owner=owner)
    Membership.objects.create(team=team, user=editor, role=Role.EDITOR)
    Membership.objects.create(team=team, user=viewer, role=Role.VIEWER)
    assessment = start_assessment(
        visitor="v-team",
        team=team,
        author=owner,
        name="Support bot: phase 1",
        answers=scenario_answers("support chatbot"),
    )
    return Crew(team, owner, editor, viewer, outsider, assessment)


def download_urls(crew: Crew) -> list[str]:
    return [
        f"/a/{crew.assessment.id}/export/decision-record.md",
        f"/a/{crew.assessment.id}/export/assessment.json",
        f"/teams/{crew.team.slug}/export.csv",
    ]


@pytest.mark.parametrize("who", ["owner", "editor", "viewer"])
def test_members_can_download_every_export(crew: Crew, who: str) -> None:
    client = signed_in(getattr(crew, who))

    record, exchange, table = (client.get(url) for url in download_urls(crew))

    assert (record.status_code, record["Content-Type"]) == (200, "text/markdown; charset=utf-8")
    assert record["Content-Disposition"] == (
        'attachment; filename="decision-record-support-bot-phase-1.md"'
    )
    assert record.content.decode().startswith('---\nstatus: "draft"')
    assert 'decision-makers: ["Olga Owner", "Eddie Editor"]' in record.content.decode()
    assert (exchange.status_code, exchange["Content-Type"]) == (200, "application/json")
    assert exchange["Content-Disposition"] == 'attachment; filename="support-bot-phase-1.json"'
    assert json.loads(exchange.content)["title"] == "Support bot: phase 1"
    assert (table.status_code, table["Content-Type"]) == (200, "text/csv; charset=utf-8")


def test_outsiders_get_404_and_anonymous_visitors_are_sent_to_sign_in(crew: Crew) -> None:
    outsider, anonymous = signed_in(crew.outsider), signed_in(None)
    urls = [*download_urls(crew), f"/teams/{crew.team.slug}/import/"]

    assert [outsider.get(url).status_code for url in urls] == [404] * 4
    for url in urls:
        response = anonymous.get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (
            302,
            "/accounts/login/",
        )


def test_viewer_cannot_import(crew: Crew) -> None:
    client = signed_in(crew.viewer)
    before = Assessment.objects.count()

    page = client.get(f"/teams/{crew.team.slug}/import/")
    posted = client.post(f"/teams/{crew.team.slug}/import/", {"text": json.dumps(valid_file())})

    assert (page.status_code, posted.status_code) == (403, 403)
    assert Assessment.objects.count() == before


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_editors_import_a_file_as_a_new_assessment(crew: Crew, who: str) -> None:
    client = signed_in(getattr(crew, who))
    upload = SimpleUploadedFile("a.json", json.dumps(valid_file()).encode(), "application/json")

    page = client.get(f"/teams/{crew.team.slug}/import/")
    response = client.post(f"/teams/{crew.team.slug}/import/", {"file": upload, "text": ""})

    assert page.status_code == 200
    made = Assessment.objects.exclude(pk=crew.assessment.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/a/{made.id}/report/"
    assert (made.team, made.author, made.title, made.status) == (
        crew.team,
        getattr(crew, who),
        "Imported chatbot",
        "proposed",
    )
    assert made.revisions.count() == 1


def test_a_refused_import_lists_every_message_and_stores_nothing(crew: Crew) -> None:
    client = signed_in(crew.editor)
    bad = valid_file(schema_version=3, answers={"stage": "x"})

    response = client.post(f"/teams/{crew.team.slug}/import/", {"text": json.dumps(bad)})

    assert response.status_code == 422
    page = response.content.decode()
    assert "schema_version: 3 is not allowed; expected 1" in page
    assert "answers.stage: &#x27;x&#x27; is not allowed" in page
    assert Assessment.objects.count() == 1


def test_an_upload_over_the_limit_is_refused_unread(crew: Crew) -> None:
    client = signed_in(crew.editor)
    upload = SimpleUploadedFile("big.json", b" " * (MAX_IMPORT_BYTES + 1), "application/json")

    response = client.post(f"/teams/{crew.team.slug}/import/", {"file": upload})

    assert response.status_code == 422
    assert "file: larger than the limit of 1024 KB" in response.content.decode()
    assert Assessment.objects.count() == 1


def csv_rows(client: Client, crew: Crew, query: str = "") -> list[list[str]]:
    response = client.get(f"/teams/{crew.team.slug}/export.csv{query}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_lists_the_filtered_assessments(crew: Crew) -> None:
    start_assessment(
        visitor="v",
        team=crew.team,
        author=crew.editor,
        name="=HYPERLINK(1)",
        answers=scenario_answers("prototype"),
    )
    client = signed_in(crew.viewer)

    everything = csv_rows(client, crew)
    closed = csv_rows(client, crew, "?recommendation=closed")

    assert everything[0] == [
        "title",
        "recommendation",
        "confidence",
        "stage",
        "status",
        "author",
        "updated_at",
        "report_url",
    ]
    assert len(everything) == 3
    assert [row[:2] for row in closed[1:]] == [["'=HYPERLINK(1)", "closed"]]
    assert closed[1][5] == "Eddie Editor"
    assert closed[1][7].startswith("http://testserver/a/")


@pytest.mark.parametrize("count", [1, 20])
def test_csv_runs_a_fixed_number_of_queries(
    crew: Crew, count: int, django_assert_num_queries: Any
) -> None:
    for n in range(count - 1):
        start_assessment(
            visitor="v", team=crew.team, author=crew.editor, name=f"Bot {n}", answers={}
        )
    client = signed_in(crew.owner)

    # session, user, membership, the list
    with django_assert_num_queries(4):
        rows = csv_rows(client, crew)

    assert len(rows) == count + 1
