"""Fixed-window rate limits in a store every web process shares: Redis or the database.

A bucket is who is asking and for what: ``assess:token:12``, ``write:user:7``,
``assess:addr:203.0.113.9``. Signed-in callers are counted per token (or per user, for the
browser session), anonymous ones per address: a whole office behind one address does not share
a limit once its people use their own tokens.

With the shared cache (``DJANGO_CACHE_URL``), a window is one Redis counter that expires with
it: an increment, no write to the database. Without it, or while Redis cannot be reached, the
count is one upsert in the database (no read first), which commits a write per request.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connection

from .models import RateCounter

logger = logging.getLogger(__name__)

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
    bucket = f"{kind}:{who}"[:120]
    hits = _count_in_cache(bucket, window_start, seconds) if settings.CACHE_URL else None
    if hits is None:
        hits = _count_in_database(bucket, window_start)
    if hits > limit:
        retry_after = max(1, math.ceil(window_start + seconds - now))
        raise RateLimited(kind=kind, limit=limit, seconds=seconds, retry_after=retry_after)


def _count_in_cache(bucket: str, window_start: int, seconds: int) -> int | None:
    """This window's count after this request, in the shared Redis; None if it is unreachable.

    One round trip: INCR, and EXPIRE when the counter has none yet, pipelined on the client
    behind Django's Redis cache (its own ``incr`` costs three: ``add``, ``exists``, ``incr``).
    The counter outlives its window by a second, no more.
    """
    store = caches["default"]
    key = store.make_and_validate_key(f"ratelimit:{bucket}:{window_start}")
    try:
        client = store._cache.get_client(key, write=True)  # type: ignore[attr-defined]
        with client.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, seconds + 1, nx=True)
            hits, _expiry_set = pipe.execute()
    except Exception:
        logger.warning("rate-limit cache unreachable; counting in the database")
        return None
    return int(hits)


def _count_in_database(bucket: str, window_start: int) -> int:
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table), [bucket, window_start])
        (hits,) = cursor.fetchone()
    return int(hits)
