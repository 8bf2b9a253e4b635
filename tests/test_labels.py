"""The questionnaire's wording loads, covers the whole contract, and fails loudly when broken."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from decider.engine.labels import (
    LABELS_PATH,
    Labels,
    LabelsError,
    labels,
    load_labels,
)
from decider.engine.questionnaire import load_questionnaire, questions

ORIGINAL = LABELS_PATH.read_text(encoding="utf-8")
SEED_ARTICLE = Path(__file__).resolve().parents[2] / "shared/seed/open-vs-closed-ai-models.txt"
THIN = "\u202f"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken_labels.toml"
    path.write_text(text, encoding="utf-8")
    return path


def replace_once(old: str, new: str) -> str:
    assert ORIGINAL.count(old) >= 1, f"fixture text {old!r} not in labels.toml"
    return ORIGINAL.replace(old, new, 1)


def all_wording(loaded: Labels) -> list[str]:
    texts: list[str] = []
    for section in loaded.sections.values():
        texts += [section.title, section.intro]
    for question in loaded.questions.values():
        texts += [question.label, question.help]
        for choice in question.choices.values():
            texts += [choice.label, choice.hint]
    texts += loaded.scale.values()
    return texts


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


# ---------------------------------------------------------------- the shipped file


def test_shipped_labels_load_and_are_cached() -> None:
    loaded = load_labels()

    assert loaded == labels()
    assert labels() is labels()


def test_shipped_labels_cover_every_section_and_question_in_order() -> None:
    contract = load_questionnaire()

    loaded = labels()

    assert list(loaded.sections) == [section.id for section in contract.sections]
    assert list(loaded.questions) == list(questions())


def test_shipped_labels_give_every_question_and_choice_non_empty_text() -> None:
    loaded = labels()

    for qid, question in questions().items():
        wording = loaded.question(qid)
        assert wording.label.strip(), qid
        assert wording.help.strip(), qid
        assert list(wording.choices) == list(question.choices), qid
        for choice in wording.choices.values():
            assert choice.label.strip(), qid
            assert choice.hint.strip(), qid


def test_shipped_labels_keep_hints_and_help_short() -> None:
    loaded = labels()

    for qid, wording in loaded.questions.items():
        assert len(wording.help) <= 220, qid
        for key, choice in wording.choices.items():
            assert len(choice.hint) <= 70, f"{qid}.{key}"


def test_shipped_labels_scale_runs_from_one_to_five() -> None:
    loaded = labels()

    assert list(loaded.scale) == ["1", "2", "3", "4", "5"]
    assert loaded.scale["1"] == "Hardly matters"
    assert loaded.scale["5"] == "Decisive"


def test_shipped_labels_give_units_only_to_volume_questions() -> None:
    loaded = labels()

    with_unit = {qid for qid, wording in loaded.questions.items() if wording.unit}

    assert with_unit == {"monthly_requests", "tokens_per_request"}


def test_shipped_labels_share_no_long_run_of_words_with_the_seed_article() -> None:
    if not SEED_ARTICLE.exists():
        pytest.skip(f"{SEED_ARTICLE} is not available")
    run = 8
    seed = words(SEED_ARTICLE.read_text(encoding="utf-8"))
    seed_runs = {tuple(seed[i : i + run]) for i in range(len(seed) - run + 1)}

    shared = [
        " ".join(text_words[i : i + run])
        for text in all_wording(labels())
        for text_words in [words(text)]
        for i in range(len(text_words) - run + 1)
        if tuple(text_words[i : i + run]) in seed_runs
    ]

    assert shared == []


# ---------------------------------------------------------------- question and answer_label


def test_question_returns_the_wording_of_one_question() -> None:
    wording = labels().question("stage")

    assert wording.label == "How far along is this feature?"
    assert wording.choices["core_product"].label == "Core product"


def test_question_rejects_an_unknown_id() -> None:
    with pytest.raises(KeyError, match="stagee"):
        labels().question("stagee")


@pytest.mark.parametrize(
    ("qid", "value", "expected"),
    [
        pytest.param("stage", "core_product", "Core product", id="choice"),
        pytest.param("vendor_terms_ok", "with_contract", "Only under contract", id="choice-2"),
        pytest.param("priority_cost", 1, "Hardly matters", id="priority-low"),
        pytest.param("priority_speed", 5, "Decisive", id="priority-high"),
        pytest.param("priority_safety", "3", "Matters as usual", id="priority-as-text"),
        pytest.param(
            "monthly_requests",
            1_500_000,
            f"1{THIN}500{THIN}000 requests a month",
            id="volume-thousands",
        ),
        pytest.param("monthly_requests", 0, "0 requests a month", id="volume-zero"),
        pytest.param("tokens_per_request", 1500, f"1{THIN}500 tokens per request", id="tokens"),
        pytest.param("use_case", "Summarise tickets", "Summarise tickets", id="text"),
        pytest.param("use_case", "", "", id="empty-text"),
    ],
)
def test_answer_label_renders_answers_in_words(qid: str, value: str | int, expected: str) -> None:
    result = labels().answer_label(qid, value)

    assert result == expected


@pytest.mark.parametrize(
    ("qid", "value", "error", "match"),
    [
        pytest.param(
            "stage", "protoype", ValueError, r"stage: 'protoype' is not one of", id="bad-choice"
        ),
        pytest.param("priority_cost", 6, ValueError, r"priority_cost: 6 is not", id="bad-priority"),
        pytest.param(
            "monthly_requests", "many", ValueError, r"not a whole number", id="bad-number"
        ),
        pytest.param("stagee", "pilot", KeyError, r"stagee", id="unknown-question"),
    ],
)
def test_answer_label_rejects_values_outside_the_contract(
    qid: str, value: str | int, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        labels().answer_label(qid, value)


# ---------------------------------------------------------------- broken copies


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        pytest.param(
            replace_once(
                'core_product = { label = "Core product", hint = "The product itself stands or '
                'falls with it" }\n',
                "",
            ),
            "questions.stage.choices",
            "missing labels for core_product",
            id="missing-choice-label",
        ),
        pytest.param(
            replace_once('pilot = { label = "Pilot",', 'pilott = { label = "Pilot",'),
            "questions.stage.choices",
            "missing labels for pilot",
            id="misspelt-choice",
        ),
        pytest.param(
            ORIGINAL.replace(
                "[questions.stage.choices]\n",
                '[questions.stage.choices]\nbeta = { label = "Beta", hint = "Not a choice" }\n',
                1,
            ),
            "questions.stage.choices",
            "unknown choices beta",
            id="unknown-choice",
        ),
        pytest.param(
            ORIGINAL + '\n[questions.stagee]\nlabel = "Stage?"\nhelp = "A typo."\n',
            "questions",
            "unknown question ids stagee",
            id="unknown-question",
        ),
        pytest.param(
            replace_once("[questions.priority_speed]", "[questions.priority_pace]"),
            "questions",
            "missing labels for priority_speed",
            id="missing-question",
        ),
        pytest.param(
            replace_once("[sections.team]", "[sections.people]"),
            "sections",
            "missing labels for team",
            id="missing-section",
        ),
        pytest.param(
            replace_once(
                'label = "How far along is this feature?"\n',
                'label = "How far along is this feature?"\ncolour = "red"\n',
            ),
            "questions.stage.colour",
            "Extra inputs are not permitted",
            id="unknown-key",
        ),
        pytest.param(
            replace_once('label = "How far along is this feature?"', "label = 3"),
            "questions.stage.label",
            "Input should be a valid string",
            id="wrong-type",
        ),
        pytest.param(
            replace_once(
                'hint = "Tried with real users to see if it earns its place"', 'hint = ""'
            ),
            "questions.stage.choices.pilot.hint",
            "at least 1 character",
            id="empty-hint",
        ),
        pytest.param(
            replace_once('"5" = "Decisive"\n', ""),
            "scale",
            "missing labels for 5",
            id="scale-missing-5",
        ),
        pytest.param(
            replace_once('"5" = "Decisive"\n', '"5" = "Decisive"\n"6" = "Beyond decisive"\n'),
            "scale",
            "unknown scale keys 6",
            id="scale-extra-6",
        ),
        pytest.param(
            replace_once(
                'unit = "requests a month"\n',
                'unit = "requests a month"\n[questions.monthly_requests.choices]\n'
                'few = { label = "Few", hint = "A handful" }\n',
            ),
            "questions.monthly_requests.choices",
            "integer questions take no choices",
            id="choices-on-integer",
        ),
        pytest.param(
            replace_once(
                'label = "Cost: keeping the running bill down"\n',
                'label = "Cost: keeping the running bill down"\nunit = "points"\n',
            ),
            "questions.priority_cost.unit",
            "only volume questions",
            id="unit-on-priority",
        ),
    ],
)
def test_load_labels_names_the_file_and_field_of_a_broken_copy(
    tmp_path: Path, text: str, field: str, message: str
) -> None:
    path = write(tmp_path, text)

    with pytest.raises(LabelsError) as caught:
        load_labels(path)

    assert str(caught.value).startswith(f"{path}: {field}: ")
    assert message in str(caught.value)


def test_load_labels_reports_invalid_toml_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[sections.workload\n")

    with pytest.raises(LabelsError, match="not valid TOML") as caught:
        load_labels(path)

    assert str(caught.value).startswith(f"{path}: ")


def test_load_labels_reports_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"

    with pytest.raises(LabelsError, match="cannot be read") as caught:
        load_labels(path)

    assert str(caught.value).startswith(f"{path}: ")


def test_labels_error_is_a_value_error() -> None:
    assert issubclass(LabelsError, ValueError)
