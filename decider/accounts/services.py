"""Accounts domain logic: sign-up, teams, invitations, login throttling.

Keyword-only functions that say what they change; views stay thin.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from decider.revocable import secret_hash

from .models import Invitation, LoginFailure, Membership, Role, Team, User

INVITATION_DAYS = 7
# Failed sign-ins are counted over this window, per account and per network address.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class TeamError(ValueError):
    """A team change that is not allowed; the message says why, for the person trying."""


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "team"
    slug = base
    while Team.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


@transaction.atomic
def create_team(*, name: str, owner: User, personal: bool = False) -> Team:
    """A new team with ``owner`` as its first owner."""
    team = Team.objects.create(name=name, slug=_unique_slug(name), personal=personal)
    Membership.objects.create(team=team, user=owner, role=Role.OWNER)
    return team


@transaction.atomic
def create_user(*, email: str, password: str, name: str = "") -> User:
    """A user and their personal space."""
    email = User.objects.normalize_email(email).lower()
    # The username is internal (people sign in with the email); it holds at most 150 characters.
    username = email if len(email) <= 150 else f"{email[:130]}-{secrets.token_hex(8)}"
    user = User.objects.create_user(
        username=username, email=email, password=password, first_name=name.strip()
    )
    owner_name = name.strip() or email
    if len(owner_name) > 90:  # a team name holds 100 characters
        owner_name = owner_name[:89] + "…"
    create_team(name=f"{owner_name}'s space", owner=user, personal=True)
    return user


def personal_team(user: User) -> Team:
    return Team.objects.get(personal=True, memberships__user=user)


def memberships(user: User) -> list[Membership]:
    """The user's teams, personal space first, with the team loaded."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("team")
        .order_by("-team__personal", "team__name")
    )


def membership(*, user: User, team: Team) -> Membership | None:
    return Membership.objects.filter(user=user, team=team).first()


def invite(*, team: Team, role: str, by: User, days: int = INVITATION_DAYS) -> str:
    """Make a single-use invitation and return its token (shown once; only a hash is kept)."""
    if team.personal:
        raise TeamError("A personal space cannot have other members.")
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        team=team,
        role=role,
        token_hash=secret_hash(token),
        created_by=by,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token


def find_invitation(token: str) -> Invitation | None:
    return Invitation.objects.select_related("team").filter(token_hash=secret_hash(token)).first()


def invitation_problem(invitation: Invitation | None) -> str:
    """Why an invitation cannot be used, or "" when it can."""
    if invitation is None:
        return "This invitation link is not valid. Ask the team's owner for a new one."
    if invitation.used_at is not None:
        return "This invitation has already been used. Ask the team's owner for a new one."
    if invitation.expires_at <= timezone.now():
        return "This invitation has expired. Ask the team's owner for a new one."
    return ""


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    """Join the team; the invitation is spent even if the user was already a member."""
    invitation = find_invitation(token)
    if invitation is not None:
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = invitation_problem(invitation)
    if problem:
        raise TeamError(problem)
    assert invitation is not None
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    existing = membership(user=user, team=invitation.team)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Membership.objects.create(team=invitation.team, user=user, role=invitation.role)
    except IntegrityError:  # joined meanwhile through another link
        return Membership.objects.get(team=invitation.team, user=user)


def _owners(team: Team) -> int:
    """How many owners the team has, locking them until the transaction ends, so that two
    owners demoting or removing each other at once cannot leave the team without one."""
    return len(Membership.objects.select_for_update().filter(team=team, role=Role.OWNER))


@transaction.atomic
def leave_team(*, team: Team, user: User) -> None:
    if team.personal:
        raise TeamError("You cannot leave your personal space.")
    mine = membership(user=user, team=team)
    if mine is None:
        raise TeamError("You are not a member of this team.")
    if mine.role == Role.OWNER and _owners(team) == 1:
        raise TeamError("You are the only owner: make someone else an owner before leaving.")
    mine.delete()


@transaction.atomic
def change_role(*, team: Team, member: Membership, role: str) -> None:
    if member.role == Role.OWNER and role != Role.OWNER and _owners(team) == 1:
        raise TeamError("A team needs at least one owner.")
    member.role = role
    member.save(update_fields=["role"])


@transaction.atomic
def remove_member(*, team: Team, member: Membership) -> None:
    if member.role == Role.OWNER and _owners(team) == 1:
        raise TeamError("A team needs at least one owner.")
    member.delete()


# ---------------------------------------------------------------------- login throttling


def login_wait(*, email: str, address: str) -> int:
    """Seconds before another sign-in may be tried for this account or address (0: go ahead)."""
    since = timezone.now() - THROTTLE_WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    for query, limit in (
        (recent.filter(email=email.lower()), MAX_FAILURES_PER_ACCOUNT),
        (recent.filter(address=address), MAX_FAILURES_PER_ADDRESS),
    ):
        times = list(query.order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            oldest_counted = times[-1]
            wait = oldest_counted + THROTTLE_WINDOW - timezone.now()
            return max(1, int(wait.total_seconds()))
    return 0


def record_login_failure(*, email: str, address: str) -> None:
    LoginFailure.objects.create(email=email.lower()[:254], address=address)


def clear_login_failures(*, email: str) -> None:
    LoginFailure.objects.filter(email=email.lower()).delete()
