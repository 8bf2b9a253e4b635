"""The per-request lookups written as plain SQL give exactly the ORM's objects.

``AccountBackend.get_user`` (every signed-in request), ``find_active_token`` (every API call
with a token) and the assessment access check (every assessment page) read their rows with one
SELECT each and build the models with ``from_db`` (decider/rows.py). On SQLite the driver's
values need the ORM's converters (datetimes arrive as text, booleans as integers, JSON as text);
on PostgreSQL fewer. These tests run on both.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from decider.accounts.backends import AccountBackend
from decider.accounts.models import Membership, Role, User
from decider.accounts.services import create_team, create_user
from decider.accounts.views import get_team_for_user
from decider.api.models import ApiToken
from decider.api.tokens import create_token, find_active_token, revoke_token
from decider.assessments.models import Assessment
from decider.assessments.services import _read_for_access
from tests.factories import make_assessment

pytestmark = pytest.mark.django_db


def field_values(instance: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def a_user() -> User:
    user = create_user(email="ada@example.com", password="a long enough password", name="Ada L")
    user.last_login = timezone.now()
    user.is_staff = True
    user.save()
    return user


def test_get_user_gives_the_orms_user_with_every_field_converted() -> None:
    user = a_user()

    found = AccountBackend().get_user(user.pk)

    assert found is not None
    assert field_values(found) == field_values(User.objects.get(pk=user.pk))
    assert isinstance(found.is_staff, bool)
    assert found.last_login is not None
    assert found.last_login.tzinfo is not None
    assert found._state.adding is False
    assert found._state.db == "default"


@pytest.mark.parametrize("user_id", [987654, "not a number", None, "12; DROP TABLE x"])
def test_get_user_of_an_unknown_or_malformed_id_is_none(user_id: Any) -> None:
    a_user()

    assert AccountBackend().get_user(user_id) is None


def test_get_user_refuses_an_inactive_user_like_django() -> None:
    user = a_user()
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert AccountBackend().get_user(user.pk) is None


def test_find_active_token_gives_the_orms_token_and_user() -> None:
    user = a_user()
    token, secret = create_token(user=user, name="ci", expiry="90")

    found = find_active_token(secret)

    assert found is not None
    stored = ApiToken.objects.select_related("user").get(pk=token.pk)
    assert {**field_values(found), "last_used_at": None} == {
        **field_values(stored),
        "last_used_at": None,
    }
    assert field_values(found.user) == field_values(stored.user)
    assert stored.last_used_at is not None  # the lookup recorded its use


def test_find_active_token_refuses_revoked_and_unknown_secrets() -> None:
    user = a_user()
    token, secret = create_token(user=user, name="ci", expiry="never")
    revoke_token(token)

    assert find_active_token(secret) is None
    assert find_active_token("dcd_" + "x" * 43) is None


def test_the_access_read_gives_the_orms_assessment_team_and_role() -> None:
    owner, viewer = a_user(), create_user(email="bo@example.com", password="x" * 20, name="Bo")
    team = create_team(name="Platform", owner=owner)
    Membership.objects.create(team=team, user=viewer, role=Role.VIEWER)
    shared = make_assessment(stage="production", monthly_requests=2_000_000)
    Assessment.objects.filter(pk=shared.pk).update(team=team, author=owner)
    private = make_assessment(stage="pilot")

    with transaction.atomic():
        found = _read_for_access(shared.pk, user_id=viewer.pk, lock=True)
    for_owner = _read_for_access(str(shared.pk), user_id=owner.pk, lock=False)
    for_nobody = _read_for_access(shared.pk, user_id=None, lock=False)
    visitors = _read_for_access(private.pk, user_id=owner.pk, lock=False)

    stored = Assessment.objects.select_related("team").get(pk=shared.pk)
    assert found is not None
    assert for_owner is not None
    assert for_nobody is not None
    assert field_values(found) == field_values(stored)
    assert found.answers == stored.answers
    assert isinstance(found.answers, dict)
    assert found.team is not None
    assert stored.team is not None
    assert field_values(found.team) == field_values(stored.team)
    roles = [getattr(a, "caller_role", "?") for a in (found, for_owner, for_nobody)]
    assert roles == ["viewer", "owner", None]
    assert visitors is not None
    assert visitors.team is None
    assert getattr(visitors, "caller_role", "?") is None
    assert _read_for_access("not-a-uuid", user_id=owner.pk, lock=False) is None
    assert (
        _read_for_access("00000000-0000-0000-0000-000000000000", user_id=None, lock=False) is None
    )


def test_the_team_read_gives_the_orms_membership_and_team() -> None:
    owner = a_user()
    outsider = create_user(email="cy@example.com", password="x" * 20, name="Cy")
    team = create_team(name="Platform", owner=owner)

    member = get_team_for_user(owner, team.slug)

    stored = Membership.objects.select_related("team").get(team=team, user=owner)
    assert field_values(member) == field_values(stored)
    assert field_values(member.team) == field_values(stored.team)
    with pytest.raises(Http404):
        get_team_for_user(outsider, team.slug)
    with pytest.raises(Http404):
        get_team_for_user(owner, "no-such-team")
