"""The per-request lookups written as plain SQL give exactly the ORM's objects.

``AccountBackend.get_user`` (every signed-in request) and ``find_active_token`` (every API call
with a token) read their rows with one SELECT each and build the models with ``from_db``
(decider/rows.py). On SQLite the driver's values need the ORM's converters (datetimes arrive as
text, booleans as integers); on PostgreSQL they do not. These tests run on both.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from decider.accounts.backends import AccountBackend
from decider.accounts.models import User
from decider.accounts.services import create_user
from decider.api.models import ApiToken
from decider.api.tokens import create_token, find_active_token, revoke_token

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
