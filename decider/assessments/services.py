"""Domain logic for assessments: typed, keyword-only functions that say what they change.

Views stay thin: they parse the request, call these, and render. Nothing here knows about
HTTP except ``visitor_token``, the seam that accounts will replace with users and teams.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest

from decider.engine import AnswersError, FieldError, default_engine, questions, validate_answers
from decider.engine.evaluate import Result
from decider.engine.questionnaire import Question, load_questionnaire

from .models import Assessment

VISITOR_KEY = "decider_visitor"
REVIEW_STEP = "review"

_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,16}")
_SEPARATORS = str.maketrans("", "", " \u2009\u202f\u00a0,_'")


def steps() -> list[str]:
    """The questionnaire's sections in order, then the review step."""
    return [s.id for s in load_questionnaire().sections] + [REVIEW_STEP]


def section_questions(section_id: str) -> tuple[Question, ...]:
    for section in load_questionnaire().sections:
        if section.id == section_id:
            return section.questions
    raise KeyError(section_id)


def visitor_token(request: HttpRequest, *, create: bool) -> str | None:
    """The browser's anonymous identity, kept in its session; made on first need."""
    token = request.session.get(VISITOR_KEY)
    if token is None and create:
        token = secrets.token_urlsafe(24)
        request.session[VISITOR_KEY] = token
    return token


def get_assessment_for_request(request: HttpRequest, assessment_id: Any) -> Assessment:
    """The assessment if this browser owns it, else 404: others' ids are not even confirmed."""
    token = visitor_token(request, create=False)
    if token is None:
        raise Http404("No such assessment")
    try:
        return Assessment.objects.get(id=assessment_id, visitor=token)
    except (Assessment.DoesNotExist, ValueError):
        raise Http404("No such assessment") from None


def recent_assessments(*, visitor: str | None, limit: int = 10) -> list[Assessment]:
    if visitor is None:
        return []
    return list(Assessment.objects.filter(visitor=visitor).order_by("-updated_at")[:limit])


def coerce_value(question: Question, raw: str) -> str | int:
    """A form field's text as the contract's type; ``AnswersError`` names what is allowed.

    Whole numbers may carry thousands separators (spaces, commas, underscores), as people
    type them; anything else that is not a whole number is refused, not guessed at.
    """
    if question.kind == "integer":
        text = raw.strip().translate(_SEPARATORS)
        if not _WHOLE_NUMBER.fullmatch(text):
            shown = repr(raw.strip()) if raw.strip() else "an empty value"
            raise AnswersError(
                [
                    FieldError(
                        question.id,
                        f"{shown} is not allowed; expected {question.allowed()}",
                        shown,
                    )
                ]
            )
        return int(text)
    if question.kind == "text":
        return raw.replace("\r\n", "\n")
    return raw


def parse_changes(
    data: Mapping[str, str], *, allowed: Iterable[str]
) -> tuple[dict[str, str | int], list[FieldError]]:
    """Pick the answers out of submitted form data, typed, with an error per bad field."""
    known = questions()
    changes: dict[str, str | int] = {}
    errors: list[FieldError] = []
    for qid in allowed:
        if qid not in data:
            continue
        try:
            changes[qid] = coerce_value(known[qid], data[qid])
        except AnswersError as exc:
            errors.extend(exc.errors)
    return changes, errors


def _ordered(ids: Iterable[str]) -> list[str]:
    wanted = set(ids)
    return [qid for qid in questions() if qid in wanted]


def start_assessment(*, visitor: str, answers: Mapping[str, Any] | None = None) -> Assessment:
    """Create an assessment with default answers, or with the given ones (an example)."""
    given = dict(answers or {})
    complete = validate_answers(given)
    result = default_engine().assess_valid(complete)
    return Assessment.objects.create(
        visitor=visitor,
        answers=complete,
        answered=_ordered(given),
        current_step=steps()[0] if not given else REVIEW_STEP,
        ruleset_version=result["ruleset"]["version"],
        recommendation=result["recommendation"],
        confidence=result["confidence"],
    )


def apply_answers(*, assessment: Assessment, changes: Mapping[str, str | int]) -> Result:
    """Validate the changed answers together with the rest and save them all, or none.

    The row is re-read under a lock and the changes merged onto what is stored *now*, so two
    saves arriving together (an autosave on blur and a click, or two tabs) both keep their
    answer. Raises ``AnswersError`` (naming each bad field) without touching the database.
    Returns the result of the saved answers and refreshes ``assessment`` in place.
    """
    with transaction.atomic():
        current = Assessment.objects.select_for_update().get(pk=assessment.pk)
        complete = validate_answers({**current.answers, **changes})
        result = default_engine().assess_valid(complete)
        current.answers = complete
        current.answered = _ordered([*current.answered, *changes])
        current.ruleset_version = result["ruleset"]["version"]
        current.recommendation = result["recommendation"]
        current.confidence = result["confidence"]
        current.revision += 1
        current.save(
            update_fields=[
                "answers",
                "answered",
                "ruleset_version",
                "recommendation",
                "confidence",
                "revision",
                "updated_at",
            ]
        )
    for name in (
        "answers",
        "answered",
        "ruleset_version",
        "recommendation",
        "confidence",
        "revision",
        "updated_at",
        "current_step",
    ):
        setattr(assessment, name, getattr(current, name))
    return result


def check_answers(
    *, base: Mapping[str, Any], changes: Mapping[str, str | int], errors: list[FieldError]
) -> list[FieldError]:
    """Every problem at once: the parse errors so far plus what validation finds in the rest."""
    failed = {e.field for e in errors}
    try:
        validate_answers({**base, **changes})
    except AnswersError as exc:
        return errors + [e for e in exc.errors if e.field not in failed]
    return errors


def remember_step(*, assessment: Assessment, step: str) -> None:
    """Note where the user is, so that coming back resumes there."""
    if assessment.current_step != step:
        assessment.current_step = step
        Assessment.objects.filter(pk=assessment.pk).update(current_step=step)


def assess_answers(answers: Mapping[str, Any]) -> Result:
    """The engine's result for answers from the database or a what-if form."""
    return default_engine().assess_valid(validate_answers(dict(answers)))


__all__ = ["AnswersError", "FieldError"]
