"""Fixtures for the JSON API: a team with an owner, an editor and a viewer, an outsider, their
API tokens, and a client that speaks JSON to /api/v1/ with a bearer token.

Users are made through ``decider.accounts.services`` like real sign-ups (each gets a personal
space) and tokens through ``decider.api.tokens.create_token``, the function behind the tokens
page, so what the tests call is exactly what a program holding a token would meet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils.http import urlencode

from decider.accounts.models import Membership, Role, Team, User
from decider.accounts.services import create_team, create_user
from decider.api import ratelimit
from decider.api.tokens import create_token
from decider.assessments.models import Assessment, Revision
from decider.assessments.services import start_assessment

PASSWORD = "a long enough test password"
PREFIX = "/api/v1"
MEMBERS = ("owner", "editor", "viewer")
ACTORS = (*MEMBERS, "outsider", "anonymous")
ERROR_KEYS = {"status", "code", "message", "errors"}


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Hashing every test user's password the production way would take most of the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Api:
    """A test client for /api/v1/: JSON in, the Django test response out.

    ``token`` is sent as ``Authorization: Bearer <token>``; without one the client is
    anonymous (or uses whatever session ``client`` carries).
    """

    def __init__(
        self, token: str | None = None, *, client: Client | None = None, address: str = ""
    ) -> None:
        self.client = client or Client()
        self.headers: dict[str, str] = {}
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"
        if address:
            self.client.defaults["REMOTE_ADDR"] = address

    def url(self, path: str, params: Any = None) -> str:
        query = f"?{urlencode(params, doseq=True)}" if params else ""
        return f"{PREFIX}{path}{query}"

    def get(self, path: str, params: Any = None, **headers: str) -> Any:
        return self.client.get(self.url(path, params), headers={**self.headers, **headers})

    def send(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        """``body`` is sent as JSON, or as it is when it is already ``bytes`` or ``str``."""
        raw = body if isinstance(body, bytes | str) else json.dumps(body or {})
        return getattr(self.client, method)(
            self.url(path),
            raw,
            content_type="application/json",
            headers={**self.headers, **headers},
        )

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("post", path, body, **headers)

    def patch(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("patch", path, body, **headers)


def make_user(email: str, *, name: str = "") -> User:
    return create_user(email=email, password=PASSWORD, name=name)


def token_for(user: User, *, name: str = "script", expiry: str = "90") -> str:
    _, secret = create_token(user=user, name=name, expiry=expiry)
    return secret


def make_assessment(team: Team, author: User, **answers: Any) -> Assessment:
    """A team assessment, made the way the web app and the API make them."""
    return start_assessment(visitor="api-tests", team=team, author=author, answers=answers)


@dataclass(frozen=True)
class World:
    """A team ("Platform team") with one member of each role, an outsider, and one assessment
    of the team; ``tokens`` holds an active API token for each of the four people."""

    team: Team
    users: dict[str, User]
    tokens: dict[str, str]
    assessment: Assessment

    def api(self, actor: str) -> Api:
        """A client acting as ``actor`` with their token; ``anonymous`` sends no token."""
        return Api(None if actor == "anonymous" else self.tokens[actor])


@pytest.fixture
def world() -> World:
    owner = make_user("owner@example.com", name="Olive Owner")
    team = create_team(name="Platform team", owner=owner)
    users = {"owner": owner}
    for role in (Role.EDITOR, Role.VIEWER):
        users[str(role)] = make_user(f"{role}@example.com")
        Membership.objects.create(team=team, user=users[str(role)], role=role)
    users["outsider"] = make_user("outsider@example.com")
    tokens = {actor: token_for(user) for actor, user in users.items()}
    assessment = make_assessment(team, owner, use_case="Support chatbot", stage="production")
    return World(team=team, users=users, tokens=tokens, assessment=assessment)


@pytest.fixture
def owner_api(world: World) -> Api:
    return world.api("owner")


def as_json(value: Any) -> Any:
    """``value`` as a client reads it back from the API's JSON (tuples become lists, times
    strings to the millisecond, as Django's encoder writes them)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def assert_error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """The response is an API error of ``status`` in the one error shape, naming ``fields``."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    data: dict[str, Any] = response.json()
    assert set(data) >= ERROR_KEYS, data
    assert data["status"] == status
    assert isinstance(data["code"], str)
    assert data["code"]
    assert isinstance(data["message"], str)
    assert data["message"]
    assert isinstance(data["errors"], list)
    for problem in data["errors"]:
        assert set(problem) == {"field", "message"}, problem
        assert isinstance(problem["field"], str)
        assert isinstance(problem["message"], str)
    named = [problem["field"] for problem in data["errors"]]
    for field in fields:
        assert field in named, (field, named)
    return data


def stored() -> dict[str, Any]:
    """What an API write might change: assessments (every field a write touches), revisions."""
    return {
        "assessments": list(
            Assessment.objects.order_by("pk").values(
                "pk",
                "team_id",
                "author_id",
                "name",
                "status",
                "archived_at",
                "answers",
                "answered",
                "revision",
                "recommendation",
                "confidence",
                "updated_at",
            )
        ),
        "revisions": list(
            Revision.objects.order_by("pk").values("pk", "assessment_id", "number", "answers")
        ),
    }


START = 1_800_000_000.0  # a window boundary: divisible by 60


class Clock:
    """``time.time`` for the ratelimit module, moved by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The rate limiter's clock, 15 seconds into a window."""
    fake = Clock(START + 15)
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake
