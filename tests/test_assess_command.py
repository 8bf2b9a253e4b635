"""``manage.py assess``: files, stdin, batches, text output and every error case.

The command runs in a real subprocess, so exit status, stdout and stderr are exactly what a
pipeline would see.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from decider.engine import assess
from tests.conftest import load_scenarios

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "assess", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write_json(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_assess_reads_stdin_and_prints_a_full_result() -> None:
    done = run("-", stdin='{"stage":"prototype"}')

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result = json.loads(done.stdout)
    assert result == assess({"stage": "prototype"})
    assert set(result) >= {
        "recommendation",
        "confidence",
        "scores",
        "rationale",
        "cautions",
        "flips",
        "hybrid_split",
        "ruleset",
    }


def test_assess_reads_a_file(tmp_path: Path) -> None:
    scenario = load_scenarios()[5]
    path = write_json(tmp_path, scenario["answers"])

    done = run(str(path))

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["recommendation"] == scenario["expected"]


def test_assess_batch_keeps_input_order(tmp_path: Path) -> None:
    scenarios = load_scenarios()
    path = write_json(tmp_path, [s["answers"] for s in scenarios])

    done = run(str(path))

    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["recommendation"] for r in results] == [s["expected"] for s in scenarios]


def test_assess_output_is_byte_identical_across_runs() -> None:
    first = run("-", stdin=json.dumps(load_scenarios()[2]["answers"]))
    second = run("-", stdin=json.dumps(load_scenarios()[2]["answers"]))

    assert first.stdout == second.stdout
    assert first.returncode == second.returncode == 0


def test_assess_text_format_is_a_readable_summary() -> None:
    chatbot = load_scenarios()[2]["answers"]

    done = run("-", "--format", "text", stdin=json.dumps(chatbot))

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Recommendation: HYBRID  (confidence ")
    for heading in (
        "Why (strongest reasons first):",
        "Hybrid split (open is primary):",
        "What to watch:",
        "What would change the answer:",
    ):
        assert heading in lines
    assert lines[-1].startswith("Ruleset 2026.11.1 (sha256 ")


def test_assess_text_format_batch_titles_each_item(tmp_path: Path) -> None:
    path = write_json(tmp_path, [s["answers"] for s in load_scenarios()[:2]])

    done = run(str(path), "--format", "text")

    assert done.returncode == 0, done.stderr
    assert "[0] Prototype of a summarise-this-page button" in done.stdout
    assert done.stdout.count("Recommendation: ") == 2


@pytest.mark.parametrize(
    ("stdin", "expected_lines"),
    [
        pytest.param(
            '{"stage": "launch"}',
            [
                "error: stage: 'launch' is not allowed; expected one of prototype, pilot, "
                "production, core_product"
            ],
            id="value-outside-set",
        ),
        pytest.param(
            '{"colour": "blue"}',
            ["error: colour: is not a question of this questionnaire (unknown question id)"],
            id="unknown-id",
        ),
        pytest.param(
            '{"monthly_requests": -5}',
            [
                "error: monthly_requests: -5 is not allowed; expected a whole number from 0 to "
                "1 000 000 000 000"
            ],
            id="out-of-range",
        ),
        pytest.param(
            '{"priority_cost": "5"}',
            ["error: priority_cost: '5' is not allowed; expected a whole number from 1 to 5"],
            id="wrong-type-string-for-int",
        ),
        pytest.param(
            '{"gpu_access": true}',
            [
                "error: gpu_access: true is not allowed; expected one of none, cloud_budget, "
                "owned_hardware"
            ],
            id="wrong-type-bool-for-choice",
        ),
        pytest.param(
            '{"stage": "prototype",',
            [
                "error: input: malformed JSON at line 1, column 23: Expecting property name "
                "enclosed in double quotes"
            ],
            id="malformed-json",
        ),
        pytest.param(
            '{"priority_cost": ' + "9" * 5000 + "}",
            ["error: input: the JSON holds a number too long to read"],
            id="huge-number",
        ),
        pytest.param(
            '"prototype"',
            ["error: input: expected an answers object or an array of answers objects"],
            id="not-an-object",
        ),
        pytest.param(
            '[{"stage": "pilot"}, {"stage": "x", "foo": 1}, 7]',
            [
                "error: [1] stage: 'x' is not allowed; expected one of prototype, pilot, "
                "production, core_product",
                "error: [1] foo: is not a question of this questionnaire (unknown question id)",
                "error: [2] answers must be a JSON object, not 7",
            ],
            id="batch-names-index",
        ),
    ],
)
def test_assess_rejects_bad_input_naming_each_field(stdin: str, expected_lines: list[str]) -> None:
    done = run("-", stdin=stdin)

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == expected_lines


def test_assess_unreadable_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"

    done = run(str(missing))

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip() == f"error: {missing}: cannot be read: No such file or directory"


def test_assess_unknown_format_is_a_usage_error() -> None:
    done = run("-", "--format", "yaml", stdin="{}")

    assert done.returncode != 0
    assert done.stdout == ""
    assert "invalid choice: 'yaml'" in done.stderr
