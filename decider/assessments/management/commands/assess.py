"""``manage.py assess PATH|- [--format json|text]``: assess answers from a file or stdin.

Input is one answers object or an array of them (batch). On any invalid input nothing is
printed on standard output: every problem goes to standard error, naming the field (and the
item's index in batch mode), and the exit status is 1 (2 when the file cannot be read).
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from decider.engine import AnswersError, default_engine, validate_answers
from decider.engine.text import render_text

EXIT_INVALID = 1
EXIT_UNREADABLE = 2


class InputError(Exception):
    def __init__(self, messages: list[str], status: int = EXIT_INVALID) -> None:
        self.messages = messages
        self.status = status
        super().__init__("; ".join(messages))


def read_source(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise InputError([f"{path}: cannot be read: {exc.strerror}"], EXIT_UNREADABLE) from None
    except UnicodeDecodeError:
        raise InputError([f"{path}: is not UTF-8 text"], EXIT_UNREADABLE) from None


def parse_items(text: str) -> tuple[list[object], bool]:
    """The answers objects in the input, and whether it was a batch (an array)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            [f"input: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
        ) from None
    except ValueError:  # Python refuses integer literals of more than 4300 digits
        raise InputError(["input: the JSON holds a number too long to read"]) from None
    if isinstance(data, list):
        return data, True
    if isinstance(data, dict):
        return [data], False
    raise InputError(["input: expected an answers object or an array of answers objects"])


def validate_all(items: list[object], batch: bool) -> list[dict[str, Any]]:
    """Validate every item first, so a batch either succeeds whole or reports every error."""
    valid: list[dict[str, Any]] = []
    messages: list[str] = []
    for index, item in enumerate(items):
        try:
            valid.append(validate_answers(item))
        except AnswersError as exc:
            prefix = f"[{index}] " if batch else ""
            messages += [f"{prefix}{error}" for error in exc.errors]
    if messages:
        raise InputError(messages)
    return valid


class Command(BaseCommand):
    help = "Assess answers (a JSON object, or an array for a batch) from PATH or - for stdin."
    requires_system_checks = ()  # pure computation: no database, no checks needed

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="a JSON file of answers, or - for standard input")
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            items, batch = parse_items(read_source(options["path"]))
            answers = validate_all(items, batch)
        except InputError as exc:
            for message in exc.messages:
                self.stderr.write(f"error: {message}")
            sys.exit(exc.status)
        engine = default_engine()
        results = [engine.assess_valid(a) for a in answers]
        if options["format"] == "text":
            blocks = [
                render_text(r, title=f"[{i}] {a['use_case'] or 'assessment'}" if batch else None)
                for i, (a, r) in enumerate(zip(answers, results, strict=True))
            ]
            self.stdout.write("\n\n".join(blocks))
        else:
            payload: object = results if batch else results[0]
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
