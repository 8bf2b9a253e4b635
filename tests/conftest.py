"""Shared fixtures: the article's scenarios and answer builders."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

TESTS_DIR = Path(__file__).parent
# A real Redis for the shared-cache tests; .ci/run starts one and sets the variable.
REDIS_URL = os.environ.get("DECIDER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def load_scenarios() -> list[dict[str, Any]]:
    """The six scenarios of the article with their expected recommendation (spec copy)."""
    data = json.loads((TESTS_DIR / "article_scenarios.json").read_text(encoding="utf-8"))
    return list(data["scenarios"])


@pytest.fixture
def scenarios() -> list[dict[str, Any]]:
    return load_scenarios()


@pytest.fixture(autouse=True)
def tasks_and_media(settings: Any, tmp_path: Path) -> None:
    """Tasks run in the process (no worker in tests); generated files go to a temp dir."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def redis_or_skip() -> redis.Redis:
    """The test Redis. Unreachable: a failure when DECIDER_TEST_REDIS_URL asks for it (as
    .ci/run does), otherwise a skip (a developer's machine without Redis)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        message = f"no Redis at {REDIS_URL} (set DECIDER_TEST_REDIS_URL)"
        if "DECIDER_TEST_REDIS_URL" in os.environ:
            pytest.fail(message)
        pytest.skip(message)
    return client


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis_or_skip()
    yield client
    client.close()


@pytest.fixture
def shared_cache(settings: Any, redis_client: redis.Redis) -> Iterator[str]:
    """The production settings of DJANGO_CACHE_URL (sessions through Redis, rate limits counted
    there) against the test Redis, under a key prefix of this test's own; yields the prefix."""
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHE_URL = REDIS_URL
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    settings.SESSION_ENGINE = "decider.sessions"
    yield prefix
    for key in redis_client.scan_iter(f"{prefix}:*"):
        redis_client.delete(key)


@pytest.fixture
def unreachable_cache(settings: Any) -> None:
    """The shared-cache settings pointing at a Redis that is not there (port 1)."""
    settings.CACHE_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.CACHE_URL,
        },
    }
    settings.SESSION_ENGINE = "decider.sessions"
