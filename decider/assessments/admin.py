"""The admin for assessments: read-only, since answers and results change only through the
services (which validate, keep revisions and queue renders)."""

from __future__ import annotations

from django.contrib import admin

from decider.admin_base import ReadOnlyAdmin

from .models import Assessment, Revision


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin[Assessment]):
    list_display = (
        "title",
        "team",
        "author",
        "recommendation",
        "status",
        "stage",
        "revision",
        "updated_at",
        "archived_at",
    )
    list_filter = ("recommendation", "status", "stage")
    list_select_related = ("team", "author")
    search_fields = ("search_text", "team__name", "author__email")
    date_hierarchy = "updated_at"


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin[Revision]):
    list_display = ("assessment", "number", "recommendation", "author", "updated_at")
    list_filter = ("recommendation",)
    list_select_related = ("assessment", "author")
