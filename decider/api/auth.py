"""Who is calling: a personal API token (``Authorization: Bearer dcd_...``) or, for use from a
browser, the web app's session cookie with its CSRF token.

django-ninja marks its views CSRF-exempt and leaves the check to cookie-based auth classes.
``BrowserSession`` therefore checks CSRF itself on every unsafe request that a signed-in session
would authenticate; token requests need no CSRF check because browsers never attach the
``Authorization`` header on their own. Public routes (the questionnaire, assess) never look at
the session at all, so a cookie sent along by a forged cross-site request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from decider.accounts.models import User

from .models import ApiToken
from .tokens import find_active_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of an API request (``request.auth``)."""

    user: User
    token: ApiToken | None = None

    @property
    def via(self) -> str:
        return "session" if self.token is None else "token"

    @property
    def bucket(self) -> str:
        """Rate limits count per token, or per user for the browser session."""
        return f"token:{self.token.pk}" if self.token is not None else f"user:{self.user.pk}"


class BearerToken(HttpBearer):
    """A personal API token, made on the web app's API tokens page.

    With ``optional``, a request without an ``Authorization`` header is let through as
    anonymous (the public routes); a bad token is still refused (401) rather than quietly
    treated as anonymous, so a revoked or mistyped token is noticed.
    """

    openapi_scheme = "bearer"
    openapi_description = "A personal API token: `Authorization: Bearer dcd_...`."

    def __init__(self, *, optional: bool = False) -> None:
        self.optional = optional
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        if self.optional and not request.headers.get("Authorization"):
            return ANONYMOUS
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        found = find_active_token(token)
        return Caller(user=found.user, token=found) if found is not None else None


class BrowserSession(APIKeyCookie):
    """The web app's session (signed in), with Django's CSRF check on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    openapi_description = (
        "The web app's own session, for scripts running in Decider's pages: writes need the "
        "csrftoken cookie's value in an X-CSRFToken header. Programs should use a personal "
        "token (BearerToken) instead."
    )

    def _get_key(self, request: HttpRequest) -> str | None:
        user: Any = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # not signed in: 401, not a CSRF error for a cookie that means nothing
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(
                403,
                "CSRF check failed: send the csrftoken cookie's value in an X-CSRFToken header, "
                "or use an API token (Authorization: Bearer ...) instead of the session.",
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        if not key:
            return None
        return Caller(user=request.user)  # type: ignore[arg-type]


class _Anonymous:
    """request.auth on a public route called without a token (truthy, as ninja needs)."""

    bucket = ""
    via = "anonymous"

    def __bool__(self) -> bool:
        return True


ANONYMOUS = _Anonymous()
optional_token = BearerToken(optional=True)
member_auth = [BearerToken(), BrowserSession()]
