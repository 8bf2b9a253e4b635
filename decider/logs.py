"""Structured logs: one JSON object per line in production, the request id on every record.

The request id lives in a context variable, set by ``RequestIdMiddleware`` until the request is
finished; ``RequestIdFilter`` copies it onto every record a handler sees, whichever logger made
it (ours, Django's, WeasyPrint's), so the lines of one request can be found together. Outside
a request (the task worker, management commands) the id is ``-``.

URLs can hold credentials (share links, invitations, password resets). The middleware names the
current request's in another context variable, and the filter replaces them in every message:
the logs, like the database (which keeps only hashes), hold no working link.

Standard library only: gunicorn's configuration imports this module before Django is set up.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

NO_REQUEST = "-"

REDACTED = "[secret]"

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NO_REQUEST)
url_secrets: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "url_secrets", default=()
)


def redact(text: str) -> str:
    """``text`` without the current request's URL secrets."""
    for secret in url_secrets.get():
        text = text.replace(secret, REDACTED)
    return text


# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is data
# worth keeping as a field of its own.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))
) | {"message", "asctime", "request_id"}
# Extras that are objects, not data: Django's request logger attaches the whole request.
_DROPPED_EXTRAS = frozenset({"request"})


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request's id (``-`` outside a request) and takes the
    request's URL secrets out of its message.

    Installed on handlers rather than loggers: a handler's filters see every record that
    reaches it, including those propagated from other loggers.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        if url_secrets.get():
            record.msg, record.args = redact(record.getMessage()), None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id and any extras.

    Log collectors (Loki, CloudWatch, journald exporters) parse this without configuration;
    a multi-line traceback stays inside one line's ``exception`` field.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and key not in _DROPPED_EXTRAS:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(*, json_lines: bool, level: str) -> dict[str, Any]:
    """The LOGGING setting: everything through one console handler on the root logger."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if json_lines else {"format": PLAIN_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default configuration gives its loggers a console handler of their own
            # (in development) and mail_admins; clearing them sends every record through ours,
            # once, in our format.
            "django": {"handlers": [], "level": level},
            # WeasyPrint logs every rendering step at INFO; keep its warnings (a refused URL).
            "weasyprint.progress": {"level": "WARNING"},
        },
    }
