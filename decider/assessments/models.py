"""Assessments: one team's (for now, one browser's) answers to the questionnaire."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    SUPERSEDED = "superseded", "Superseded"


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
    # Set once the work belongs to someone signed in: the team decides who may see and edit it.
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="assessments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments",
    )
    name = models.CharField("title", max_length=120, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    archived_at = models.DateTimeField(null=True, blank=True)
    answers: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    answered: models.JSONField[list[str]] = models.JSONField(default=list)
    current_step = models.CharField(max_length=20, default="workload")
    ruleset_version = models.CharField(max_length=40)
    recommendation = models.CharField(max_length=10)
    confidence = models.FloatField()
    stage = models.CharField(max_length=20, default="pilot")  # answers["stage"], for lists
    # Title and use case, case-folded, so search ignores case for every alphabet on any database.
    search_text = models.TextField(blank=True, default="")
    revision = models.PositiveIntegerField(default=1)
    # When a background render of the PDFs was queued and has not started yet (exports.tasks):
    # further saves meanwhile need no task of their own.
    pdf_queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-updated_at",)
        indexes = (
            models.Index(fields=("visitor", "-updated_at"), name="assessment_recent"),
            # A team's list, newest first: partial indexes, because PostgreSQL cannot read
            # the order of a (team, archived_at, updated_at) index under "archived_at IS NULL"
            # and would sort the whole team instead of reading twenty rows.
            models.Index(
                fields=("team", "-updated_at"),
                condition=models.Q(archived_at__isnull=True),
                name="assessment_team_active",
            ),
            models.Index(
                fields=("team", "-updated_at"),
                condition=models.Q(archived_at__isnull=False),
                name="assessment_team_archived",
            ),
        )

    def __str__(self) -> str:
        return self.title

    def refresh_search_text(self) -> None:
        use_case = str(self.answers.get("use_case") or "")
        self.search_text = f"{self.name}\n{use_case}".casefold()

    @property
    def stage_label(self) -> str:
        from decider.engine.labels import labels

        choice = labels().question("stage").choices.get(self.stage)
        return choice.label if choice else self.stage

    @property
    def title(self) -> str:
        if self.name:
            return self.name
        # Lists load only the use case (``with_use_case``), not every answer.
        use_case = (
            self.__dict__["use_case_text"]
            if "use_case_text" in self.__dict__
            else self.answers.get("use_case")
        )
        text = str(use_case or "").strip()
        if not text:
            return "Untitled assessment"
        first_line = text.splitlines()[0]
        return first_line if len(first_line) <= 80 else first_line[:77].rstrip() + "..."


class Revision(models.Model):
    """The answers and result as one save left them: the history, and what comparisons use.

    Quick successive saves by the same person (autosave, one answer at a time) are folded into
    one revision, so the history reads as sessions of work rather than keystrokes.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    answers: models.JSONField[dict[str, Any]] = models.JSONField()
    changed: models.JSONField[list[str]] = models.JSONField(default=list)
    ruleset_version = models.CharField(max_length=40)
    recommendation = models.CharField(max_length=10)
    confidence = models.FloatField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-number",)
        constraints = (
            models.UniqueConstraint(fields=("assessment", "number"), name="one_revision_number"),
        )

    def __str__(self) -> str:
        return f"revision {self.number} of {self.assessment_id}"
