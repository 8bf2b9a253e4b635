"""Making, finding and revoking personal API tokens."""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from decider.accounts.models import User
from decider.revocable import secret_hash
from decider.rows import Columns, fetch_one, select_pair

from .models import ApiToken

TOKEN_PREFIX = "dcd_"
# A token's last use is written at most this often, so busy clients do not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)
EXPIRY_CHOICES = {
    "30": "30 days",
    "90": "90 days",
    "365": "1 year",
    "never": "No expiry",
}


def create_token(*, user: User, name: str, expiry: str = "90") -> tuple[ApiToken, str]:
    """A new token for ``user``: the row and the secret, which is never stored or shown again."""
    if expiry not in EXPIRY_CHOICES:
        raise ValueError(f"expiry: choose one of {', '.join(EXPIRY_CHOICES)}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = None if expiry == "never" else timezone.now() + timedelta(days=int(expiry))
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80],
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=secret_hash(secret),
        expires_at=expires_at,
    )
    return token, secret


def user_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


@functools.cache
def _lookup_sql() -> tuple[Columns, Columns, str]:
    """The token and its user in one plain SELECT: every API call makes it (decider/rows.py)."""
    return select_pair(
        ApiToken, User, on="b.id = a.user_id", where="a.token_hash = %s AND a.revoked_at IS NULL"
    )


def find_active_token(secret: str) -> ApiToken | None:
    """The active token for this secret with its user, or None (unknown, revoked, expired)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token_columns, user_columns, sql = _lookup_sql()
    row = fetch_one(sql, [secret_hash(secret)])
    if row is None:
        return None
    token: ApiToken = token_columns.build(row)
    token.user = user_columns.build(row, len(token_columns))
    if not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
