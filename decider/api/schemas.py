"""The API's request and response models.

The answers model is the engine's own (generated from the contract's questionnaire), so the
OpenAPI document lists every question with its allowed values and range, and a request the
engine would refuse is refused by the schema with the same words. The result models mirror
what ``decider.engine`` returns; a test checks every example result against them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from decider.engine.answers import answers_model

Side = Literal["open", "closed"]
# A rule may fire without favouring either side (it explains, and weighs nothing).
Favours = Literal["open", "closed", "neutral"]
Recommendation = Literal["open", "closed", "hybrid"]
StatusValue = Literal["draft", "proposed", "accepted", "superseded"]
Role = Literal["owner", "editor", "viewer"]

Answers = answers_model()


class Strict(BaseModel):
    """Requests: unknown fields are errors, nothing is coerced ("3" is not 3)."""

    model_config = ConfigDict(extra="forbid", strict=True)


# ---------------------------------------------------------------------- errors


class FieldProblem(BaseModel):
    field: str = Field(description="Where the problem is, e.g. `answers.monthly_requests`.")
    message: str


class ErrorBody(BaseModel):
    """Every error has this shape; ``errors`` names each bad field (empty when none applies)."""

    status: int
    code: str = Field(description="A stable word for programs: `invalid`, `not_found`, ...")
    message: str = Field(description="A sentence for people.")
    errors: list[FieldProblem] = Field(default_factory=list)


class ConflictBody(ErrorBody):
    """A write based on an older revision: nothing was saved; both versions are given."""

    yours: dict[str, Any] = Field(description="What this request asked to change.")
    theirs: AssessmentOut = Field(description="The assessment as it is stored now.")


# ---------------------------------------------------------------------- questionnaire


class ChoiceOut(BaseModel):
    value: str
    label: str
    hint: str


class QuestionOut(BaseModel):
    id: str
    kind: Literal["choice", "integer", "text"]
    label: str
    help: str
    default: str | int
    required: bool
    ordered: bool = Field(description="Choices run from one end to the other (low to high).")
    choices: list[ChoiceOut] = Field(default_factory=list)
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    unit: str = ""


class SectionOut(BaseModel):
    id: str
    title: str
    intro: str
    questions: list[QuestionOut]


class QuestionnaireOut(BaseModel):
    version: int
    sections: list[SectionOut]
    defaults: dict[str, str | int]


# ---------------------------------------------------------------------- results


class Scores(BaseModel):
    open: float
    closed: float


class Reason(BaseModel):
    rule: str
    question: str
    answer: str | int | None
    area: str
    favours: Favours
    weight: float
    label: str
    explanation: str


class Flip(BaseModel):
    question: str
    answer: str | int
    recommendation: Recommendation
    comparison: Literal["equals", "at_least", "at_most"]


class HybridSplit(BaseModel):
    primary: Side
    open: list[str]
    closed: list[str]
    fallback: str
    routing: str


class RulesetInfo(BaseModel):
    version: str
    sha256: str


class Constraint(BaseModel):
    id: str
    question: str
    answer: str | int
    explanation: str


class AreaScore(BaseModel):
    area: str
    label: str
    open: float
    closed: float
    net: float
    priority_multiplier: float


class Result(BaseModel):
    """The engine's result: the recommendation, why, what to watch and what would change it."""

    recommendation: Recommendation
    confidence: float = Field(ge=0, le=1)
    scores: Scores
    rationale: list[Reason]
    cautions: list[str]
    flips: list[Flip]
    hybrid_split: HybridSplit | None
    ruleset: RulesetInfo
    summary: str
    constraints: list[Constraint]
    areas: list[AreaScore]
    next_steps: list[str]
    tokens_per_month: int


# ---------------------------------------------------------------------- assessments


class Person(BaseModel):
    id: int
    name: str
    email: str


class TeamOut(BaseModel):
    slug: str
    name: str
    personal: bool
    role: Role


class AssessmentSummary(BaseModel):
    id: UUID
    team: str = Field(description="The team's slug.")
    title: str
    name: str
    status: StatusValue
    archived: bool
    recommendation: Recommendation
    confidence: float
    stage: str
    revision: int
    author: Person | None
    created_at: datetime
    updated_at: datetime
    url: str = Field(description="The report in the web app.")


class AssessmentOut(AssessmentSummary):
    answers: dict[str, str | int]
    answered: list[str] = Field(description="The questions someone set (others are defaults).")
    result: Result


class AssessmentPage(BaseModel):
    count: int
    page: int
    pages: int
    page_size: int
    items: list[AssessmentSummary]


def _storable(text: str) -> str:
    if "\x00" in text:  # PostgreSQL stores no NUL in text: refuse it here, not with a 500
        raise ValueError("contains a NUL character, which cannot be stored")
    return text


# The document says so too (a NUL-free pattern), so clients know before they send one.
Name = Annotated[
    str,
    Field(max_length=120, json_schema_extra={"pattern": "^[^\\x00]*$"}),
    AfterValidator(_storable),
]


class AssessmentCreate(Strict):
    team: str = Field(max_length=60, description="The slug of one of your teams.")
    name: Name = ""
    status: StatusValue = "draft"
    answers: Answers = Field(  # type: ignore[valid-type]
        default_factory=Answers, description="Questions left out take their defaults."
    )


class AssessmentUpdate(Strict):
    revision: int = Field(
        ge=1,
        le=2**31 - 1,
        description="The revision your change is based on. If someone saved since, nothing is "
        "saved and you get 409 with both versions.",
    )
    name: Name | None = None
    status: StatusValue | None = None
    answers: Answers | None = Field(  # type: ignore[valid-type]
        default=None,
        description="Only the answers to change; the others keep their stored values.",
    )


class RevisionOut(BaseModel):
    number: int
    created_at: datetime
    updated_at: datetime
    author: Person | None
    changed: list[str]
    recommendation: Recommendation
    confidence: float
    ruleset_version: str
    answers: dict[str, str | int]


# ---------------------------------------------------------------------- comparison


class CompareItemOut(BaseModel):
    letter: str
    ref: str = Field(description="The item as requested: an id, or an id@revision.")
    label: str
    recommendation: Recommendation
    confidence: float
    scores: Scores


class AnswerDifference(BaseModel):
    question: str
    label: str
    values: list[str | int]
    words: list[str]


class RuleDifferenceOut(BaseModel):
    rule: str
    label: str
    area: str
    favours: Side
    weights: list[float]
    spread: float
    changed_inputs: list[str]


class AreaDifferenceOut(BaseModel):
    area: str
    label: str
    nets: list[float]
    spread: float


class ComparisonOut(BaseModel):
    verdict: str
    identical: bool
    items: list[CompareItemOut]
    answers: list[AnswerDifference] = Field(description="Only the answers that differ.")
    rules: list[RuleDifferenceOut]
    areas: list[AreaDifferenceOut]


class WhoAmI(BaseModel):
    user: Person
    via: Literal["token", "session"]
    token_name: str | None = None
    token_expires_at: datetime | None = None
    teams: list[TeamOut]


ConflictBody.model_rebuild()
