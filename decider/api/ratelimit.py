"""Fixed-window rate limits kept in the database, so every web process shares one count.

A bucket is who is asking and for what: ``assess:token:12``, ``write:user:7``,
``assess:addr:203.0.113.9``. Signed-in callers are counted per token (or per user, for the
browser session), anonymous ones per address: a whole office behind one address does not share
a limit once its people use their own tokens. One upsert per counted request; no read first.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from .models import RateCounter

# (requests, seconds) per bucket; overridable with DECIDER_API_RATE_ASSESS / _WRITE.
DEFAULT_LIMITS = {"assess": (120, 60), "write": (60, 60)}

_UPSERT = (
    "INSERT INTO {table} (bucket, window_start, hits) VALUES (%s, %s, 1) "
    "ON CONFLICT (bucket) DO UPDATE SET "
    "hits = CASE WHEN {table}.window_start = excluded.window_start "
    "THEN {table}.hits + 1 ELSE 1 END, "
    "window_start = excluded.window_start "
    "RETURNING hits"
)


@dataclass(frozen=True)
class RateLimited(Exception):
    """Too many requests in this window; ``retry_after`` seconds until the next one."""

    kind: str
    limit: int
    seconds: int
    retry_after: int


def limits() -> dict[str, tuple[int, int]]:
    return {**DEFAULT_LIMITS, **getattr(settings, "DECIDER_API_RATE_LIMITS", {})}


def hit(*, kind: str, who: str) -> None:
    """Count one request of ``kind`` for ``who``; ``RateLimited`` when over the limit."""
    limit, seconds = limits()[kind]
    if limit <= 0:
        return  # 0 switches the limit off
    now = time.time()
    window_start = int(now // seconds) * seconds
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table), [f"{kind}:{who}"[:120], window_start])
        (hits,) = cursor.fetchone()
    if hits > limit:
        retry_after = max(1, math.ceil(window_start + seconds - now))
        raise RateLimited(kind=kind, limit=limit, seconds=seconds, retry_after=retry_after)
