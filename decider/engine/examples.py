"""The worked examples that ship with Decider (home page, demo data)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

EXAMPLES_PATH = Path(__file__).with_name("examples.json")


@cache
def examples() -> tuple[dict[str, Any], ...]:
    """Each example: ``slug``, ``name`` and ``answers`` (a valid answers object)."""
    data = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
    return tuple(data["examples"])
