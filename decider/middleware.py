"""Project-wide middleware."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from decider import logs
from decider.assessments.services import SignInRequired

request_logger = logging.getLogger("decider.request")

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy or a client may hand us as a request id: short, and nothing that could forge a
# log line or a header (no spaces, quotes, newlines).
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# URL parts that are credentials (share links, invitations, password resets): never logged.
_SECRET_URL_KWARGS = ("token", "uidb64")


def request_id_from(header: str | None) -> str:
    """The caller's request id when it is sane, else a new one.

    Keeping a proxy's id (nginx ``$request_id``, a load balancer's trace id) lets one request be
    followed from the edge to the application; anything odd is replaced, never cleaned up.
    """
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Gives each request an id and logs one line for it when it is answered.

    The first middleware, so the id covers everything after it (redirects, static files, errors)
    and the duration is the whole of Django's work. The id goes back in the ``X-Request-ID``
    response header, so a user's bug report can quote it, and onto every log record made until
    the request is finished (``decider.logs``), including Django's own warning about a 4xx or
    5xx response, which comes after the middleware has returned.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        request_finished.connect(_forget_request, dispatch_uid="decider.forget_request")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        logs.request_id.set(request_id)
        logs.url_secrets.set(())
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        _log_request(request, response, duration=time.perf_counter() - started)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponse],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        """Once the URL is resolved, name its secrets so no log record shows them."""
        secrets = tuple(str(kwargs[name]) for name in _SECRET_URL_KWARGS if kwargs.get(name))
        logs.url_secrets.set(secrets)


def _forget_request(**kwargs: Any) -> None:
    # gunicorn's threads serve one request after another: nothing of one may reach the next.
    logs.request_id.set(logs.NO_REQUEST)
    logs.url_secrets.set(())


def _log_request(request: HttpRequest, response: HttpResponse, *, duration: float) -> None:
    path = logs.redact(request.path)
    fields: dict[str, Any] = {
        "method": request.method,
        "path": path,
        "status": response.status_code,
        "duration_ms": round(duration * 1000, 1),
    }
    user_id = _signed_in_user_id(request)
    if user_id is not None:
        fields["user_id"] = user_id
    request_logger.info(
        "%s %s %s %.1fms", request.method, path, response.status_code, duration * 1000, extra=fields
    )


def _signed_in_user_id(request: HttpRequest) -> str | None:
    """The signed-in user's id, if the request read its session anyway.

    Reading a session is a database query; a request that never needed one (static files,
    ``/healthz``) is not made to pay for it just to be logged.
    """
    session = getattr(request, "session", None)
    if session is None or not session.accessed:
        return None
    user_id = session.get(SESSION_KEY)
    return str(user_id) if user_id is not None else None


# The last time a signed-in session's expiry was pushed forward (a Unix time, in the session).
_IDLE_REFRESHED_KEY = "_idle_refreshed_at"
# Moving the expiry is a session write; once an hour keeps an active user signed in without
# a write per request, at the cost of an idle timeout up to an hour shorter than configured.
IDLE_REFRESH_SECONDS = 3600


class SignedInSessionIdleMiddleware:
    """Signed-in sessions end after ``SESSION_IDLE_SECONDS`` without activity.

    A visitor's session is what ties a browser to work started without an account, so it keeps
    the long ``SESSION_COOKIE_AGE``. A signed-in session opens a whole team's work, so it should
    not outlive a forgotten laptop by months: its expiry is set to the idle timeout, counted
    from the last activity.

    The expiry is set whenever a signed-in session is saved anyway (signing in saves it), and
    moved forward by a save of its own at most once an hour. Only sessions the request read
    anyway are looked at: this middleware never loads a session by itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or not session.get(SESSION_KEY):
            return response
        now = int(time.time())
        refreshed = int(session.get(_IDLE_REFRESHED_KEY, 0))
        due = bool(refreshed) and now - refreshed >= IDLE_REFRESH_SECONDS
        if session.modified or due:
            # Saved by SessionMiddleware on the way out, with a new expiry of now + idle.
            session.set_expiry(settings.SESSION_IDLE_SECONDS)
            session[_IDLE_REFRESHED_KEY] = now
        return response


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
