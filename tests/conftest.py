"""Shared fixtures: the article's scenarios and answer builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).parent


def load_scenarios() -> list[dict[str, Any]]:
    """The six scenarios of the article with their expected recommendation (spec copy)."""
    data = json.loads((TESTS_DIR / "article_scenarios.json").read_text(encoding="utf-8"))
    return list(data["scenarios"])


@pytest.fixture
def scenarios() -> list[dict[str, Any]]:
    return load_scenarios()


@pytest.fixture(autouse=True)
def tasks_and_media(settings: Any, tmp_path: Path) -> None:
    """Tasks run in the process (no worker in tests); generated files go to a temp dir."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
