"""Reading the engine's TOML data files, with errors that name the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: Path, error: type[ValueError]) -> tuple[bytes, dict[str, Any]]:
    """The file's bytes (for fingerprints) and its parsed content; ``error`` names the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        return raw, tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
