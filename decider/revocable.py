"""What share links, invitations and API tokens have in common: a secret stored only as a hash,
which can expire or be revoked."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import models
from django.utils import timezone


def secret_hash(token: str) -> str:
    """What is stored of a secret token: its SHA-256, so a copy of the database opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


class Revocable(models.Model):
    """An optional expiry and a revocation time, and what they make of the secret now."""

    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def status(self, now: datetime | None = None) -> str:
        """ "active", "revoked" or "expired": what using the secret would do now."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"

    @property
    def is_active(self) -> bool:
        return self.status() == "active"
