"""docs/API.md's walk-through, run as written: its curl commands against a live server.

A newcomer pastes these; if they rot, this fails. The commands run in bash with the two
variables the document tells people to export, and their output is checked against the engine
and the web report.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from decider.accounts.services import create_team, create_user
from decider.api.tokens import create_token
from decider.assessments.models import Assessment
from decider.engine import assess

API_MD = Path(__file__).resolve().parents[2] / "docs" / "API.md"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl"),
]


def walkthrough_blocks() -> list[str]:
    """The shell blocks of the "Five minutes" section, in order."""
    text = API_MD.read_text(encoding="utf-8")
    section = text.split("## Five minutes", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def run(block: str, *, base: str, token: str) -> str:
    # The document's own export lines are replaced by the live server's values.
    script = "\n".join(line for line in block.splitlines() if not line.startswith("export "))
    env = {**os.environ, "DECIDER": base, "DECIDER_TOKEN": token}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def json_values(output: str) -> list[Any]:
    """Every JSON document in the output (curl prints them back to back)."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    at = 0
    text = output.strip()
    while at < len(text):
        value, end = decoder.raw_decode(text, at)
        found.append(value)
        at = end
        while at < len(text) and text[at].isspace():
            at += 1
    return found


def test_the_walkthrough_runs_as_written(live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = create_user(email="newcomer@example.com", password="a long enough password")
    create_team(name="Demo team", owner=user)
    _, token = create_token(user=user, name="my laptop")
    base = f"{live_server.url}/api/v1"
    blocks = walkthrough_blocks()
    assert len(blocks) == 4, "the walk-through changed: update this test with it"

    me = json_values(run(blocks[0], base=base, token=token))[0]
    assert me["user"]["email"] == "newcomer@example.com"
    assert me["via"] == "token"

    result = json_values(run(blocks[1], base=base, token=token))[0]
    body = re.search(r"-d '(\{.*?\})'", blocks[1], flags=re.S)
    assert body is not None
    sent = json.loads(body.group(1))
    assert result == json.loads(json.dumps(assess(sent)))
    assert result["recommendation"] == "hybrid"

    if shutil.which("jq"):
        short = json_values(run(blocks[2], base=base, token=token))[0]
        assert short["recommendation"] == assess({"stage": "prototype"})["recommendation"]
        teams, created = json_values(run(blocks[3], base=base, token=token))
        assert "demo-team" in [team["slug"] for team in teams]
        stored = Assessment.objects.get(id=created["id"])
        assert stored.name == "Order chat"
        assert created["recommendation"] == stored.recommendation
        # The web report the API points to shows the same recommendation.
        client = Client()
        client.force_login(user)
        page = client.get(urlsplit(created["url"]).path)
        assert page.status_code == 200
        assert f'data-recommendation="{created["recommendation"]}"' in page.text
