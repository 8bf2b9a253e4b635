"""Views of the assessments app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from decider.engine import default_engine, validate_answers
from decider.engine.examples import examples
from decider.engine.ruleset import AREAS


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What Decider does, how it weighs a decision, and the worked examples with live results."""
    engine = default_engine()
    ruleset = engine.loaded.ruleset
    worked = [
        {"example": example, "result": engine.assess_valid(validate_answers(example["answers"]))}
        for example in examples()
    ]
    return render(
        request,
        "assessments/home.html",
        {
            "areas": [ruleset.areas[a] for a in AREAS],
            "worked": worked,
            "ruleset": engine.loaded,
        },
    )
