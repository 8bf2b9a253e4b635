"""The web page where people make, see and revoke their personal API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from decider.accounts.models import User
from decider.middleware import sign_in_required

from . import tokens as token_service
from .models import ApiToken

NEW_TOKEN_KEY = "new_api_token"


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=80,
        help_text="What the token is for, so you can tell it apart later, e.g. “CI check”.",
        error_messages={"required": "Enter a name for the token, e.g. “CI check”."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    expiry = forms.ChoiceField(
        label="Expires after",
        choices=list(token_service.EXPIRY_CHOICES.items()),
        initial="90",
        help_text="After that the token stops working and you make a new one.",
        error_messages={"invalid_choice": "Choose when the token expires from the list."},
    )


def get_token_for_user(user: User, token_id: int | str) -> ApiToken:
    """The user's own token, or 404: someone else's token id reveals nothing."""
    text = str(token_id)
    if not (text.isascii() and text.isdigit() and len(text) < 16):
        raise Http404("No such token")
    token = ApiToken.objects.filter(pk=int(text), user=user).first()
    if token is None:
        raise Http404("No such token")
    return token


@sign_in_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens; POST makes one and shows its secret once, on the next page.

    ``?revoke=<id>`` asks before revoking that token: a page of its own, so revoking needs no
    JavaScript and one stray click cannot break a running integration.
    """
    user: User = request.user  # type: ignore[assignment]
    if request.method == "GET" and "revoke" in request.GET:
        token = get_token_for_user(user, request.GET["revoke"])
        if not token.is_active:
            return redirect("api_tokens")
        return render(request, "api/token_revoke.html", {"token": token})
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, secret = token_service.create_token(
            user=user, name=form.cleaned_data["name"], expiry=form.cleaned_data["expiry"]
        )
        # Shown on the next page load only; never stored anywhere else.
        request.session[NEW_TOKEN_KEY] = {"id": token.pk, "secret": secret}
        return redirect("api_tokens")
    first_bad = next((name for name in form.errors if name in form.fields), None)
    if first_bad is not None:
        # The form sits below the list: take the visitor to the first field to fix.
        form.fields[first_bad].widget.attrs["autofocus"] = True
    new = request.session.pop(NEW_TOKEN_KEY, None)
    listed = list(token_service.user_tokens(user))
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": listed,
            "new_token": new,
            "new_token_row": next((t for t in listed if new and t.pk == new["id"]), None),
            "me_url": request.build_absolute_uri(reverse("api-v1:me")),
        },
        status=422 if form.errors else 200,
    )


@sign_in_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = get_token_for_user(user, token_id)
    token_service.revoke_token(token)
    messages.success(request, f"Token “{token.name}” revoked: programs using it are now refused.")
    return redirect("api_tokens")
