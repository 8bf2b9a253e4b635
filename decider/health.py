"""Health endpoints for load balancers, orchestrators and the compose stack.

``/healthz`` answers whether the process serves requests at all (liveness: restart it if not);
``/readyz`` whether it can do useful work, meaning the database answers (readiness: send it
traffic only then). Neither reads a session, sets a cookie or is redirected to HTTPS
(``SECURE_REDIRECT_EXEMPT``), so a probe over plain HTTP from inside the network works; both
are ``no-store`` so no cache in between ever answers for the process.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and Django answers; touches no database."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers a ``SELECT 1``; 503 naming the failed check if not.

    The body names the check and the error's class only: this URL is public, and a driver's
    message can carry host names and user names. The full error goes to the log.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("readiness check failed: database unreachable: %s", error)
        return JsonResponse(
            {
                "status": "unavailable",
                "failed": ["database"],
                "checks": {"database": f"unreachable ({type(error).__name__})"},
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "checks": {"database": "ok"}})
