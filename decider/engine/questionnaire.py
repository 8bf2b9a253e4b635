"""The answer contract: sections, questions, kinds, allowed values and defaults.

The contract lives in ``questionnaire.json`` (a verbatim copy of the product's fixed spec) and is
read once. Everything else in the engine asks this module what a question is, so the contract
stays the single source of the vocabulary shared by the CLI, the web app, exports and the API.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

QUESTIONNAIRE_PATH = Path(__file__).with_name("questionnaire.json")

Kind = Literal["text", "choice", "integer"]
Order = Literal["closed_to_open", "none"]


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: Kind
    default: str | int
    order: Order = "none"
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None

    @property
    def ordered(self) -> bool:
        return self.order == "closed_to_open"

    def allowed(self) -> str:
        """The allowed values in words, for error messages."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "integer":
            return f"a whole number from {self.minimum:,} to {self.maximum:,}".replace(",", " ")
        return f"text of at most {self.max_length} characters"


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    questions: tuple[Question, ...]


class Questionnaire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    about: str
    version: int
    sections: tuple[Section, ...]

    @property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for s in self.sections for q in s.questions}

    def defaults(self) -> dict[str, str | int]:
        return {q.id: q.default for s in self.sections for q in s.questions}


@cache
def load_questionnaire(path: Path = QUESTIONNAIRE_PATH) -> Questionnaire:
    return Questionnaire.model_validate(json.loads(path.read_text(encoding="utf-8")))


@cache
def questions() -> dict[str, Question]:
    """Every question of the contract by id, in questionnaire order."""
    return load_questionnaire().questions
