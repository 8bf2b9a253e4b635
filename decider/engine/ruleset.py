"""The ruleset: weighted rules, constraints, cautions and hybrid split, as validated data.

A ruleset is a TOML file. Loading checks its shape with pydantic and then its meaning against
the questionnaire: every question id and answer exists, and every rule keeps the contract's
"consistent direction" promise by construction (see ``_check_direction``). A broken ruleset
fails loudly with the file and the field named.
"""

from __future__ import annotations

import hashlib
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .datafile import read_toml
from .questionnaire import Question, questions

DEFAULT_RULESET_PATH = Path(__file__).with_name("rules.toml")

Area = Literal[
    "transparency", "cost", "safety", "data_control", "customisation", "resilience", "speed"
]
AREAS: tuple[Area, ...] = (
    "transparency",
    "cost",
    "safety",
    "data_control",
    "customisation",
    "resilience",
    "speed",
)
Side = Literal["open", "closed"]
Favours = Literal["open", "closed", "neutral"]
Recommendation = Literal["closed", "hybrid", "open"]
Weight = Annotated[float, Field(ge=0, le=100, strict=True)]

# Quantities derived from several answers. Each is non-decreasing in every input, and every input
# is ordered closed_to_open, which is what lets tier rules keep a consistent direction.
DERIVED_QUANTITIES: dict[str, tuple[str, ...]] = {
    "tokens_per_month": ("monthly_requests", "tokens_per_request"),
}


class RulesetError(ValueError):
    """A ruleset file that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    # Lax only where TOML forces it (arrays arrive as lists); numbers and strings are strict.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Gate(_Strict):
    """A condition on another answer that must hold for a rule (or caution) to apply."""

    question: str
    answers: tuple[str, ...] = Field(alias="in", min_length=1)


class Tier(_Strict):
    at_least: Annotated[int, Field(ge=0, strict=True)]
    weight: Weight


class Rule(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    area: Area
    favours: Favours
    label: Annotated[str, Field(min_length=3, max_length=120)]
    explanation: Annotated[str, Field(min_length=10)]
    # Optional wording for particular answers, where the general explanation would overstate.
    explanations: dict[str, Annotated[str, Field(min_length=10)]] = {}
    question: str | None = None
    weights: dict[str, Weight] | None = None
    quantity: str | None = None
    tiers: tuple[Tier, ...] | None = None
    when: tuple[Gate, ...] = ()
    scale_by: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        choice_form = self.question is not None and self.weights is not None
        tier_form = self.quantity is not None and self.tiers is not None
        given = sum(f is not None for f in (self.question, self.weights, self.quantity, self.tiers))
        if choice_form == tier_form or given != 2:
            raise ValueError(
                "a rule has either 'question' with 'weights', or 'quantity' with 'tiers'"
            )
        return self

    @field_validator("tiers")
    @classmethod
    def _increasing(cls, tiers: tuple[Tier, ...] | None) -> tuple[Tier, ...] | None:
        bounds = [t.at_least for t in tiers or ()]
        if tiers is not None and (not bounds or bounds != sorted(set(bounds))):
            raise ValueError("tiers must be listed with strictly increasing 'at_least'")
        return tiers


class HardConstraint(_Strict):
    id: str
    question: str
    answers: tuple[str, ...] = Field(min_length=1)
    requires: Literal["open"]
    explanation: Annotated[str, Field(min_length=10)]


class Advice(_Strict):
    """A caution or a next step: shown for some recommendations, optionally gated on answers."""

    id: str
    paths: tuple[Recommendation, ...] = Field(min_length=1)
    when: tuple[Gate, ...] = ()
    text: Annotated[str, Field(min_length=10)]


class SplitItem(_Strict):
    id: str
    side: Side
    when: tuple[Gate, ...] = ()
    text: Annotated[str, Field(min_length=10)]


class Hybrid(_Strict):
    fallback_open_primary: str
    fallback_closed_primary: str
    routing: str
    default_open: str
    default_closed: str


class Decision(_Strict):
    prior: Annotated[float, Field(gt=0)]
    open_ratio: Annotated[float, Field(gt=1)]
    closed_ratio: Annotated[float, Field(gt=1)]


class Priorities(_Strict):
    scale: dict[str, Annotated[float, Field(gt=0)]]
    areas: dict[Area, str]


class AreaText(_Strict):
    label: str
    description: str


class Ruleset(_Strict):
    version: Annotated[str, Field(min_length=1)]
    name: str
    decision: Decision
    priorities: Priorities
    areas: dict[Area, AreaText]
    scales: dict[str, dict[str, Annotated[float, Field(ge=0)]]] = {}
    rules: tuple[Rule, ...] = Field(min_length=1)
    hard_constraints: tuple[HardConstraint, ...] = ()
    cautions: tuple[Advice, ...] = ()
    next_steps: tuple[Advice, ...] = ()
    split: tuple[SplitItem, ...] = ()
    hybrid: Hybrid
    summaries: dict[Recommendation, str]


class LoadedRuleset(BaseModel):
    """A validated ruleset with the fingerprint that goes into every result."""

    model_config = ConfigDict(frozen=True)

    ruleset: Ruleset
    path: str
    sha256: str


def _fail(path: Path, where: str, message: str) -> RulesetError:
    return RulesetError(f"{path}: {where}: {message}")


def _loc(data: dict[str, object], loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location, naming the rule id where there is one."""
    parts: list[str] = []
    node: object = data
    for key in loc:
        if isinstance(key, int):
            parts[-1] += f"[{key}]"
            if isinstance(node, list) and key < len(node):
                node = node[key]
                if isinstance(node, dict) and "id" in node:
                    parts[-1] += f" (id {node['id']!r})"
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def _check_answers(question: Question, answers: object, path: Path, where: str) -> None:
    values = answers if isinstance(answers, tuple | list | dict) else (answers,)
    for value in values:
        if question.kind == "choice" and value not in question.choices:
            raise _fail(
                path,
                where,
                f"{value!r} is not an answer of {question.id} "
                f"(allowed: {', '.join(question.choices)})",
            )
        if question.kind == "integer" and str(value) not in {
            str(v) for v in range(question.minimum or 0, (question.maximum or 0) + 1)
        }:
            raise _fail(path, where, f"{value!r} is not a possible answer of {question.id}")


