"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable
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
        return redirect_to_login(request.get_full_path())
