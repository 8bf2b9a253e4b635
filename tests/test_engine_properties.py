"""Property-based tests of the decision engine (Hypothesis).

Every property is checked against the contract in /work/shared/spec/CONTRACT.md, using only the
engine's public surface: answers are generated from the questionnaire itself, and every claim the
engine makes about itself (flips, constraints) is checked against a full re-evaluation.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decider.engine import AnswersError, assess, default_engine, questions, validate_answers
from decider.engine.questionnaire import Question

QUESTIONS: dict[str, Question] = questions()
CHOICE_QUESTIONS = [q for q in QUESTIONS.values() if q.kind == "choice"]
ORDERED_CHOICE_QUESTIONS = [q for q in CHOICE_QUESTIONS if q.ordered]
INTEGER_QUESTIONS = [q for q in QUESTIONS.values() if q.kind == "integer"]
PRIORITY_QUESTIONS = [q for q in INTEGER_QUESTIONS if q.id.startswith("priority_")]
VOLUME_IDS = ("monthly_requests", "tokens_per_request")
VOLUME_QUESTIONS = [QUESTIONS[qid] for qid in VOLUME_IDS]

RECOMMENDATIONS = ("closed", "hybrid", "open")
RANK = {rec: i for i, rec in enumerate(RECOMMENDATIONS)}  # closed < hybrid < open
AREAS = {"transparency", "cost", "safety", "data_control", "customisation", "resilience", "speed"}
RATIONALE_KEYS = {"rule", "question", "answer", "area", "favours", "weight", "explanation"}
SHA256 = re.compile(r"[0-9a-f]{64}")

HEAVY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MEDIUM = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIGHT = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------- strategies


def magnitudes(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Integers in [lo, hi], spread across orders of magnitude, with both ends included."""
    ranges = [st.sampled_from([lo, hi])]
    bound = 10
    while bound < hi:
        if bound > lo:
            ranges.append(st.integers(lo, bound))
        bound *= 10
    ranges.append(st.integers(lo, hi))
    return st.one_of(ranges)


def value_of(question: Question) -> st.SearchStrategy[Any]:
    """Any valid answer to one question."""
    if question.kind == "choice":
        return st.sampled_from(question.choices)
    if question.kind == "integer":
        assert question.minimum is not None
        assert question.maximum is not None
        if question.id in VOLUME_IDS:
            return magnitudes(question.minimum, question.maximum)
        return st.integers(question.minimum, question.maximum)
    assert question.max_length is not None
    return st.one_of(
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40),  # storable
        st.just("x" * question.max_length),
    )


def answers() -> st.SearchStrategy[dict[str, Any]]:
    """Valid answers objects; any key may be left out (its default then applies)."""
    return st.fixed_dictionaries({}, optional={q.id: value_of(q) for q in QUESTIONS.values()})


def full(data: dict[str, Any]) -> dict[str, Any]:
    """The complete answers, defaults filled in."""
    return validate_answers(data)


def rec_of(data: dict[str, Any]) -> str:
    return str(assess(data)["recommendation"])


# ---------------------------------------------------------------------------- valid results


@HEAVY
@given(answers())
def test_validate_answers_fills_defaults_without_changing_given_values(data):
    # Arrange
    expected = {q.id: q.default for q in QUESTIONS.values()} | data

    # Act
    validated = validate_answers(data)

    # Assert
    assert validated == expected
    assert {k: type(v) for k, v in validated.items()} == {k: type(v) for k, v in expected.items()}


@HEAVY
@given(answers())
def test_assess_any_valid_answers_give_wellformed_result(data):
    # Act
    result = assess(data)

    # Assert
    rec = result["recommendation"]
    assert rec in RECOMMENDATIONS
    assert 0 <= result["confidence"] <= 1
    assert result["scores"]["open"] > 0
    assert result["scores"]["closed"] > 0

    for entry in result["rationale"]:
        assert entry.keys() >= RATIONALE_KEYS, entry
        assert entry["area"] in AREAS
        assert entry["favours"] in {"open", "closed", "neutral"}
        assert entry["weight"] >= 0
        assert entry["question"] in QUESTIONS
        assert isinstance(entry["explanation"], str)
        assert entry["explanation"]

    assert isinstance(result["cautions"], list)
    for caution in result["cautions"]:
        assert isinstance(caution, str)
        assert caution.strip()

    split = result["hybrid_split"]
    if rec == "hybrid":
        assert isinstance(split, dict)
        for side in ("open", "closed"):
            assert isinstance(split[side], list)
            assert split[side]
            assert all(isinstance(t, str) and t for t in split[side])
        assert isinstance(split["fallback"], str)
        assert split["fallback"]
    else:
        assert split is None

    for flip in result["flips"]:
        assert flip["question"] in QUESTIONS
        assert flip["recommendation"] in RECOMMENDATIONS
        assert flip["recommendation"] != rec

    ruleset = result["ruleset"]
    assert isinstance(ruleset["version"], str)
    assert ruleset["version"]
    assert SHA256.fullmatch(ruleset["sha256"])


