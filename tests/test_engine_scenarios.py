"""The article's six scenarios, and hand-checkable properties of their results."""

from __future__ import annotations

import json
from typing import Any

import pytest

from decider.engine import assess
from decider.engine.examples import examples
from tests.conftest import load_scenarios

SCENARIOS = load_scenarios()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario_gives_the_expected_recommendation(scenario: dict[str, Any]) -> None:
    result = assess(scenario["answers"])

    assert result["recommendation"] == scenario["expected"]


def test_support_chatbot_hybrid_comes_with_a_concrete_split() -> None:
    chatbot = next(s for s in SCENARIOS if s["expected"] == "hybrid")

    split = assess(chatbot["answers"])["hybrid_split"]

    assert split["primary"] == "open"
    assert any("confidential" in item for item in split["open"])
    assert any("standby" in item for item in split["open"])
    assert any("reasoning" in item for item in split["closed"])
    assert "fails over" in split["fallback"] or "fail over" in split["fallback"]


def test_support_chatbot_turns_on_team_skills() -> None:
    """The article: 'either, depending on team'. A strong team tips the chatbot to open."""
    chatbot = next(s for s in SCENARIOS if s["expected"] == "hybrid")
    strong = {
        **chatbot["answers"],
        "skill_infrastructure": "strong",
        "skill_security": "strong",
        "skill_evaluation": "strong",
    }

    assert assess(strong)["recommendation"] == "open"


def test_document_assistant_reports_the_hard_constraint() -> None:
    assistant = SCENARIOS[1]

    result = assess(assistant["answers"])

    assert [c["id"] for c in result["constraints"]] == ["no-outside-processing"]
    assert result["constraints"][0]["question"] == "vendor_terms_ok"


def test_rationale_explains_volume_in_words() -> None:
    bulk = SCENARIOS[5]

    result = assess(bulk["answers"])

    volume = next(e for e in result["rationale"] if e["rule"] == "volume-high")
    assert "about 32 billion tokens a month" in volume["explanation"]
    assert volume["question"] == "monthly_requests"
    assert result["tokens_per_month"] == 40_000_000 * 800


def test_rationale_is_sorted_by_weight_and_uses_contract_keys() -> None:
    result = assess(SCENARIOS[3]["answers"])

    weights = [e["weight"] for e in result["rationale"]]
    assert weights == sorted(weights, reverse=True)
    assert set(result["rationale"][0]) >= {
        "rule",
        "question",
        "answer",
        "area",
        "favours",
        "weight",
        "explanation",
    }


def test_priorities_scale_their_areas() -> None:
    base = {"stage": "prototype"}

    plain = assess(base)
    speed_first = assess({**base, "priority_speed": 5})

    def stage(result: dict[str, Any]) -> float:
        return float(next(e for e in result["rationale"] if e["rule"] == "stage-early")["weight"])

    assert stage(plain) == 2.5
    assert stage(speed_first) == 2.5 * 1.75


def test_default_answers_give_a_full_result() -> None:
    result = assess({"stage": "prototype"})

    assert result["recommendation"] == "closed"
    assert result["flips"], "the prototype default has answers that would change the result"
    assert json.dumps(result)  # serialisable as-is


def test_shipped_examples_are_the_article_scenarios() -> None:
    assert [e["answers"] for e in examples()] == [s["answers"] for s in SCENARIOS]
