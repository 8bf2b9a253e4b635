"""Rate limits counted in the shared Redis (``DJANGO_CACHE_URL``) instead of the database.

The same fixed windows and buckets as tests/api/test_ratelimit.py, counted by a Redis counter
per window that expires with it: nothing is written to the database. When Redis cannot be
reached the count falls back to the database, so a limit still holds. Uses the real test Redis
(tests/conftest.py, ``shared_cache``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from django.test import override_settings

from decider.api.models import RateCounter

from .conftest import START, Api, Clock, World, assert_error, token_for
from .test_ratelimit import LIMITS, assess, create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(shared_cache: str) -> Iterator[None]:
    with override_settings(DECIDER_API_RATE_LIMITS=LIMITS):
        yield


def counters(client: redis.Redis, prefix: str) -> dict[str, int]:
    return {
        key.decode().split(":", 2)[2]: int(client.get(key) or 0)
        for key in client.scan_iter(f"{prefix}:*ratelimit:*")
    }


def test_the_fourth_assess_is_429_and_nothing_is_written_to_the_database(
    clock: Clock, shared_cache: str, redis_client: redis.Redis
) -> None:
    api = Api(address="198.51.100.7")

    assert assess(api, 3) == [200, 200, 200]
    response = api.post("/assess", {})

    data = assert_error(response, 429)
    assert response["Retry-After"] == "45"
    assert "3 assess requests per 60 seconds" in data["message"]
    assert not RateCounter.objects.exists()
    assert counters(redis_client, shared_cache) == {
        f"ratelimit:assess:addr:198.51.100.7:{int(START)}": 4
    }
    [key] = redis_client.scan_iter(f"{shared_cache}:*ratelimit:*")
    assert 0 < redis_client.ttl(key) <= 61  # the counter goes with its window


def test_a_new_window_starts_a_new_count(clock: Clock) -> None:
    api = Api()
    assert assess(api, 4) == [200, 200, 200, 429]

    clock.now = START + 60

    assert assess(api, 4) == [200, 200, 200, 429]


def test_tokens_and_kinds_have_their_own_counts(world: World, clock: Clock) -> None:
    first = Api(world.tokens["owner"])
    second = Api(token_for(world.users["owner"], name="second script"))

    assert assess(first, 4) == [200, 200, 200, 429]
    assert assess(second, 3) == [200, 200, 200]
    assert create(first, world, 3) == [201, 201, 429]


def test_an_unreachable_redis_counts_in_the_database_instead(
    unreachable_cache: None, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:

    assert assess(Api(), 4) == [200, 200, 200, 429]
    assert list(RateCounter.objects.values_list("hits", flat=True)) == [4]
    assert "rate-limit cache unreachable" in caplog.text
