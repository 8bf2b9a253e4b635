"""Share links' domain logic: make, revoke and look up read-only links to a report.

Keyword-only functions that say what they change. The token itself is never stored, only its
SHA-256, so the link is shown once, when it is made.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from decider.assessments.models import Assessment
from decider.revocable import secret_hash

from .models import ShareLink

# The expiries offered on the share page, in days; None means the link works until revoked.
EXPIRY_DAYS = (1, 7, 30)


class ShareError(ValueError):
    """A link that cannot be made; the message says why, for the person trying."""


def create_link(
    *, assessment: Assessment, by: Any, days: int | None, label: str = ""
) -> tuple[ShareLink, str]:
    """Make a link (expiring after ``days``, or never) and return it with its token.

    The token is returned only here: show it now, it cannot be recovered. Only team work can
    be shared: work kept in a browser before signing in has nobody to answer for the link.
    """
    if assessment.team_id is None:
        raise ShareError("Sign in first: only work saved in a team can be shared.")
    if days is not None and days < 1:
        raise ShareError("A link must last at least one day.")
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        assessment=assessment,
        token_hash=secret_hash(token),
        label=label.strip()[:100],
        created_by=by if getattr(by, "is_authenticated", False) else None,
        expires_at=None if days is None else timezone.now() + timedelta(days=days),
    )
    return link, token


def revoke(*, link: ShareLink) -> None:
    """Stop the link working, for good; revoking twice keeps the first time."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


def find_usable(token: str) -> ShareLink | None:
    """The link for ``token`` if it works now, with its assessment and team; else None.

    Unknown, revoked and expired tokens take the same single query and give the same answer,
    so whoever holds a dead link learns nothing about why.
    """
    return (
        ShareLink.objects.select_related("assessment__team")
        .filter(token_hash=secret_hash(token), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .filter(assessment__team__isnull=False)
        .first()
    )


def record_view(*, link: ShareLink) -> None:
    """Note that the link was opened now (one UPDATE, nothing read)."""
    link.last_viewed_at = timezone.now()
    ShareLink.objects.filter(pk=link.pk).update(last_viewed_at=link.last_viewed_at)


def links_for(*, assessment: Assessment) -> list[ShareLink]:
    """The assessment's links, newest first, with who made them."""
    query = ShareLink.objects.filter(assessment=assessment).select_related("created_by")
    return list(query.order_by("-created_at", "-id"))
