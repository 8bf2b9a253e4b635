"""Turn answers and results into what templates show: labels, sentences, chart geometry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from decider.engine import FieldError, questions
from decider.engine.evaluate import Result
from decider.engine.labels import labels
from decider.engine.questionnaire import Question, load_questionnaire
from decider.engine.wording import tokens_per_month_words

from .services import REVIEW_STEP

PRIORITY_PREFIX = "priority_"


@dataclass
class ChoiceView:
    value: str
    label: str
    hint: str
    checked: bool


@dataclass
class QuestionView:
    id: str
    kind: str
    label: str
    help: str
    unit: str
    value: Any
    choices: list[ChoiceView] = field(default_factory=list)
    error: str = ""
    base: Any = None  # the saved value the page started from, for conflict detection
    conflict: dict[str, Any] | None = None  # someone else's value and ours, when they clash
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None

    @property
    def is_scale(self) -> bool:
        return self.id.startswith(PRIORITY_PREFIX)

    @property
    def is_volume(self) -> bool:
        return self.id in ("monthly_requests", "tokens_per_request")


def question_view(
    question: Question, value: Any, error: str = "", *, base: Any = None
) -> QuestionView:
    wording = labels().question(question.id)
    view = QuestionView(
        base=value if base is None else base,
        id=question.id,
        kind=question.kind,
        label=wording.label,
        help=wording.help,
        unit=wording.unit,
        value=value,
        error=error,
        minimum=question.minimum,
        maximum=question.maximum,
        max_length=question.max_length,
    )
    if question.kind == "choice":
        view.choices = [
            ChoiceView(c, wording.choices[c].label, wording.choices[c].hint, c == value)
            for c in question.choices
        ]
    elif question.id.startswith(PRIORITY_PREFIX):
        scale = labels().scale
        view.choices = [
            ChoiceView(str(n), str(n), scale[str(n)], str(n) == str(value))
            for n in range((question.minimum or 1), (question.maximum or 5) + 1)
        ]
    return view


@dataclass
class StepLink:
    id: str
    title: str
    number: int
    current: bool
    answered: int
    total: int


def step_links(current: str, answered: list[str]) -> list[StepLink]:
    done = set(answered)
    links = []
    for number, section in enumerate(load_questionnaire().sections, start=1):
        ids = [q.id for q in section.questions]
        links.append(
            StepLink(
                id=section.id,
                title=labels().sections[section.id].title,
                number=number,
                current=section.id == current,
                answered=sum(1 for q in ids if q in done),
                total=len(ids),
            )
        )
    links.append(StepLink(REVIEW_STEP, "Review", len(links) + 1, current == REVIEW_STEP, 0, 0))
    return links


def progress(answered: list[str]) -> dict[str, int]:
    total = len(questions())
    count = len(set(answered) & set(questions()))
    return {"answered": count, "total": total, "percent": round(100 * count / total)}


def tokens_words(answers: dict[str, Any]) -> str:
    return tokens_per_month_words(
        int(answers["monthly_requests"]) * int(answers["tokens_per_request"])
    )


def answer_words(qid: str, value: Any) -> str:
    return labels().answer_label(qid, value)


REC_WORDS = {"open": "Open model", "closed": "Closed model", "hybrid": "Hybrid"}


def flip_sentence(flip: dict[str, Any], answers: dict[str, Any]) -> str:
    """'If X were Y, the recommendation would be Z.' in the questionnaire's own words."""
    qid = flip["question"]
    wording = labels().question(qid)
    rec = REC_WORDS[flip["recommendation"]].lower()
    if flip["comparison"] == "equals":
        answer = answer_words(qid, flip["answer"])
        return f"{wording.label} \u2014 {answer}: the recommendation would become {rec}."
    value = int(flip["answer"])
    other = "tokens_per_request" if qid == "monthly_requests" else "monthly_requests"
    tokens = value * int(answers[other])
    bound = "at least" if flip["comparison"] == "at_least" else "at most"
    return (
        f"{wording.label} \u2014 {bound} {answer_words(qid, value)} "
        f"({tokens_per_month_words(tokens)}): the recommendation would become {rec}."
    )


# ---------------------------------------------------------------------- area chart

