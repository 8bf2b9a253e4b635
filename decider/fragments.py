"""Rendered HTML fragments cached by their content, per process.

Some parts of a page depend only on data that is named in full by a key: a report's body on
the answers, the ruleset and two timestamps; the what-if form on the answers. Rendering them
is most of a page's work (Django templates walk thousands of nodes for a report), and the same
report is read far more often than its answers change. The key is a SHA-256 over everything the
fragment shows plus the template files' hash, so an entry can never be stale: a change to any
input is a different key. That is why a per-process memory cache is enough and needs no
invalidation across processes; each process warms its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.utils.safestring import SafeString, mark_safe

CACHE_ALIAS = "fragments"
TIMEOUT = 3600


@cache
def templates_version() -> str:
    """A hash of every template file, so a deploy never serves a fragment of old markup."""
    digest = hashlib.sha256()
    directories: list[Any] = settings.TEMPLATES[0]["DIRS"]  # type: ignore[assignment]
    for directory in directories:
        for path in sorted(Path(directory).rglob("*.html")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def fragment_key(name: str, parts: Iterable[Any]) -> str:
    payload = json.dumps([name, templates_version(), *parts], sort_keys=True, default=str)
    return f"fragment:{name}:{hashlib.sha256(payload.encode()).hexdigest()}"


def cached_fragment(name: str, parts: Iterable[Any], render: Callable[[], str]) -> SafeString:
    """The fragment for these inputs: from the cache, or rendered now and kept."""
    store = caches[CACHE_ALIAS]
    key = fragment_key(name, parts)
    html: str | None = store.get(key)
    if html is None:
        html = str(render())
        store.set(key, html, TIMEOUT)
    return mark_safe(html)  # rendered by our own templates, with autoescaping on