def _is_end(question: Question, answers: tuple[str, ...], *, open_end: bool) -> bool:
    """True when ``answers`` is a contiguous run at the open (or closed) end of the order."""
    choices = question.choices
    run = choices[len(choices) - len(answers) :] if open_end else choices[: len(answers)]
    return set(run) == set(answers)


def _check_direction(rule: Rule, path: Path, where: str) -> None:
    """Enforce the contract's consistent direction for ordered questions, rule by rule.

    A rule's weight must not grow towards the end it argues against: along a closed_to_open
    order an open-favouring weight never falls and a closed-favouring weight never rises. Gates on
    ordered questions must select the end the rule favours, and scales may only use unordered
    questions. With these, moving any ordered answer towards open can only add open weight or
    remove closed weight, so the recommendation cannot move towards closed.
    """
    known = questions()
    if rule.favours == "neutral":
        return
    open_side = rule.favours == "open"
    if rule.question is not None and rule.weights is not None:
        question = known[rule.question]
        if question.ordered:
            series = [rule.weights.get(c, 0.0) for c in question.choices]
            pairs = list(pairwise(series))
            rising = all(a <= b for a, b in pairs)
            falling = all(a >= b for a, b in pairs)
            if (open_side and not rising) or (not open_side and not falling):
                trend = "rise" if open_side else "fall"
                raise _fail(
                    path,
                    f"{where}.weights",
                    f"a rule favouring {rule.favours} on ordered question {question.id} must "
                    f"{trend} (or stay level) from {question.choices[0]} to "
                    f"{question.choices[-1]}",
                )
    if rule.tiers is not None:
        weights = [t.weight for t in rule.tiers]
        pairs = list(pairwise(weights))
        if (open_side and any(a > b for a, b in pairs)) or (
            not open_side and any(a < b for a, b in pairs)
        ):
            raise _fail(
                path,
                f"{where}.tiers",
                f"tier weights of a rule favouring {rule.favours} must "
                f"{'rise' if open_side else 'fall'} with the quantity",
            )
    for i, gate in enumerate(rule.when):
        question = known[gate.question]
        if question.ordered and not _is_end(question, gate.answers, open_end=open_side):
            raise _fail(
                path,
                f"{where}.when[{i}]",
                f"a gate on ordered question {question.id} must select the "
                f"{rule.favours} end of its order",
            )


