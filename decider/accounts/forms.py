"""Forms for signing up and in; sign-in failures are throttled per account and address."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest

from . import services
from .models import Role, User


def client_address(request: HttpRequest | None) -> str:
    """The caller's address; behind a trusted proxy, the first one it forwarded for."""
    if request is None:
        return "0.0.0.0"
    from django.conf import settings

    if settings.SECURE_PROXY_SSL_HEADER:  # only trust X-Forwarded-For behind our own proxy
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return str(forwarded).split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR") or "0.0.0.0")


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing to check passwords after too many failures."""

    error_messages = {  # noqa: RUF012 (Django reads this mapping)
        **AuthenticationForm.error_messages,
        "invalid_login": "That email address and password do not match an account.",
        "throttled": (
            "Too many failed sign-ins. For your account's safety, wait %(minutes)s "
            "minute(s) and try again, or reset your password."
        ),
    }

    def clean(self) -> dict[str, Any]:
        email = str(self.cleaned_data.get("username") or "")
        address = client_address(self.request)
        wait = services.login_wait(email=email, address=address)
        if wait:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, round(wait / 60))},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if email:
                services.record_login_failure(email=email, address=address)
            raise
        services.clear_login_failures(email=email)
        return cleaned


class SignupForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=150, required=False)
    email = forms.EmailField(label="Email address", max_length=254)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this email address exists already. Sign in instead, or "
                "reset its password."
            )
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            candidate = User(email=cleaned.get("email", ""), first_name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=100)


class InviteForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.EDITOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
