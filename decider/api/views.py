"""The web page where people make, see and revoke their personal API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
    )
    expiry = forms.ChoiceField(
        label="Expires after",
        choices=list(token_service.EXPIRY_CHOICES.items()),
        initial="90",
    )

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if not name:
            raise forms.ValidationError("Give the token a name.")
        return name


@sign_in_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens; POST makes one and shows its secret once."""
    user: User = request.user  # type: ignore[assignment]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, secret = token_service.create_token(
            user=user, name=form.cleaned_data["name"], expiry=form.cleaned_data["expiry"]
        )
        # Shown on the next page load only; never stored anywhere else.
        request.session[NEW_TOKEN_KEY] = {"id": token.pk, "secret": secret}
        return redirect("api_tokens")
    new = request.session.pop(NEW_TOKEN_KEY, None)
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": token_service.user_tokens(user),
            "new_token": new,
            "api_base": request.build_absolute_uri("/api/v1/"),
        },
        status=422 if form.errors else 200,
    )


@sign_in_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404("No such token")
    token_service.revoke_token(token)
    messages.success(request, f"Token “{token.name}” revoked: programs using it are now refused.")
    return redirect("api_tokens")
