"""Rate limits: fixed windows counted in the database, per token, or per address without one.

Assessing (``/assess``, ``/assess/batch``) and writing (creating, changing, archiving,
importing) are limited separately; reading never is. The clock is the ratelimit module's own
``time.time``, replaced here by a hand-moved one so windows can be crossed without waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from decider.api import ratelimit
from decider.api.models import ApiToken, RateCounter

from .conftest import START, Api, Clock, World, assert_error, stored, token_for

pytestmark = pytest.mark.django_db

LIMITS = {"assess": (3, 60), "write": (2, 60)}


@pytest.fixture(autouse=True)
def limits() -> Iterator[None]:
    with override_settings(DECIDER_API_RATE_LIMITS=LIMITS):
        yield


def assess(api: Api, times: int = 1) -> list[int]:
    return [api.post("/assess", {"stage": "pilot"}).status_code for _ in range(times)]


def create(api: Api, world: World, times: int = 1) -> list[int]:
    body = {"team": world.team.slug}
    return [api.post("/assessments", body).status_code for _ in range(times)]


# ---------------------------------------------------------------------- assess


def test_the_fourth_assess_from_one_address_is_429(clock: Clock) -> None:
    api = Api(address="198.51.100.7")

    assert assess(api, 3) == [200, 200, 200]
    response = api.post("/assess", {})

    data = assert_error(response, 429)
    assert data["code"] == "rate_limited"
    assert "3 assess requests per 60 seconds" in data["message"]
    assert response["Retry-After"] == "45"  # the window began 15 seconds ago
    assert "45 seconds" in data["message"]


def test_retry_after_is_whole_seconds_until_the_window_ends(clock: Clock) -> None:
    clock.now = START + 59.2
    api = Api()
    assess(api, 3)

    response = api.post("/assess", {})

    retry_after = response["Retry-After"]
    assert retry_after.isdigit()
    assert int(retry_after) == 1  # 0.8 seconds, rounded up: never 0, never a fraction


def test_retry_after_without_a_fake_clock_is_a_positive_integer() -> None:
    api = Api()
    assess(api, 3)

    response = api.post("/assess", {})

    assert_error(response, 429)
    assert 0 < int(response["Retry-After"]) <= 60


def test_a_batch_counts_as_one_assess_request(clock: Clock) -> None:
    api = Api()
    items: dict[str, list[dict[str, Any]]] = {"items": [{}] * 50}

    statuses = [api.post("/assess/batch", items).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert assess(api) == [429]  # one limit for both ways of assessing


def test_other_addresses_have_their_own_count(clock: Clock) -> None:
    assess(Api(address="198.51.100.7"), 3)

    assert assess(Api(address="198.51.100.8"), 3) == [200, 200, 200]
    assert assess(Api(address="198.51.100.7")) == [429]


def test_a_token_counts_apart_from_its_address(world: World, clock: Clock) -> None:
    address = "198.51.100.7"
    assert assess(Api(address=address), 4)[-1] == 429

    with_token = Api(world.tokens["viewer"], address=address)

    assert assess(with_token, 4) == [200, 200, 200, 429]
    assert assess(Api(address=address)) == [429]


def test_two_tokens_have_separate_counts(world: World, clock: Clock) -> None:
    first = Api(world.tokens["owner"])
    second = Api(token_for(world.users["owner"], name="second script"))

    assert assess(first, 4) == [200, 200, 200, 429]
    assert assess(second, 3) == [200, 200, 200]
    tokens = ApiToken.objects.filter(user=world.users["owner"]).order_by("pk")
    hits = dict(RateCounter.objects.values_list("bucket", "hits"))
    assert hits == {f"assess:token:{tokens[0].pk}": 4, f"assess:token:{tokens[1].pk}": 3}


def test_a_token_moving_between_addresses_keeps_one_count(world: World, clock: Clock) -> None:
    token = world.tokens["editor"]

    statuses = [
        *assess(Api(token, address="198.51.100.1"), 2),
        *assess(Api(token, address="198.51.100.2"), 2),
    ]

    assert statuses == [200, 200, 200, 429]


# ---------------------------------------------------------------------- writes


def test_writes_are_limited_apart_from_assessing(world: World, clock: Clock) -> None:
    api = world.api("editor")
    assert assess(api, 4)[-1] == 429  # assessing used up

    assert create(api, world, 2) == [201, 201]
    before = stored()
    response = api.post("/assessments", {"team": world.team.slug})

    data = assert_error(response, 429)
    assert "2 write requests per 60 seconds" in data["message"]
    assert stored() == before


def test_writes_used_up_leave_assessing_alone(world: World, clock: Clock) -> None:
    api = world.api("editor")
    create(api, world, 3)

    assert assess(api, 3) == [200, 200, 200]


def test_every_kind_of_write_shares_the_write_count(world: World, clock: Clock) -> None:
    api = world.api("owner")
    url = f"/assessments/{world.assessment.id}"

    statuses = [
        api.post(f"{url}/archive").status_code,
        api.patch(url, {"revision": 2, "name": "Renamed"}).status_code,  # archiving made 2
        api.post(f"{url}/restore").status_code,
        api.post(f"/teams/{world.team.slug}/import", {}).status_code,
    ]

    assert statuses == [200, 200, 429, 429]


def test_a_refused_write_counts_too(world: World, clock: Clock) -> None:
    """Probing for ids or roles costs the same as writing: no free guesses."""
    api = world.api("viewer")
    url = f"/assessments/{world.assessment.id}/archive"

    statuses = [api.post(url).status_code for _ in range(3)]

    assert statuses == [403, 403, 429]


# ---------------------------------------------------------------------- windows


def test_a_new_window_starts_a_new_count(world: World, clock: Clock) -> None:
    api = Api()
    assert assess(api, 4) == [200, 200, 200, 429]

    clock.now = START + 59.9
    assert assess(api) == [429]
    clock.now = START + 60
    assert assess(api, 4) == [200, 200, 200, 429]
    assert RateCounter.objects.get().window_start == START + 60


def test_one_bucket_row_per_caller_whatever_the_number_of_windows(clock: Clock) -> None:
    api = Api()
    for window in range(5):
        clock.now = START + 60 * window
        assess(api, 2)

    assert list(RateCounter.objects.values_list("bucket", "hits")) == [("assess:addr:127.0.0.1", 2)]


def test_a_limit_of_0_turns_it_off(settings: Any, world: World, clock: Clock) -> None:
    settings.DECIDER_API_RATE_LIMITS = {"assess": (0, 60), "write": (0, 60)}
    api = world.api("owner")

    assert set(assess(api, 10)) == {200}
    assert set(create(api, world, 5)) == {201}
    assert not RateCounter.objects.exists()


def test_a_limit_missing_from_the_setting_keeps_its_default(settings: Any, clock: Clock) -> None:
    settings.DECIDER_API_RATE_LIMITS = {"write": (1, 60)}

    assert ratelimit.limits() == {"assess": ratelimit.DEFAULT_LIMITS["assess"], "write": (1, 60)}
    assert assess(Api(), 5) == [200] * 5


@override_settings(DECIDER_API_RATE_LIMITS={"assess": (1, 3600), "write": (1, 3600)})
def test_a_longer_window_is_honoured(clock: Clock) -> None:
    clock.now = 3600 * 500_000 + 600.0
    api = Api()
    assess(api)

    response = api.post("/assess", {})

    assert response["Retry-After"] == "3000"


# ---------------------------------------------------------------------- reads


READ_PATHS = [
    "/questionnaire",
    "/me",
    "/teams",
    "/assessments",
    "/assessments/{id}",
    "/assessments/{id}/revisions",
    "/assessments/{id}/export",
    "/assessments/{id}/decision-record",
]


@override_settings(DECIDER_API_RATE_LIMITS={"assess": (1, 60), "write": (1, 60)})
def test_reads_are_never_rate_limited(world: World, clock: Clock) -> None:
    api = world.api("viewer")

    statuses = {
        path: [api.get(path.format(id=world.assessment.id)).status_code for _ in range(5)]
        for path in READ_PATHS
    }
    compare = [
        api.get("/compare", {"item": [str(world.assessment.id), f"{world.assessment.id}@1"]})
        for _ in range(5)
    ]

    assert statuses == {path: [200] * 5 for path in READ_PATHS}
    assert [r.status_code for r in compare] == [200] * 5
    assert not RateCounter.objects.exists()


def test_reads_work_while_the_limits_are_used_up(world: World, clock: Clock) -> None:
    api = world.api("owner")
    assess(api, 4)
    create(api, world, 3)

    assert api.get(f"/assessments/{world.assessment.id}").status_code == 200
    assert Api().get("/questionnaire").status_code == 200
