"""Users, teams and who may do what in a team."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models


class UserManager(DjangoUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        """Sign-in finds the account whatever the case of the email typed."""
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person; signs in with an email address."""

    email = models.EmailField("email address", unique=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]  # noqa: RUF012 (Django's API is a plain list)

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    OWNER = "owner", "Owner"  # manages members, and everything an editor does
    EDITOR = "editor", "Editor"  # creates and edits assessments
    VIEWER = "viewer", "Viewer"  # reads


class Team(models.Model):
    """A workspace of assessments. Every user also has a personal one, just for them."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    personal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-personal", "name")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("team", "user"), name="one_membership_per_team"),
        )

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.OWNER, Role.EDITOR)

    @property
    def can_manage(self) -> bool:
        return self.role == Role.OWNER


class Invitation(models.Model):
    """A single-use, expiring link that makes whoever opens it (signed in) a member.

    Only a hash of the token is stored: the link is shown once, to the owner who made it.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"invitation to {self.team} as {self.role}"


class LoginFailure(models.Model):
    """One failed sign-in, kept for a while to slow down password guessing."""

    email = models.CharField(max_length=254, db_index=True)
    address = models.GenericIPAddressField(db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.email} from {self.address} at {self.at:%Y-%m-%d %H:%M}"