# ---------------------------------------------------------------------------- determinism


@HEAVY
@given(data=answers(), draw=st.data())
def test_assess_result_is_byte_identical_and_independent_of_key_order(data, draw):
    # Arrange
    shuffled = dict(draw.draw(st.permutations(list(data.items())), label="key order"))

    # Act
    first = json.dumps(assess(data))
    second = json.dumps(assess(data))
    reordered = json.dumps(assess(shuffled))

    # Assert
    assert first == second
    assert first == reordered


@MEDIUM
@given(answers())
def test_assess_never_changes_the_callers_answers(data):
    # Arrange
    given_copy = dict(data)
    validated = validate_answers(data)
    validated_copy = dict(validated)

    # Act
    assess(data)
    default_engine().assess_valid(validated)

    # Assert
    assert data == given_copy
    assert validated == validated_copy


# ---------------------------------------------------------------------------- direction


@pytest.mark.parametrize("question", ORDERED_CHOICE_QUESTIONS, ids=lambda q: q.id)
@MEDIUM
@given(data=answers())
def test_assess_ordered_choice_step_never_moves_against_its_direction(question, data):
    # Arrange
    answers_ = full(data)
    index = question.choices.index(answers_[question.id])
    base = RANK[rec_of(answers_)]

    # Act / Assert: one step towards open never lowers the rank
    if index + 1 < len(question.choices):
        towards_open = answers_ | {question.id: question.choices[index + 1]}
        assert RANK[rec_of(towards_open)] >= base, (question.id, answers_)

    # Act / Assert: one step towards closed never raises it
    if index > 0:
        towards_closed = answers_ | {question.id: question.choices[index - 1]}
        assert RANK[rec_of(towards_closed)] <= base, (question.id, answers_)


@pytest.mark.parametrize("question", VOLUME_QUESTIONS, ids=lambda q: q.id)
@HEAVY
@given(data=answers(), draw=st.data())
def test_assess_more_volume_never_lowers_the_rank(question, data, draw):
    # Arrange
    strategy = value_of(question)
    low, high = sorted((draw.draw(strategy, label="a"), draw.draw(strategy, label="b")))
    answers_ = full(data)

    # Act
    rank_low = RANK[rec_of(answers_ | {question.id: low})]
    rank_high = RANK[rec_of(answers_ | {question.id: high})]

    # Assert
    assert rank_low <= rank_high, (question.id, low, high, answers_)


# ---------------------------------------------------------------------------- hard constraints


@HEAVY
@given(
    data=answers(),
    constraint=st.sampled_from([("data_residency", "air_gapped"), ("vendor_terms_ok", "no")]),
)
def test_assess_hard_constraint_never_gives_closed_and_names_the_question(data, constraint):
    # Arrange
    qid, value = constraint
    answers_ = data | {qid: value}

    # Act
    result = assess(answers_)

    # Assert
    assert result["recommendation"] != "closed"
    assert result["constraints"]
    named = [c for c in result["constraints"] if c["question"] == qid]
    assert named, result["constraints"]
    assert all(c["answer"] == value and c["explanation"] for c in named)


@HEAVY
@given(answers())
def test_assess_constraints_listed_only_for_hard_constraint_answers(data):
    # Arrange
    answers_ = full(data)
    expected = {
        qid
        for qid, value in (("data_residency", "air_gapped"), ("vendor_terms_ok", "no"))
        if answers_[qid] == value
    }

    # Act
    result = assess(answers_)

    # Assert
    assert {c["question"] for c in result["constraints"]} == expected


# ---------------------------------------------------------------------------- flips


def _equals_flips(result: dict[str, Any]) -> dict[tuple[str, Any], str]:
    found: dict[tuple[str, Any], str] = {}
    for flip in result["flips"]:
        if flip.get("comparison", "equals") == "equals":
            key = (flip["question"], flip["answer"])
            assert key not in found, f"duplicate flip {key}"
            found[key] = flip["recommendation"]
    return found


