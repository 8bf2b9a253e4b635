"""Sessions read from the shared cache (Redis), kept in the database.

Used when ``DJANGO_CACHE_URL`` is set (settings.py). Django's ``cached_db`` store already writes
every change to both and reads the cache first, which takes the session's database query off
nearly every signed-in request. Two things are changed, because the cache is an accelerator
here, never the place the truth lives:

- A cache that cannot be reached costs speed, not service: reads and writes fall back to the
  database (Django's own store fails a request whose cache write raises).
- A cached copy lives at most ``SESSION_CACHE_SECONDS`` (five minutes), not the session's whole
  age. A sign-out deletes both copies at once; should the cache be unreachable at that moment,
  or a session be removed from the database directly (``clearsessions``, an administrator), a
  stale copy can outlive it by at most that long.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.cache.backends.base import BaseCache

logger = logging.getLogger(__name__)


class SessionStore(CachedDbStore):
    # Django's own attributes, which django-stubs does not declare.
    _cache: BaseCache
    _session: dict[str, Any]
    _get_session_from_db: Callable[[], AbstractBaseSession | None]

    def _cache_seconds(self, expiry: Any = None) -> int:
        age = self.get_expiry_age(expiry=expiry) if expiry is not None else self.get_expiry_age()
        return max(0, min(age, settings.SESSION_CACHE_SECONDS))

    def load(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] | None = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("session cache unreachable; reading the session from the database")
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self._cache_seconds(stored.expire_date))
        except Exception:
            logger.warning("session cache unreachable; the session was not cached")
        return data

    def exists(self, session_key: str) -> bool:
        # Asked only when making a new key; every session is in the database, which is enough.
        return bool(super(CachedDbStore, self).exists(session_key))

    def save(self, must_create: bool = False) -> None:
        # The database first (Django's DB store), then the cache, which may fail harmlessly.
        super(CachedDbStore, self).save(must_create)
        try:
            self._cache.set(self.cache_key, self._session, self._cache_seconds())
        except Exception:
            logger.warning("session cache unreachable; the saved session was not cached")

    def delete(self, session_key: str | None = None) -> None:
        key = session_key or self.session_key
        super(CachedDbStore, self).delete(session_key)
        if key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + key)
        except Exception:
            logger.error(
                "session cache unreachable: a deleted session's cached copy lives on for at "
                "most %s s",
                settings.SESSION_CACHE_SECONDS,
            )
