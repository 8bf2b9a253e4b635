"""Shared pieces of the admin (``/admin/``), which the apps' ``admin.py`` modules build on."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

admin.site.site_header = "Decider administration"
admin.site.site_title = "Decider admin"
admin.site.index_title = "Records"


class ReadOnlyAdmin[M: Model](admin.ModelAdmin[M]):
    """Shows records without letting anyone add or edit them.

    For records the application derives or guards itself (assessments and their engine results,
    revisions, hashed tokens): an edit here would bypass the validation and the bookkeeping
    (revisions, renders) of the services. Deleting stays possible, for clean-up on request.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False
