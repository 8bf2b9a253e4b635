"""Validation of an answers object against the contract.

Answers are strict: an unknown question id, a value outside the allowed set or range, or a value
of the wrong JSON type is an error naming the field and what is allowed. Nothing is coerced or
silently fixed ("3" is not 3, true is not 1). Missing questions take their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from .questionnaire import Question, questions

NO_NUL = r"^[^\x00]*$"

AnswerValue = str | int
Answers = dict[str, AnswerValue]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: which question (or "" for the whole object) and what is wrong."""

    field: str
    message: str
    given: str = ""  # the refused value as shown to people, e.g. "'abc'" or "true"

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class AnswersError(ValueError):
    """Answers that do not satisfy the contract; ``errors`` names every bad field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def _field_for(question: Question) -> tuple[Any, Any]:
    if question.kind == "choice":
        return Literal[question.choices], Field(default=question.default)
    if question.kind == "integer":
        return int, Field(default=question.default, ge=question.minimum, le=question.maximum)
    # No NUL characters: no database stores them in text (PostgreSQL refuses them in jsonb).
    return str, Field(default=question.default, max_length=question.max_length, pattern=NO_NUL)


@cache
def answers_model() -> type[BaseModel]:
    """The pydantic model of an answers object, generated from the contract."""
    fields: dict[str, Any] = {q.id: _field_for(q) for q in questions().values()}
    return create_model(
        "Answers",
        __config__=ConfigDict(extra="forbid", strict=True, frozen=True),
        **fields,
    )


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, int) and value.bit_length() > 200:
        return "a number too large to show"  # str() refuses ints beyond 4300 digits
    if isinstance(value, int | float):
        return str(value)
    return f"a {type(value).__name__}"


def _message(error: Any, known: dict[str, Question]) -> FieldError:
    loc = error["loc"]
    field = str(loc[0]) if loc else ""
    question = known.get(field)
    given = _describe(error.get("input"))
    if error["type"] == "extra_forbidden":
        return FieldError(field, "is not a question of this questionnaire (unknown question id)")
    if question is None:
        return FieldError(field, str(error["msg"]))
    if error["type"] == "string_pattern_mismatch":
        return FieldError(
            field,
            f"contains a NUL character (\\0); expected {question.allowed()} without one",
            given,
        )
    return FieldError(field, f"{given} is not allowed; expected {question.allowed()}", given)


def field_error(error: Any) -> FieldError:
    """One of pydantic's errors for the answers model, in the words the engine uses."""
    return _message(error, questions())


def validate_answers(data: object) -> Answers:
    """Return the complete answers (defaults filled in) or raise ``AnswersError``."""
    if not isinstance(data, dict):
        raise AnswersError(
            [FieldError("", f"answers must be a JSON object, not {_describe(data)}")]
        )
    known = questions()
    try:
        model = answers_model().model_validate(data)
    except ValidationError as exc:
        errors = [_message(e, known) for e in exc.errors(include_url=False)]
        raise AnswersError(errors) from None
    return model.model_dump()
