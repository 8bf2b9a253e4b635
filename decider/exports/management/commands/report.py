"""``manage.py report PATH|- --format pdf|html|md|json -o OUT``: one assessment's report.

Reads one answers object like ``manage.py assess`` (same messages and exit statuses) and
writes the printable report (PDF or its HTML), the decision record (Markdown) or the engine's
result (JSON). Nothing touches the database. On invalid input nothing is written.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from decider.assessments.management.commands.assess import (
    InputError,
    parse_items,
    read_source,
    validate_all,
)
from decider.engine import default_engine
from decider.exports import pdf
from decider.exports.decision_record import decision_record

FORMATS = ("pdf", "html", "md", "json")


class Command(BaseCommand):
    help = "Render one assessment's report (pdf, html, md or json) from PATH or - for stdin."
    requires_system_checks = ()  # pure computation: no database, no checks needed

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="a JSON file of one answers object, or - for stdin")
        parser.add_argument("--format", choices=FORMATS, default="pdf")
        parser.add_argument("--paper", choices=sorted(pdf.PAPERS), default="a4")
        parser.add_argument(
            "-o", "--output", required=True, help="the file to write, or - for standard output"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            items, batch = parse_items(read_source(options["path"]))
            if batch:
                raise InputError(["input: report takes one answers object, not an array"])
            answers = validate_all(items, batch)[0]
        except InputError as exc:
            for message in exc.messages:
                self.stderr.write(f"error: {message}")
            sys.exit(exc.status)
        content = self._render(answers, options["format"], options["paper"])
        self._write(content, options["output"])

    def _render(self, answers: dict[str, Any], fmt: str, paper: str) -> str | bytes:
        result = default_engine().assess_valid(answers)
        title = answers.get("use_case") or "Assessment"
        now = timezone.localtime()
        if fmt == "json":
            return json.dumps(result, indent=2, ensure_ascii=False) + "\n"
        if fmt == "md":
            return decision_record(
                title=title,
                answers=answers,
                result=result,
                status="proposed",
                date=now.date(),
                decision_makers=[],
                ruleset_version=result["ruleset"]["version"],
                ruleset_sha256=result["ruleset"]["sha256"],
            )
        context = pdf.report_context(
            title=title,
            use_case=answers.get("use_case") or "",
            team="",
            author="",
            status="Proposed",
            answers=answers,
            result=result,
            assessed_at=now,
            paper=paper,
        )
        if fmt == "html":
            return pdf.render_html(context, standalone=True)
        html = pdf.render_html(context)
        return pdf.render_pdf(
            html,
            title=title,
            author="",
            subject=f"Recommendation: {context['rec_words']}",
            created=datetime.now(tz=now.tzinfo),
        )

    def _write(self, content: str | bytes, output: str) -> None:
        if output == "-":
            if isinstance(content, bytes):
                self.stdout.flush()
                sys.stdout.buffer.write(content)
                sys.stdout.buffer.flush()
            else:
                self.stdout.write(content, ending="")
            return
        try:
            if isinstance(content, bytes):
                with open(output, "wb") as handle:
                    handle.write(content)
            else:
                with open(output, "w", encoding="utf-8") as handle:
                    handle.write(content)
        except OSError as exc:
            raise CommandError(f"{output}: cannot be written: {exc.strerror}") from None