@MEDIUM
@given(answers())
def test_flips_for_choice_and_priority_answers_are_sound_and_complete(data):
    # Arrange
    answers_ = full(data)
    result = assess(answers_)
    current = result["recommendation"]
    flips = _equals_flips(result)
    alternatives: list[tuple[str, str | int]] = [
        (q.id, c) for q in CHOICE_QUESTIONS for c in q.choices
    ]
    alternatives += [
        (q.id, v) for q in PRIORITY_QUESTIONS for v in range(q.minimum or 0, (q.maximum or 0) + 1)
    ]

    for qid, value in alternatives:
        if value == answers_[qid]:
            assert (qid, value) not in flips
            continue

        # Act
        actual = rec_of(answers_ | {qid: value})

        # Assert
        assert ((qid, value) in flips) == (actual != current), (qid, value, actual, current)
        if actual != current:
            assert flips[(qid, value)] == actual, (qid, value)

    # and no equals flip for any other question
    allowed = {q.id for q in CHOICE_QUESTIONS} | {q.id for q in PRIORITY_QUESTIONS}
    assert {qid for qid, _ in flips} <= allowed


def _predict(flips: list[dict[str, Any]], current: str, here: int, value: int) -> str:
    """The recommendation the threshold flips of one question predict at ``value``."""
    if value > here:
        passed = [f for f in flips if f["comparison"] == "at_least" and f["answer"] <= value]
        return max(passed, key=lambda f: f["answer"])["recommendation"] if passed else current
    if value < here:
        passed = [f for f in flips if f["comparison"] == "at_most" and f["answer"] >= value]
        return min(passed, key=lambda f: f["answer"])["recommendation"] if passed else current
    return current


@pytest.mark.parametrize("question", VOLUME_QUESTIONS, ids=lambda q: q.id)
@MEDIUM
@given(data=answers(), draw=st.data())
def test_flips_for_volume_thresholds_are_sound_and_complete(question, data, draw):
    # Arrange
    qid = question.id
    lo, hi = question.minimum or 0, question.maximum or 0
    answers_ = full(data)
    here = answers_[qid]
    result = assess(answers_)
    current = result["recommendation"]
    flips = [f for f in result["flips"] if f["question"] == qid]

    # Assert: the shape of the threshold flips
    ups = [f["answer"] for f in flips if f["comparison"] == "at_least"]
    downs = [f["answer"] for f in flips if f["comparison"] == "at_most"]
    assert len(ups) + len(downs) == len(flips)
    assert all(here < v <= hi for v in ups), (here, ups)
    assert all(lo <= v < here for v in downs), (here, downs)
    assert ups == sorted(set(ups))
    assert downs == sorted(set(downs), reverse=True)

    # Soundness: each flip holds at its own value and not just before it (walking outward)
    probes: set[int] = set()
    for flip in flips:
        value = flip["answer"]
        assert rec_of(answers_ | {qid: value}) == flip["recommendation"], (flip, answers_)
        step_back = value - 1 if flip["comparison"] == "at_least" else value + 1
        assert _predict(flips, current, here, step_back) != flip["recommendation"]
        probes.update({value - 1, value, value + 1})

    # Completeness: full re-evaluation anywhere agrees with what the flips predict
    sampled = draw.draw(st.lists(value_of(question), min_size=1, max_size=8), label="values")
    probes.update(sampled)
    for value in sorted(v for v in probes if lo <= v <= hi):
        actual = rec_of(answers_ | {qid: value})
        assert actual == _predict(flips, current, here, value), (qid, value, flips, answers_)


# ---------------------------------------------------------------------------- invalid input

identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,24}", fullmatch=True)
unknown_ids = st.one_of(identifiers, st.text(min_size=1, max_size=20)).filter(
    lambda s: s not in QUESTIONS
)
not_a_string = st.one_of(
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def bad_value(question: Question) -> st.SearchStrategy[Any]:
    """A value the contract does not allow for ``question``: wrong type, set or range."""
    if question.kind == "choice":
        out_of_set = st.text(max_size=30).filter(lambda s: s not in question.choices)
        near_miss = st.sampled_from(question.choices).map(lambda c: c.upper() + " ")
        wrong_type = st.one_of(not_a_string, st.sampled_from(question.choices).map(lambda c: [c]))
        return st.one_of(out_of_set, near_miss, wrong_type)
    if question.kind == "integer":
        lo, hi = question.minimum or 0, question.maximum or 0
        out_of_range = st.one_of(
            st.integers(max_value=lo - 1),
            st.integers(min_value=hi + 1),
            st.sampled_from([lo - 1, hi + 1, -(2**70), 2**70]),
        )
        as_text = st.integers(lo, hi).map(str)
        as_float = st.one_of(
            st.integers(lo, hi).map(float),
            st.floats(allow_nan=True, allow_infinity=True),
        )
        wrong_type = st.one_of(
            as_text,
            st.text(max_size=10),
            as_float,
            st.booleans(),
            st.none(),
            st.lists(st.integers(lo, hi), max_size=2),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        )
        return st.one_of(out_of_range, wrong_type)
    assert question.max_length is not None
    too_long = st.just("y" * (question.max_length + 1))
    with_nul = st.text(max_size=10).map(lambda text: text + "\x00")
    return st.one_of(too_long, not_a_string, with_nul)


@st.composite
def bad_answers(draw: st.DrawFn) -> tuple[dict[str, Any], set[str]]:
    """Valid answers with one or more bad fields mixed in; returns the object and the bad ids."""
    base = draw(answers())
    bad_questions = draw(
        st.lists(st.sampled_from(list(QUESTIONS.values())), unique_by=lambda q: q.id, max_size=4)
    )
    extra = draw(st.lists(unknown_ids, unique=True, max_size=3))
    if not bad_questions and not extra:
        extra = [draw(unknown_ids)]
    bad = {q.id: draw(bad_value(q)) for q in bad_questions}
    bad |= {key: draw(st.one_of(st.text(max_size=5), st.integers(), st.none())) for key in extra}
    return base | bad, set(bad)


def _errors_of(call: Any, data: object) -> list[Any]:
    with pytest.raises(AnswersError) as info:
        call(data)
    return info.value.errors


@HEAVY
@given(bad_answers())
def test_validate_answers_rejects_bad_fields_naming_each_of_them(case):
    # Arrange
    data, bad_ids = case

    # Act
    errors = _errors_of(validate_answers, data)

    # Assert
    fields = [e.field for e in errors]
    assert set(fields) == bad_ids
    for error in errors:
        assert error.message
        if error.field in QUESTIONS:
            assert QUESTIONS[error.field].allowed() in error.message


@LIGHT
@given(bad_answers())
def test_assess_rejects_bad_fields_naming_each_of_them(case):
    # Arrange
    data, bad_ids = case

    # Act
    errors = _errors_of(assess, data)

    # Assert
    assert {e.field for e in errors} == bad_ids


@pytest.mark.parametrize("question", list(QUESTIONS.values()), ids=lambda q: q.id)
@LIGHT
@given(draw=st.data())
def test_validate_answers_rejects_single_bad_value_naming_the_field(question, draw):
    # Arrange
    value = draw.draw(bad_value(question), label="value")

    # Act
    errors = _errors_of(validate_answers, {question.id: value})

    # Assert
    assert [e.field for e in errors] == [question.id]
    assert question.allowed() in errors[0].message


@pytest.mark.parametrize("call", [validate_answers, assess], ids=["validate_answers", "assess"])
@LIGHT
@given(
    data=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=20),
        st.binary(max_size=10),
        st.lists(answers(), max_size=2),
        st.tuples(st.integers()),
        st.sets(st.integers(), max_size=2),
    )
)
def test_answers_not_an_object_are_rejected_as_a_whole(call, data):
    # Act
    errors = _errors_of(call, data)

    # Assert
    assert [e.field for e in errors] == [""]
    assert errors[0].message


# Python refuses str() of an int with more than 4300 digits (sys.get_int_max_str_digits()).
huge_integers = st.builds(
    lambda digits, sign: sign * 10 ** (digits - 1),
    st.integers(min_value=4301, max_value=6000),
    st.sampled_from([1, -1]),
)


@pytest.mark.parametrize("call", [validate_answers, assess], ids=["validate_answers", "assess"])
@LIGHT
@given(
    field=st.one_of(st.sampled_from(list(QUESTIONS)), unknown_ids),
    value=huge_integers,
)
def test_answers_with_huge_integer_are_rejected_not_crashed(call, field, value):
    # Act
    errors = _errors_of(call, {field: value})

    # Assert
    assert [e.field for e in errors] == [field]


@pytest.mark.parametrize("call", [validate_answers, assess], ids=["validate_answers", "assess"])
@LIGHT
@given(data=huge_integers)
def test_answers_huge_integer_instead_of_object_is_rejected_not_crashed(call, data):
    # Act
    errors = _errors_of(call, data)

    # Assert
    assert [e.field for e in errors] == [""]
