"""Measure the questionnaire's server side: autosave, step pages, report and what-if.

Runs the real Django stack in-process (middleware, sessions, CSRF-exempt test client,
templates, the database) against a SQLite file database of its own, so the figures include
the SQL writes of every autosave. Run it with:

    .venv/bin/python bench/pages.py [--count 500]

Set DATABASE_URL to measure PostgreSQL instead, e.g.
DATABASE_URL=postgres://postgres@127.0.0.1:5432/decider_bench (the database must exist).
Record the printed figures in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "sqlite:///var/bench-pages.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "decider.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def measure(label: str, count: int, request: Callable[[int], int]) -> None:
    timings = []
    for i in range(count):
        start = time.perf_counter()
        status = request(i)
        timings.append((time.perf_counter() - start) * 1000)
        if status >= 400:
            raise SystemExit(f"{label}: request {i} answered {status}")
    timings.sort()
    print(
        f"  {label:<34} median {statistics.median(timings):6.2f} ms   "
        f"p95 {timings[int(count * 0.95)]:6.2f} ms   p99 {timings[int(count * 0.99)]:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    count = args.count

    call_command("migrate", verbosity=0)
    client = Client()
    client.get("/")
    created = client.post("/assessments/new/")
    base = created["Location"].rsplit("/", 2)[0]  # /a/<id>
    answer_url = f"{base}/answer/"
    htmx = {"HX-Request": "true"}

    # Warm up templates, the engine and the database connection.
    for _ in range(20):
        client.post(answer_url, {"stage": "pilot"}, headers=htmx)
        client.get(f"{base}/report/")

    db = settings.DATABASES["default"]
    print(f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db['NAME']}), {count} requests each")
    stages = ["prototype", "pilot", "production", "core_product"]
    measure(
        "autosave, choice answer",
        count,
        lambda i: client.post(answer_url, {"stage": stages[i % 4]}, headers=htmx).status_code,
    )
    measure(
        "autosave, volume answer",
        count,
        lambda i: (
            client.post(
                answer_url, {"monthly_requests": str(100_000 + i)}, headers=htmx
            ).status_code
        ),
    )
    measure(
        "no-JS step save (9 answers)",
        count,
        lambda i: (
            client.post(
                f"{base}/workload/",
                {
                    "use_case": f"Bench {i}",
                    "stage": stages[i % 4],
                    "task_kind": "document_qa",
                    "capability_need": "strong",
                    "monthly_requests": "250000",
                    "tokens_per_request": "1500",
                    "usage_pattern": "steady",
                    "latency_need": "interactive",
                    "time_to_market": "months",
                    "go": "next",
                },
            ).status_code
        ),
    )
    measure("step page (GET)", count, lambda i: client.get(f"{base}/workload/").status_code)
    measure("review page (GET)", count, lambda i: client.get(f"{base}/review/").status_code)
    measure("report page (GET)", count, lambda i: client.get(f"{base}/report/").status_code)
    measure(
        "what-if update (htmx)",
        count,
        lambda i: (
            client.post(
                f"{base}/report/what-if/", {"skill_infrastructure": "strong"}, headers=htmx
            ).status_code
        ),
    )
    with CaptureQueriesContext(connection) as queries:
        client.post(answer_url, {"stage": "pilot"}, headers=htmx)
    print(f"  queries per autosave: {len(queries)}")


if __name__ == "__main__":
    main()
