"""Decider's decision engine: pure Python and pydantic, no Django.

Public surface: ``assess`` (answers in, result out), ``validate_answers``, ``load_ruleset`` and
``compile_ruleset`` for other rulesets, and the error types.
"""

from .answers import AnswersError, FieldError, validate_answers
from .evaluate import Engine, Result, assess, compile_ruleset, default_engine, tokens_per_month
from .questionnaire import load_questionnaire, questions
from .ruleset import RulesetError, default_ruleset, load_ruleset

__all__ = [
    "AnswersError",
    "Engine",
    "FieldError",
    "Result",
    "RulesetError",
    "assess",
    "compile_ruleset",
    "default_engine",
    "default_ruleset",
    "load_questionnaire",
    "load_ruleset",
    "questions",
    "tokens_per_month",
    "validate_answers",
]