CHART_WIDTH = 680
LABEL_WIDTH = 180
VALUE_SPACE = 56  # room for a bar's number beyond its end
ROW_HEIGHT = 34
BAR_HEIGHT = 18
TOP = 28


def number(value: float) -> str:
    """A weight for people: at most three decimals, no trailing zeros (1.5, 0.25, 2)."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def area_chart(result: Result) -> dict[str, Any]:
    """Geometry of the diverging bar chart: closed to the left of the axis, open to the right.

    Plain numbers for an SVG template, so the web page and the PDF draw the same chart. Every
    bar carries its value as text, so colour is never the only signal.
    """
    areas = result["areas"]
    biggest = max([a["open"] for a in areas] + [a["closed"] for a in areas] + [1.0])
    half = (CHART_WIDTH - LABEL_WIDTH - 2 * VALUE_SPACE) / 2
    axis = LABEL_WIDTH + VALUE_SPACE + half
    rows = []
    for index, area in enumerate(areas):
        y = TOP + index * ROW_HEIGHT
        open_width = half * area["open"] / biggest
        closed_width = half * area["closed"] / biggest
        rows.append(
            {
                "label": area["label"],
                "y": y,
                "text_y": y + BAR_HEIGHT / 2 + 5,
                "open": area["open"],
                "closed": area["closed"],
                "open_text": number(area["open"]),
                "closed_text": number(area["closed"]),
                "open_x": axis,
                "open_width": round(open_width, 1),
                "closed_x": round(axis - closed_width, 1),
                "closed_width": round(closed_width, 1),
                "open_text_x": round(axis + open_width + 4, 1),
                "closed_text_x": round(axis - closed_width - 4, 1),
                "multiplier": area["priority_multiplier"],
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": TOP + len(areas) * ROW_HEIGHT + 8,
        "axis": axis,
        "label_width": LABEL_WIDTH,
        "rows": rows,
        "open_total": number(result["scores"]["open"]),
        "closed_total": number(result["scores"]["closed"]),
    }


def rationale_by_area(result: Result) -> list[dict[str, Any]]:
    """The fired rules grouped by area, areas with the most weight first."""
    groups: dict[str, dict[str, Any]] = {}
    for area in result["areas"]:
        groups[area["area"]] = {
            **area,
            "open_text": number(area["open"]),
            "closed_text": number(area["closed"]),
            "entries": [],
        }
    for entry in result["rationale"]:
        groups[entry["area"]]["entries"].append(
            {
                **entry,
                "answer_words": answer_words(entry["question"], entry["answer"]),
                "weight_text": number(entry["weight"]),
            }
        )
    ordered = [g for g in groups.values() if g["entries"]]
    ordered.sort(key=lambda g: -(g["open"] + g["closed"]))
    return ordered


def error_text(error: FieldError) -> str:
    """An answer the form refused, in the questionnaire's words: what was sent, what is allowed."""
    question = questions().get(error.field)
    if question is None or not error.given:
        return error.message
    if question.kind == "choice":
        options = [labels().question(question.id).choices[c].label for c in question.choices]
        allowed = ", ".join(options[:-1]) + " or " + options[-1]
        return f"{error.given} is not one of the answers; choose {allowed}."
    if question.kind == "integer":
        low = f"{question.minimum:,}".replace(",", "\u202f")
        high = f"{question.maximum:,}".replace(",", "\u202f")
        return f"{error.given} is not allowed; enter a whole number from {low} to {high}."
    return error.message


def confidence_words(confidence: float) -> str:
    if confidence >= 0.8:
        return "high"
    if confidence >= 0.6:
        return "moderate"
    return "low"


def conflict_view(question: Question, theirs: Any, mine: Any) -> QuestionView:
    """The question showing the other person's saved value, with a way to apply ours."""
    import json

    view = question_view(question, theirs, base=theirs)
    view.conflict = {
        "theirs": answer_words(question.id, theirs) or "(empty)",
        "mine": answer_words(question.id, mine) or "(empty)",
        "use_mine": json.dumps(
            {question.id: str(mine), f"base:{question.id}": str(theirs), "resolved": "1"}
        ),
    }
    return view
