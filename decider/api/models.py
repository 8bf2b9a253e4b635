"""Personal API tokens, and the counters behind the API's rate limits."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from decider.revocable import Revocable


class ApiToken(Revocable):
    """A named, revocable secret that lets a program act as its user through the API.

    Only a SHA-256 of the token is stored; the token itself is shown once, when it is made.
    ``prefix`` (the first characters) is kept so people can tell their tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"API token {self.name!r} of {self.user_id}"


class RateCounter(models.Model):
    """Requests counted in the current fixed window for one bucket (a token, a user, an address).

    Kept in the database so that every web process shares the same count; one row per bucket,
    updated by a single atomic upsert (see ``ratelimit.hit``).
    """

    bucket = models.CharField(max_length=120, primary_key=True)
    window_start = models.BigIntegerField()
    hits = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.bucket}: {self.hits} since {self.window_start}"
