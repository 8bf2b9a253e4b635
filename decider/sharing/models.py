"""Share links: a secret URL that shows one assessment's report, read-only, to anyone."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from decider.revocable import Revocable


class ShareLink(Revocable):
    """One read-only link to an assessment's report, made by a team member.

    Only a SHA-256 of the token is stored: the full URL is shown once, to whoever made it, and a
    copy of the database cannot be turned back into working links.
    """

    assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.CASCADE, related_name="share_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # Says who the link was given to, so the right one can be revoked later.
    label = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"share link {self.label or self.pk} to {self.assessment_id}"
