"""Factories for the assessments app, and a way to make a test client one browser or another.

Assessments are made through the domain function the views use (``start_assessment``), so a
factory-made row is exactly what a visitor would have: complete validated answers, the
engine's headline and the list of answered questions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.test import Client

from decider.assessments.models import Assessment
from decider.assessments.services import VISITOR_KEY, start_assessment

DEFAULT_VISITOR = "v-test"


def make_assessment(*, visitor: str = DEFAULT_VISITOR, **answers: Any) -> Assessment:
    """An assessment owned by ``visitor``; the given answers count as answered, the rest default.

    With no answers it is a fresh assessment on its first step, as after "Start a new
    assessment"; with answers it is on the review step, as after opening a worked example.
    """
    return start_assessment(visitor=visitor, answers=answers or None)


def as_visitor(client: Client, visitor: str = DEFAULT_VISITOR) -> Client:
    """Give the client's browser session the visitor token, as if it had started assessments."""
    session = client.session
    session[VISITOR_KEY] = visitor
    session.save()
    return client


SCENARIOS_PATH = Path(__file__).with_name("article_scenarios.json")


def scenario_answers(name: str) -> dict[str, Any]:
    """The answers of the article scenario whose name contains ``name`` (case-insensitive)."""
    scenarios = json.loads(SCENARIOS_PATH.read_text(encoding="utf-8"))["scenarios"]
    found = [s for s in scenarios if name.lower() in s["name"].lower()]
    assert len(found) == 1, f"{len(found)} article scenarios match {name!r}"
    return dict(found[0]["answers"])
