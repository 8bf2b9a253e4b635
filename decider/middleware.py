"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from decider.assessments.services import SignInRequired


class SignInRedirectMiddleware:
    """Send people whose login is missing or expired to the login page.

    An htmx request must not get the login page as a fragment swapped into the current page:
    it gets an HX-Redirect, so the whole browser goes to the login page and comes back to the
    page it was on afterwards.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SignInRequired):
            return None
        if request.headers.get("HX-Request") == "true":
            current = request.headers.get("HX-Current-URL", "")
            back = urlsplit(current)
            next_path = (back.path + (f"?{back.query}" if back.query else "")) or "/"
            return HttpResponseClientRedirect(redirect_to_login(next_path).url)
        if request.method not in ("GET", "HEAD"):
            # A form was posted: come back to the page it was on (a POST-only URL would answer
            # a GET with 405). Browsers send our own pages as the referer.
            referer = request.headers.get("Referer", "")
            back = urlsplit(referer)
            if referer and back.netloc == request.get_host():
                return redirect_to_login(back.path + (f"?{back.query}" if back.query else ""))
        return redirect_to_login(request.get_full_path())


def sign_in_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like Django's login_required, but through SignInRedirectMiddleware: htmx requests get an
    HX-Redirect, and a refused POST comes back to the page it was sent from."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            raise SignInRequired
        return view(request, *args, **kwargs)

    return wrapped
