"""Refuse oversized API request bodies before anything reads them (413, in the API's shape),
and give the refusals made outside the API's views (an unknown path, a method a route does not
take) the API's error shape too."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .errors import body

API_PREFIX = "/api/"


class ApiBodyLimitMiddleware:
    """A body larger than ``DECIDER_API_MAX_BODY_BYTES`` gets 413 by its declared length.

    django-ninja turns any failure while parsing a body into 400, so the size has to be
    checked before the view runs. Bodies without a declared length are capped by Django's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` when read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            declared = str(request.META.get("CONTENT_LENGTH") or "0")
            limit = settings.DECIDER_API_MAX_BODY_BYTES
            if not declared.isdigit() or int(declared) > limit:
                message = f"The request body is larger than the limit of {limit} bytes."
                response = HttpResponse(
                    json.dumps(body(413, message, [("body", f"at most {limit} bytes")])),
                    status=413,
                    content_type="application/json",
                )
                response["Cache-Control"] = "no-store"
                return response
            return in_api_shape(request, self.get_response(request))
        return self.get_response(request)


def in_api_shape(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Django's 404 page for a path no route matches, and ninja's plain-text 405, as API errors:
    a client reads every error the same way."""
    if response.status_code not in (404, 405) or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return response
    if response.status_code == 404:
        message = "No such API route; the routes are listed at /api/v1/docs."
    else:
        message = f"{request.method} is not allowed here; allowed: {response.get('Allow', '')}."
    shaped = HttpResponse(
        json.dumps(body(response.status_code, message)),
        status=response.status_code,
        content_type="application/json",
    )
    if "Allow" in response:
        shaped["Allow"] = response["Allow"]
    shaped["Cache-Control"] = "no-store"
    return shaped
