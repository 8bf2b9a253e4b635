"""Structured logs: a request id on every request and every record, one JSON line per request.

Records go through the same filter and formatter as the production console handler
(``decider.logs``), into a buffer the tests read back line by line.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from decider import logs
from decider.accounts.services import create_user
from decider.middleware import request_id_from
from decider.settings import BASE_DIR
from tests.factories import as_visitor, make_assessment

HEX_ID = re.compile(r"[0-9a-f]{32}")
PASSWORD = "a long enough test password"


class JsonLines:
    def __init__(self, buffer: io.StringIO) -> None:
        self.buffer = buffer

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.buffer.getvalue().splitlines()]

    def requests(self) -> list[dict[str, Any]]:
        return [line for line in self.all() if line["logger"] == "decider.request"]


@pytest.fixture
def json_lines() -> Iterator[JsonLines]:
    """The production console handler's filter and format, writing into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield JsonLines(buffer)
    finally:
        root.removeHandler(handler)


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---------------------------------------------------------------------- request ids


@pytest.mark.parametrize("sane", ["abc", "lb-7f3a.1_x", "A" * 128, "0123456789abcdef"])
def test_request_id_from_keeps_a_sane_incoming_id(sane: str) -> None:
    assert request_id_from(sane) == sane


@pytest.mark.parametrize(
    "odd", [None, "", "A" * 129, "two words", "line\nbreak", 'quote"d', "naïve", "a/b"]
)
def test_request_id_from_replaces_anything_else_with_a_new_id(odd: str | None) -> None:
    assert HEX_ID.fullmatch(request_id_from(odd))


def test_each_response_names_its_request_id(client: Client) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "edge-42"})
    made = client.get("/healthz", headers={"X-Request-ID": "not sane"})
    other = client.get("/healthz")

    assert given["X-Request-ID"] == "edge-42"
    assert HEX_ID.fullmatch(made["X-Request-ID"])
    assert HEX_ID.fullmatch(other["X-Request-ID"])
    assert made["X-Request-ID"] != other["X-Request-ID"]


# ---------------------------------------------------------------------- one line per request


def test_a_request_logs_one_json_line(client: Client, json_lines: JsonLines) -> None:
    response = client.get("/healthz?probe=1")

    (line,) = json_lines.requests()
    assert line["request_id"] == response["X-Request-ID"]
    assert {k: line[k] for k in ("level", "method", "path", "status")} == {
        "level": "INFO",
        "method": "GET",
        "path": "/healthz",
        "status": 200,
    }
    assert line["message"].startswith("GET /healthz 200 ")
    assert isinstance(line["duration_ms"], float)
    assert "user_id" not in line


@pytest.mark.django_db
def test_a_signed_in_request_logs_the_user_id(client: Client, json_lines: JsonLines) -> None:
    user = create_user(email="ada@example.com", password=PASSWORD, name="Ada")
    client.force_login(user)

    client.get("/teams/")

    (line,) = json_lines.requests()
    assert line["user_id"] == str(user.pk)


@pytest.mark.django_db
def test_every_record_of_a_request_carries_its_id(client: Client, json_lines: JsonLines) -> None:
    response = client.get("/a/00000000-0000-0000-0000-000000000000/report/")

    records = json_lines.all()
    assert response.status_code == 404
    # Django's warning about the 404 comes after the middleware has returned, and still has it.
    assert [r["logger"] for r in records] == ["decider.request", "django.request"]
    assert {r["request_id"] for r in records} == {response["X-Request-ID"]}
    assert records[1]["status_code"] == 404  # Django's own extra field, kept as data


@pytest.mark.django_db
def test_secret_tokens_in_urls_stay_out_of_the_logs(client: Client, json_lines: JsonLines) -> None:
    as_visitor(client)
    make_assessment()
    token = "s3cr3t-share-token-value"

    client.get(f"/s/{token}/")
    client.get(f"/invitations/{token}/")

    paths = [line["path"] for line in json_lines.requests()]
    assert paths == ["/s/[secret]/", "/invitations/[secret]/"]
    assert token not in json.dumps(json_lines.all())


def test_the_request_id_does_not_outlive_its_request(client: Client) -> None:
    client.get("/healthz", headers={"X-Request-ID": "finished"})

    assert logs.request_id.get() == logs.NO_REQUEST


# ---------------------------------------------------------------------- the formatter


def test_json_formatter_keeps_a_traceback_inside_one_line() -> None:
    logger = logging.getLogger("decider.test")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logger.makeRecord(
            "decider.test", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info()
        )
    record.task = "render"

    text = logs.JsonFormatter().format(record)

    entry = json.loads(text)
    assert "\n" not in text
    assert entry["message"] == "failed x"
    assert entry["level"] == "ERROR"
    assert entry["request_id"] == logs.NO_REQUEST
    assert entry["task"] == "render"
    assert entry["exception"].splitlines()[-1] == "ValueError: boom"


def test_logging_config_chooses_the_format() -> None:
    as_json = logs.logging_config(json_lines=True, level="INFO")
    plain = logs.logging_config(json_lines=False, level="WARNING")

    assert as_json["formatters"]["default"] == {"()": logs.JsonFormatter}
    assert plain["formatters"]["default"] == {"format": logs.PLAIN_FORMAT}
    assert plain["root"]["level"] == "WARNING"
    assert plain["handlers"]["console"]["filters"] == ["request_id"]
    assert (BASE_DIR / "decider" / "logs.py").read_text().count("import django") == 0
