"""Assessments: one team's (for now, one browser's) answers to the questionnaire."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models


class Assessment(models.Model):
    """A saved set of answers and the headline of its result.

    ``answers`` always holds a complete, validated answers object (defaults filled in), so the
    engine can assess it at any time; ``answered`` lists the questions the user set, for
    progress. Until accounts exist an assessment belongs to the browser that started it
    (``visitor``, a random token kept in the session); accounts will attach it to a user and a
    team without changing anything else here.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    visitor = models.CharField(max_length=64, db_index=True)
    answers: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    answered: models.JSONField[list[str]] = models.JSONField(default=list)
    current_step = models.CharField(max_length=20, default="workload")
    ruleset_version = models.CharField(max_length=40)
    recommendation = models.CharField(max_length=10)
    confidence = models.FloatField()
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-updated_at",)
        indexes = (models.Index(fields=("visitor", "-updated_at"), name="assessment_recent"),)

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        text = str(self.answers.get("use_case") or "").strip()
        if not text:
            return "Untitled assessment"
        first_line = text.splitlines()[0]
        return first_line if len(first_line) <= 80 else first_line[:77].rstrip() + "..."
