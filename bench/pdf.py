"""Measure the PDF report: a cold render, warm renders and the cached download.

Renders the article's support-chatbot scenario (the longest standard report: a hybrid with a
split) from answers to HTML to PDF with WeasyPrint, exactly as the download view does:

    .venv/bin/python bench/pdf.py [--count 10] [--downloads 50]

The cached download goes through the Django test client and the real view (middleware,
session, access check, cache read) against a SQLite bench database of its own, with one
assessment of the same answers saved (which renders and caches its PDFs).

Record the figures in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "sqlite:///var/bench-pdf.sqlite3")
os.environ.setdefault("DJANGO_MEDIA_ROOT", str(ROOT / "var" / "bench-media"))
os.environ.setdefault("DJANGO_TASKS_IMMEDIATE", "1")  # the save renders and caches the PDFs
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "decider.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from decider.assessments.services import VISITOR_KEY, start_assessment  # noqa: E402
from decider.engine import assess, validate_answers  # noqa: E402
from decider.exports.pdf import render_html, render_pdf, report_context  # noqa: E402


def bench_context(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The print context of the standard report, as the download view builds it."""
    return report_context(
        title="Customer support chatbot",
        use_case=str(answers["use_case"]),
        team="Bench team",
        author="Bench",
        status="Proposed",
        answers=answers,
        result=assess(answers),
        assessed_at=datetime.now(UTC),
        paper="a4",
    )


def render_once(answers: Mapping[str, Any]) -> bytes:
    return render_pdf(
        render_html(bench_context(answers)),
        title="Customer support chatbot",
        author="Bench",
        subject="Decider report",
        created=datetime.now(UTC),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--downloads", type=int, default=50)
    parser.add_argument("--chromium", type=int, default=3, help="runs of the reference (0: skip)")
    args = parser.parse_args()
    scenarios = json.loads((ROOT / "tests" / "article_scenarios.json").read_text())
    answers = validate_answers(scenarios["scenarios"][2]["answers"])

    start = time.perf_counter()
    pdf = render_once(answers)
    cold = (time.perf_counter() - start) * 1000
    warm = []
    for _ in range(args.count):
        start = time.perf_counter()
        render_once(answers)
        warm.append((time.perf_counter() - start) * 1000)
    warm.sort()
    print(f"PDF of the chatbot report: {len(pdf) / 1024:.0f} KiB")
    print(f"  cold render (first in process, includes stylesheet parse): {cold:7.0f} ms")
    print(
        f"  warm renders, {args.count}: median {statistics.median(warm):5.0f} ms, "
        f"min {warm[0]:5.0f} ms, max {warm[-1]:5.0f} ms"
    )
    measure_cached_download(answers, args.downloads)
    measure_chromium(answers, args.chromium)


def measure_chromium(answers: Mapping[str, Any], count: int) -> None:
    """Chromium's print-to-PDF of the same HTML (stylesheet inlined), as a reference only:
    each run starts a headless browser, which is how it would be used from Python."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists() or count == 0:
        print("  Chromium print-to-PDF: skipped (no /usr/bin/chromium)")
        return
    context = bench_context(answers)
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        page.write_text(render_html(context, standalone=True), encoding="utf-8")
        out = Path(folder) / "report.pdf"
        timings = []
        for _ in range(count):
            start = time.perf_counter()
            subprocess.run(
                [
                    chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    f"--user-data-dir={folder}/profile",
                    "--no-pdf-header-footer",
                    f"--print-to-pdf={out}",
                    page.as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        print(
            f"  Chromium print-to-PDF, {count} runs (browser start included): median "
            f"{statistics.median(timings):5.0f} ms, {out.stat().st_size / 1024:.0f} KiB"
        )


def measure_cached_download(answers: Mapping[str, Any], count: int) -> None:
    call_command("migrate", verbosity=0)
    assessment = start_assessment(visitor="bench", answers=dict(answers), name="Chatbot")
    client = Client()
    session = client.session
    session[VISITOR_KEY] = "bench"
    session.save()
    url = f"/a/{assessment.id}/export/report.pdf?paper=a4"
    for _ in range(5):  # warm up the connection, the session and the template hash
        client.get(url)
    timings = []
    for i in range(count):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200 or response["X-Decider-PDF"] != "hit":
            raise SystemExit(
                f"download {i}: {response.status_code} {response.get('X-Decider-PDF')}"
            )
    timings.sort()
    print(
        f"  cached download (view, {count}): median {statistics.median(timings):6.2f} ms, "
        f"p95 {timings[int(count * 0.95)]:6.2f} ms, max {timings[-1]:6.2f} ms"
    )


if __name__ == "__main__":
    main()
