"""The admin for share links: read-only (tokens are hashed; links are made in the app)."""

from __future__ import annotations

from django.contrib import admin

from decider.admin_base import ReadOnlyAdmin

from .models import ShareLink


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyAdmin[ShareLink]):
    list_display = (
        "assessment",
        "label",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_viewed_at",
    )
    list_select_related = ("assessment", "created_by")
    exclude = ("token_hash",)
