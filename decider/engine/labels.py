"""The questionnaire's wording: section titles, question labels and help, choice labels and hints.

The wording lives in ``labels.toml`` beside this module and is checked against the answer
contract (``questionnaire.json``) when it is loaded: every section, question and choice needs an
entry, and nothing unknown may appear. A broken file fails loudly with a ``LabelsError`` that
names the file and the field, rather than a page that silently shows a raw id.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .datafile import read_toml
from .questionnaire import Question, load_questionnaire, questions

LABELS_PATH = Path(__file__).with_name("labels.toml")

SCALE_KEYS = ("1", "2", "3", "4", "5")
PRIORITY_PREFIX = "priority_"
THIN_SPACE = "\u202f"  # narrow no-break space: a number never wraps inside

Text = Annotated[str, StringConstraints(min_length=1)]


class LabelsError(ValueError):
    """The labels file is unreadable, malformed or out of step with the questionnaire."""


class ChoiceLabel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: Text
    hint: Text


class QuestionLabel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: Text
    help: Text
    unit: str = ""
    choices: dict[str, ChoiceLabel] = Field(default_factory=dict)


class SectionLabel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Text
    intro: Text


class Labels(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sections: dict[str, SectionLabel]
    questions: dict[str, QuestionLabel]
    scale: dict[str, Text]

    def question(self, qid: str) -> QuestionLabel:
        """The wording of one question; ``KeyError`` for an id the questionnaire lacks."""
        try:
            return self.questions[qid]
        except KeyError:
            raise KeyError(f"no labels for question {qid!r}") from None

    def answer_label(self, qid: str, value: str | int) -> str:
        """An answer in words, as a person reads it on a page or in a report.

        Choices give their label, priorities their scale label, other whole numbers the number
        with thin spaces between thousands and the question's unit, and text itself.
        """
        question = questions().get(qid)
        if question is None:
            raise KeyError(f"no labels for question {qid!r}")
        wording = self.question(qid)
        if question.kind == "choice":
            choice = wording.choices.get(str(value))
            if choice is None:
                raise ValueError(f"{qid}: {value!r} is not {question.allowed()}")
            return choice.label
        if question.kind == "integer":
            number = _whole_number(qid, value)
            if _is_priority(question):
                scale_label = self.scale.get(str(number))
                if scale_label is None:
                    raise ValueError(f"{qid}: {value!r} is not {question.allowed()}")
                return scale_label
            text = f"{number:,}".replace(",", THIN_SPACE)
            return f"{text} {wording.unit}" if wording.unit else text
        return str(value)


def _whole_number(qid: str, value: str | int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{qid}: {value!r} is not a whole number")
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{qid}: {value!r} is not a whole number") from None


def _is_priority(question: Question) -> bool:
    return question.kind == "integer" and question.id.startswith(PRIORITY_PREFIX)


def _fail(path: Path, where: str, message: str) -> LabelsError:
    return LabelsError(f"{path}: {where}: {message}")


def _check_keys(
    path: Path, where: str, what: str, have: Iterable[str], expected: Iterable[str]
) -> None:
    """Raise unless ``have`` and ``expected`` hold the same keys (missing ones reported first)."""
    have_list, expected_list = list(have), list(expected)
    missing = [key for key in expected_list if key not in have_list]
    if missing:
        raise _fail(path, where, f"missing labels for {', '.join(missing)}")
    unknown = [key for key in have_list if key not in expected_list]
    if unknown:
        raise _fail(
            path,
            where,
            f"unknown {what} {', '.join(unknown)} (expected {', '.join(expected_list)})",
        )


def _check_complete(labels: Labels, path: Path) -> None:
    contract = load_questionnaire()
    _check_keys(
        path,
        "sections",
        "section ids",
        labels.sections,
        (section.id for section in contract.sections),
    )
    by_id = questions()
    _check_keys(path, "questions", "question ids", labels.questions, by_id)
    for qid, question in by_id.items():
        wording = labels.questions[qid]
        where = f"questions.{qid}"
        if question.kind == "choice":
            _check_keys(path, f"{where}.choices", "choices", wording.choices, question.choices)
        elif wording.choices:
            raise _fail(path, f"{where}.choices", f"{question.kind} questions take no choices")
        if wording.unit and (question.kind != "integer" or _is_priority(question)):
            raise _fail(path, f"{where}.unit", "only volume questions (whole numbers) have a unit")
    _check_keys(path, "scale", "scale keys", labels.scale, SCALE_KEYS)


def load_labels(path: Path = LABELS_PATH) -> Labels:
    """Read and check a labels file; raise ``LabelsError`` naming the file and field if unusable."""
    _, data = read_toml(path, LabelsError)
    try:
        labels = Labels.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise _fail(path, where, first["msg"]) from None
    _check_complete(labels, path)
    return labels


@functools.cache
def labels() -> Labels:
    """The shipped labels, read and checked once."""
    return load_labels()
