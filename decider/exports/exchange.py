"""Assessments as JSON exchange files: export one, and import one as a new assessment.

An import is untrusted input. The file is checked whole before anything is stored: its size
before parsing, then its shape with a strict pydantic model (no unknown fields, no coercion),
then the answers against the questionnaire. Every problem is reported at once, each naming its
field. The ``result`` a file carries is ignored: the engine recomputes it from the answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from decider.assessments.models import Assessment, Status
from decider.assessments.services import assess_answers, start_assessment
from decider.engine import AnswersError, validate_answers
from decider.engine.evaluate import Result

SCHEMA = "decider.assessment"
SCHEMA_VERSION = 1
MAX_IMPORT_BYTES = 1024 * 1024  # 1 MB: far above any real file, far below a memory problem
TITLE_MAX = 120

StatusValue = Literal["draft", "proposed", "accepted", "superseded"]


class ImportRefused(ValueError):
    """An import file that cannot be used; ``messages`` names each bad field."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("; ".join(messages))


@dataclass(frozen=True)
class ImportedAssessment:
    """What a valid file holds: complete answers and the result recomputed from them."""

    title: str
    status: str
    answers: dict[str, Any]
    result: Result


class _Ruleset(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    version: str = Field(max_length=40)
    sha256: str = Field(max_length=64)


class _ExchangeFile(BaseModel):
    """The envelope of an exchange file. Answers are checked separately, by the engine."""

    model_config = ConfigDict(extra="forbid", strict=True)

    schema_: Literal["decider.assessment"] = Field(alias="schema")
    schema_version: Literal[1]
    title: str = Field(max_length=TITLE_MAX)
    status: StatusValue
    answers: dict[str, Any]
    # Informative only: kept optional so a hand-written file needs just the fields above.
    result: dict[str, Any] | None = None
    ruleset: _Ruleset | None = None
    exported_at: str | None = Field(default=None, max_length=40)
    created_at: str | None = Field(default=None, max_length=40)
    updated_at: str | None = Field(default=None, max_length=40)

    @field_validator("schema_version", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: object) -> object:
        if isinstance(value, bool):  # JSON true is not the number 1
            raise ValueError("expected 1")
        return value

    @field_validator("title")
    @classmethod
    def _single_line(cls, value: str) -> str:
        if any(c in value for c in "\n\r\x00"):
            raise ValueError("must be one line of text (no line breaks or NUL characters)")
        return value.strip()


# ---------------------------------------------------------------------- export


def export_assessment(assessment: Assessment) -> dict[str, Any]:
    """The exchange file of an assessment, with the result under the current ruleset."""
    result = assess_answers(assessment.answers)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "title": assessment.name,  # empty means "use the use case", as on the page
        "status": assessment.status,
        "answers": dict(assessment.answers),
        "result": result,
        "ruleset": dict(result["ruleset"]),
        "exported_at": timezone.now().isoformat(),
        "created_at": assessment.created_at.isoformat(),
        "updated_at": assessment.updated_at.isoformat(),
    }


# ---------------------------------------------------------------------- import


def parse_import_bytes(raw: bytes | str) -> ImportedAssessment:
    """Check the size, parse the JSON, then ``parse_import``; ``ImportRefused`` otherwise."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused([f"file: larger than the limit of {MAX_IMPORT_BYTES // 1024} KB"])
    if not data.strip():
        raise ImportRefused(["file: empty; choose a file or paste its contents"])
    try:
        parsed = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ImportRefused(["file: not text in UTF-8"]) from None
    except json.JSONDecodeError as exc:
        raise ImportRefused(
            [f"file: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"]
        ) from None
    except RecursionError:
        raise ImportRefused(["file: nested too deeply to be an assessment"]) from None
    return parse_import(parsed)


def parse_import(data: object) -> ImportedAssessment:
    """A parsed exchange file, checked whole; ``ImportRefused`` lists every problem."""
    if not isinstance(data, dict):
        raise ImportRefused([f"file: expected a JSON object, not {_kind(data)}"])
    messages: list[str] = []
    envelope: _ExchangeFile | None = None
    try:
        envelope = _ExchangeFile.model_validate(data)
    except ValidationError as exc:
        messages += [_message(error) for error in exc.errors(include_url=False)]
    answers: dict[str, Any] = {}
    if isinstance(data.get("answers"), dict):
        try:
            answers = validate_answers(data["answers"])
        except AnswersError as exc:
            messages += [_answers_message(str(e.field), e.message) for e in exc.errors]
    if messages or envelope is None:
        raise ImportRefused(messages)
    return ImportedAssessment(
        title=envelope.title,
        status=envelope.status,
        answers=answers,
        result=assess_answers(answers),
    )


def import_assessment(
    *, imported: ImportedAssessment, team: Any, author: Any, visitor: str
) -> Assessment:
    """Create a new assessment in ``team`` from a checked file: all of it, or nothing."""
    with transaction.atomic():
        assessment = start_assessment(
            visitor=visitor, answers=imported.answers, team=team, author=author, name=imported.title
        )
        if imported.status != Status.DRAFT:
            assessment.status = imported.status
            assessment.save(update_fields=["status"])
    return assessment


def _answers_message(field: str, message: str) -> str:
    return f"answers.{field}: {message}" if field else f"answers: {message}"


_EXPECTED = {
    "schema": f"expected {SCHEMA!r}",
    "schema_version": f"expected {SCHEMA_VERSION}",
    "status": "expected one of " + ", ".join(Status.values),
}


def _message(error: Any) -> str:
    loc = [str(part) for part in error["loc"]]
    field = ".".join(loc) or "file"
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{field}: not a field of an assessment file (unknown field)"
    if kind == "missing":
        return f"{field}: required"
    if loc and loc[0] in _EXPECTED and len(loc) == 1:
        return f"{field}: {_shown(error.get('input'))} is not allowed; {_EXPECTED[loc[0]]}"
    if kind == "dict_type":
        return f"{field}: expected a JSON object, not {_kind(error.get('input'))}"
    if kind == "string_type":
        return f"{field}: expected a string, not {_shown(error.get('input'))}"
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        return f"{field}: longer than {limit} characters"
    if kind == "value_error":
        return f"{field}: {error['ctx']['error']}"
    return f"{field}: {_shown(error.get('input'))} is not allowed; {error['msg'].lower()}"


def _shown(value: object) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int) and value.bit_length() > 200:
        return "a number too large to show"
    if isinstance(value, int | float):
        return str(value)
    return _kind(value)


def _kind(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), f"a {type(value).__name__}")
