"""Site-wide views."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form or autosave refused for CSRF, usually because the session or cookies are gone.

    htmx requests must not fail silently: without a session the browser goes to the login page
    (and back afterwards); otherwise the page reloads with a fresh token and the saved state.
    """
    if request.headers.get("HX-Request") == "true":
        if (
            not request.user.is_authenticated
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            next_path = (current.path + (f"?{current.query}" if current.query else "")) or "/"
            return HttpResponseClientRedirect(redirect_to_login(next_path).url)
        return HttpResponseClientRefresh()
    return render(request, "403_csrf.html", status=403)
