"""Every API error in one JSON shape (``schemas.ErrorBody``), each bad field named.

Bad input never reaches Django's 500 page: request parsing, the engine's answer checks, access
refusals, conflicts, rate limits and oversized bodies all map to a 4xx with this body. Only a
real bug gives 500, still in the same shape, and is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from decider.engine import AnswersError, questions
from decider.engine.answers import field_error

from .ratelimit import RateLimited

logger = logging.getLogger("decider.api")

CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}


class ApiError(Exception):
    """An error with a status, a message and optionally the fields at fault."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: Sequence[tuple[str, str]] = (),
        *,
        code: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.errors = list(errors)
        self.code = code or CODES.get(status, "error")
        self.extra = extra or {}
        super().__init__(message)


def body(
    status: int, message: str, errors: Sequence[tuple[str, str]] = (), code: str = ""
) -> dict[str, Any]:
    return {
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": message,
        "errors": [{"field": field, "message": text} for field, text in errors],
    }


def _field(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _answers_context(parent: list[Any], request: HttpRequest) -> bool:
    """Whether the object at ``parent`` is an answers object, so its errors get the engine's
    wording: the body of /assess, each of a batch's ``items``, or an ``answers`` field."""
    if not parent:
        return request.path.endswith("/assess")
    if parent[-1] == "answers":
        return True
    return len(parent) == 2 and parent[0] == "items" and isinstance(parent[1], int)


def validation_problems(raw: list[dict[str, Any]], request: HttpRequest) -> list[tuple[str, str]]:
    """ninja's (pydantic's) errors as (field, message), answers in the engine's own words."""
    known = questions()
    problems: list[tuple[str, str]] = []
    for error in raw:
        loc = list(error.get("loc", ()))
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            where = loc.pop(0)
            # The body's parameter name ("payload") means nothing to callers; drop it.
            if where == "body" and loc and loc[0] == "payload":
                loc.pop(0)
            if where == "query" and loc and loc[0] in ("filters", "query"):
                loc.pop(0)
        if (
            loc
            and _answers_context(loc[:-1], request)
            and isinstance(loc[-1], str)
            and (loc[-1] in known or error.get("type") == "extra_forbidden")
        ):
            fixed = field_error({**error, "loc": (loc[-1],)})
            problems.append((_field([*loc[:-1], fixed.field]), fixed.message))
            continue
        message = str(error.get("msg", "is not valid"))
        problems.append((_field(loc) or "body", message))
    return problems


def _respond(
    api: NinjaAPI, request: HttpRequest, status: int, payload: dict[str, Any]
) -> HttpResponse:
    response = api.create_response(request, payload, status=status)
    response["Cache-Control"] = "no-store"
    return response


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api`` (replacing ninja's defaults)."""

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        problems = validation_problems(list(exc.errors), request)
        return _respond(
            api, request, 422, body(422, "The request has invalid fields; see errors.", problems)
        )

    def on_answers(request: HttpRequest, exc: Any) -> HttpResponse:
        problems = [(f"answers.{e.field}" if e.field else "answers", e.message) for e in exc.errors]
        return _respond(
            api, request, 422, body(422, "The answers do not fit the questionnaire.", problems)
        )

    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        payload = {**body(exc.status, exc.message, exc.errors, exc.code), **exc.extra}
        return _respond(api, request, exc.status, payload)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc.__cause__, ApiError):  # ninja wraps the parser's errors in a 400
            return on_api_error(request, exc.__cause__)
        status = exc.status_code
        response = _respond(api, request, status, body(status, str(exc) or CODES[status]))
        if isinstance(exc, AuthenticationError):
            response["WWW-Authenticate"] = 'Bearer realm="decider"'
        return response

    def on_unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        message = (
            "Sign in first: send a personal API token as 'Authorization: Bearer <token>' "
            "(make one on the API tokens page of the web app). Tokens that are revoked or "
            "expired are refused."
        )
        response = _respond(api, request, 401, body(401, message))
        response["WWW-Authenticate"] = 'Bearer realm="decider"'
        return response

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc) if str(exc) else "Not found."
        return _respond(api, request, 404, body(404, message))

    def on_forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc) or "You may not do this."
        return _respond(api, request, 403, body(403, message))

    def on_rate_limited(request: HttpRequest, exc: Any) -> HttpResponse:
        message = (
            f"Too many requests: at most {exc.limit} {exc.kind} requests per {exc.seconds} "
            f"seconds. Try again in {exc.retry_after} seconds."
        )
        response = _respond(api, request, 429, body(429, message))
        response["Retry-After"] = str(exc.retry_after)
        return response

    def on_too_big(request: HttpRequest, exc: Any) -> HttpResponse:
        return _respond(api, request, 413, body(413, str(exc) or "The request body is too large."))

    def on_bug(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return _respond(
            api, request, 500, body(500, "Something went wrong on our side; it has been logged.")
        )

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AnswersError, on_answers)
    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_forbidden)
    api.add_exception_handler(RateLimited, on_rate_limited)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(Exception, partial(on_bug))