def _check_meaning(rs: Ruleset, path: Path) -> None:
    known = questions()

    def need_question(qid: str, where: str) -> Question:
        if qid not in known:
            raise _fail(path, where, f"{qid!r} is not a question id of the questionnaire")
        return known[qid]

    for name, scale in rs.scales.items():
        question = need_question(name, f"scales.{name}")
        if question.ordered or question.kind != "choice":
            raise _fail(path, f"scales.{name}", "scales may only use unordered choice questions")
        _check_answers(question, tuple(scale), path, f"scales.{name}")
    for area, qid in rs.priorities.areas.items():
        question = need_question(qid, f"priorities.areas.{area}")
        if question.kind != "integer" or question.ordered:
            raise _fail(path, f"priorities.areas.{area}", "must be an unordered 1-5 question")
        expected = {str(v) for v in range((question.minimum or 0), (question.maximum or 0) + 1)}
        if set(rs.priorities.scale) != expected:
            raise _fail(
                path, "priorities.scale", f"needs exactly the answers {sorted(expected)} of {qid}"
            )
    missing = [a for a in AREAS if a not in rs.priorities.areas or a not in rs.areas]
    if missing:
        raise _fail(path, "areas", f"every area needs a label and a priority: {missing}")

    seen: set[str] = set()
    for i, rule in enumerate(rs.rules):
        where = f"rules[{i}] (id {rule.id!r})"
        if rule.id in seen:
            raise _fail(path, where, "duplicate rule id")
        seen.add(rule.id)
        if rule.question is not None:
            question = need_question(rule.question, f"{where}.question")
            if question.kind != "choice":
                raise _fail(path, f"{where}.question", "weights need a choice question")
            _check_answers(question, tuple(rule.weights or ()), path, f"{where}.weights")
            _check_answers(question, tuple(rule.explanations), path, f"{where}.explanations")
        elif rule.explanations:
            raise _fail(path, f"{where}.explanations", "only rules on a question have these")
        if rule.quantity is not None and rule.quantity not in DERIVED_QUANTITIES:
            raise _fail(
                path,
                f"{where}.quantity",
                f"unknown quantity {rule.quantity!r} (known: {', '.join(DERIVED_QUANTITIES)})",
            )
        for j, gate in enumerate(rule.when):
            question = need_question(gate.question, f"{where}.when[{j}].question")
            if question.kind != "choice":
                raise _fail(path, f"{where}.when[{j}]", "gates may only use choice questions")
            _check_answers(question, gate.answers, path, f"{where}.when[{j}].in")
        for name in rule.scale_by:
            if name not in rs.scales:
                raise _fail(path, f"{where}.scale_by", f"no scale named {name!r}")
        _check_direction(rule, path, where)

    for i, hc in enumerate(rs.hard_constraints):
        where = f"hard_constraints[{i}] (id {hc.id!r})"
        question = need_question(hc.question, f"{where}.question")
        _check_answers(question, hc.answers, path, f"{where}.answers")
        if question.ordered and not _is_end(question, hc.answers, open_end=True):
            raise _fail(path, f"{where}.answers", "must select the open end of the order")
    for group_name, group in (("cautions", rs.cautions), ("next_steps", rs.next_steps)):
        for i, advice in enumerate(group):
            for j, gate in enumerate(advice.when):
                where = f"{group_name}[{i}] (id {advice.id!r}).when[{j}]"
                _check_answers(need_question(gate.question, where), gate.answers, path, where)
    for i, item in enumerate(rs.split):
        for j, gate in enumerate(item.when):
            where = f"split[{i}] (id {item.id!r}).when[{j}]"
            _check_answers(need_question(gate.question, where), gate.answers, path, where)


def load_ruleset(path: Path | str = DEFAULT_RULESET_PATH) -> LoadedRuleset:
    """Read, validate and fingerprint a ruleset file; raise ``RulesetError`` if it is unusable."""
    path = Path(path)
    raw, data = read_toml(path, RulesetError)
    try:
        ruleset = Ruleset.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = _loc(data, tuple(first["loc"]))
        raise RulesetError(f"{path}: {where}: {first['msg']}") from None
    _check_meaning(ruleset, path)
    return LoadedRuleset(ruleset=ruleset, path=str(path), sha256=hashlib.sha256(raw).hexdigest())


@cache
def default_ruleset() -> LoadedRuleset:
    return load_ruleset(DEFAULT_RULESET_PATH)
