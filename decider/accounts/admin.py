"""The admin for accounts: people, teams and memberships; its sign-in throttled like the site's."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from decider.admin_base import ReadOnlyAdmin

from .forms import ThrottledAuthenticationForm
from .models import Invitation, LoginFailure, Membership, Team, User


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's sign-in (staff only), throttled like the site's, so that it is not a side door
    for guessing passwords."""


admin.site.login_form = ThrottledAdminAuthenticationForm


class UserCreationAdminForm(AdminUserCreationForm[User]):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "username")


class UserChangeAdminForm(UserChangeForm[User]):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    """Django's user admin for our email sign-in: email first, search by email or name."""

    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "username", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "username", "first_name", "last_name", "is_staff", "last_login")
    search_fields = ("email", "username", "first_name", "last_name")
    ordering = ("email",)


class MembershipInline(admin.TabularInline[Membership, Team]):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)  # no autocomplete widget: its script styles elements inline


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "slug", "personal", "created_at")
    list_filter = ("personal",)
    search_fields = ("name", "slug")
    inlines = (MembershipInline,)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin[Invitation]):
    list_display = ("team", "role", "created_by", "created_at", "expires_at", "used_at", "used_by")
    list_select_related = ("team", "created_by", "used_by")
    exclude = ("token_hash",)


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdmin[LoginFailure]):
    """Failed sign-ins; deleting an account's rows lifts its throttle at once."""

    list_display = ("email", "address", "at")
    search_fields = ("email", "address")
    date_hierarchy = "at"
