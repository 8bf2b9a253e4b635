"""A broken ruleset fails loudly, naming the file and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from decider.engine import RulesetError, compile_ruleset, load_ruleset
from decider.engine.ruleset import DEFAULT_RULESET_PATH
from tests.conftest import load_scenarios

ORIGINAL = DEFAULT_RULESET_PATH.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    return path


def replace_once(old: str, new: str) -> str:
    assert ORIGINAL.count(old) >= 1, f"fixture text {old!r} not in rules.toml"
    return ORIGINAL.replace(old, new, 1)


def test_default_ruleset_loads_with_version_and_fingerprint() -> None:
    loaded = load_ruleset()

    assert loaded.ruleset.version == "2026.11.1"
    assert re.fullmatch(r"[0-9a-f]{64}", loaded.sha256)
    assert len(loaded.ruleset.rules) >= 30


def test_fingerprint_changes_with_the_file(tmp_path: Path) -> None:
    edited = write(tmp_path, ORIGINAL + "\n# a comment\n")

    assert load_ruleset(edited).sha256 != load_ruleset().sha256


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("version = [", r"not valid TOML", id="toml-syntax"),
        pytest.param(
            replace_once('version = "2026.11.1"\n', ""), r"version: Field required", id="no-version"
        ),
        pytest.param(
            replace_once('question = "stage"', 'question = "stagee"'),
            r"rules\[0\] \(id 'stage-early'\)\.question: 'stagee' is not a question id",
            id="unknown-question",
        ),
        pytest.param(
            replace_once("prototype = 2.5", "protoype = 2.5"),
            r"rules\[0\] \(id 'stage-early'\)\.weights: 'protoype' is not an answer of stage",
            id="unknown-answer",
        ),
        pytest.param(
            replace_once("prototype = 2.5", 'prototype = "2.5"'),
            r"rules\[0\] \(id 'stage-early'\)\.weights\.prototype: Input should be a valid number",
            id="weight-wrong-type",
        ),
        pytest.param(
            replace_once("prototype = 2.5", "prototype = -1.0"),
            r"rules\[0\] \(id 'stage-early'\)\.weights\.prototype: Input should be greater than",
            id="negative-weight",
        ),
        pytest.param(
            replace_once("{ prototype = 2.5, pilot = 1.0 }", "{ prototype = 1.0, pilot = 2.5 }"),
            r"rules\[0\] \(id 'stage-early'\)\.weights: a rule favouring closed on ordered "
            r"question stage must fall",
            id="direction-closed-rule-rises",
        ),
        pytest.param(
            replace_once(
                "{ production = 0.5, core_product = 1.5 }",
                "{ production = 1.5, core_product = 0.5 }",
            ),
            r"rules\[1\] \(id 'stage-core'\)\.weights: a rule favouring open .* must rise",
            id="direction-open-rule-falls",
        ),
        pytest.param(
            replace_once(
                'label = "customers depending on the feature"',
                'label = "customers depending on the feature"\n'
                'when = [{ question = "vendor_terms_ok", in = ["yes"] }]',
            ),
            r"rules\[1\] \(id 'stage-core'\)\.when\[0\]: a gate on ordered question "
            r"vendor_terms_ok must select the open end",
            id="gate-wrong-end",
        ),
        pytest.param(
            replace_once(
                "[scales.cost_sensitivity]",
                "[scales.stage]\nprototype = 1.0\n\n[scales.cost_sensitivity]",
            ),
            r"scales\.stage: scales may only use unordered choice questions",
            id="scale-on-ordered-question",
        ),
        pytest.param(
            replace_once('id = "stage-core"', 'id = "stage-early"'),
            r"rules\[1\] \(id 'stage-early'\): duplicate rule id",
            id="duplicate-id",
        ),
        pytest.param(
            replace_once(
                "{ at_least = 10_000_000, weight = 1.0 }", "{ at_least = 0, weight = 1.0 }"
            ),
            r"rules\[\d+\] \(id 'volume-low'\)\.tiers: Value error, tiers must be listed with "
            r"strictly increasing",
            id="tiers-unsorted",
        ),
        pytest.param(
            replace_once('answers = ["air_gapped"]', 'answers = ["none"]'),
            r"hard_constraints\[0\] \(id 'air-gapped'\)\.answers: must select the open end",
            id="constraint-at-closed-end",
        ),
        pytest.param(
            replace_once(
                "[scales.cost_sensitivity]",
                '[scales.priority_cost]\n"3" = 1.0\n\n[scales.cost_sensitivity]',
            ),
            r"scales\.priority_cost: scales may only use unordered choice questions",
            id="scale-on-priority",
        ),
        pytest.param(
            replace_once(
                'label = "customers depending on the feature"',
                'label = "customers depending on the feature"\n'
                'when = [{ question = "priority_cost", in = ["3"] }]',
            ),
            r"\(id 'stage-core'\)\.when\[0\]: gates may only use choice questions",
            id="gate-on-priority",
        ),
        pytest.param(
            replace_once('scale_by = ["cost_sensitivity"]', 'scale_by = ["nonexistent"]'),
            r"\(id 'volume-low'\)\.scale_by: no scale named 'nonexistent'",
            id="unknown-scale",
        ),
        pytest.param(
            replace_once('area = "speed"', 'area = "velocity"'),
            r"rules\[0\] \(id 'stage-early'\)\.area: Input should be",
            id="unknown-area",
        ),
        pytest.param(
            replace_once('"5" = 1.75', '"6" = 1.75'),
            r"priorities\.scale: needs exactly the answers",
            id="priority-scale-incomplete",
        ),
    ],
)
def test_broken_ruleset_names_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)

    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert re.search(expected, message), message


def test_missing_ruleset_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"

    with pytest.raises(RulesetError, match=rf"{re.escape(str(missing))}: cannot be read"):
        load_ruleset(missing)


def test_a_valid_variant_ruleset_changes_results(tmp_path: Path) -> None:
    """Rules are data: demanding a larger margin for open turns the legal specialist hybrid."""
    strict = write(tmp_path, replace_once("open_ratio = 2.0", "open_ratio = 8.0"))
    engine = compile_ruleset(load_ruleset(strict))
    answers = load_scenarios()[3]["answers"]

    default_rec = compile_ruleset(load_ruleset()).assess(answers)["recommendation"]
    strict_rec = engine.assess(answers)["recommendation"]

    assert (default_rec, strict_rec) == ("open", "hybrid")
