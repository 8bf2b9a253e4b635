"""Measure the team pages with 10,000 assessments: list (plain, searched, filtered, deep page),
comparison and history.

Seeds its own database (SQLite file by default) with one team of 10,000 assessments made from
seeded random answers, each with its first revision, then times requests through the real
Django stack (sessions, auth, middleware, templates, SQL). Run it with:

    .venv/bin/python bench/teams.py [--assessments 10000] [--count 100]

DATABASE_URL selects another database (it must exist and is reset), for example
DATABASE_URL=postgres://postgres@127.0.0.1:5432/decider_bench. Record the figures in
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DATABASE_URL", "sqlite:///var/bench-teams.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "decider.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from engine import random_answers  # noqa: E402

from decider.accounts import services as accounts  # noqa: E402
from decider.assessments.models import Assessment, Revision  # noqa: E402
from decider.engine import default_engine, validate_answers  # noqa: E402


def seed(total: int) -> tuple[Client, str, list[str]]:
    call_command("flush", interactive=False, verbosity=0)
    owner = accounts.create_user(email="bench@decider.test", password="bench-password-123")
    team = accounts.create_team(name="Bench team", owner=owner)
    engine = default_engine()
    rng = random.Random(10_000)
    rows = []
    for i in range(total):
        answers = validate_answers({**random_answers(rng), "use_case": f"Feature number {i}"})
        result = engine.assess_valid(answers)
        rows.append(
            Assessment(
                visitor="bench",
                team=team,
                author=owner,
                name=f"Assessment {i:05d}",
                search_text=f"Assessment {i:05d}\nFeature number {i}".casefold(),
                stage=answers["stage"],
                answers=answers,
                answered=list(answers),
                current_step="review",
                ruleset_version=result["ruleset"]["version"],
                recommendation=result["recommendation"],
                confidence=result["confidence"],
            )
        )
    with transaction.atomic():
        Assessment.objects.bulk_create(rows, batch_size=500)
        Revision.objects.bulk_create(
            [
                Revision(
                    assessment=a,
                    number=1,
                    answers=a.answers,
                    ruleset_version=a.ruleset_version,
                    recommendation=a.recommendation,
                    confidence=a.confidence,
                    author=owner,
                )
                for a in rows
            ],
            batch_size=500,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum would do after a bulk load
    client = Client()
    client.force_login(owner)
    ids = [str(a.id) for a in rows[:4]]
    return client, team.slug, ids


def measure(label: str, count: int, request: Callable[[], int]) -> None:
    request()  # warm up
    reset_queries()  # Django resets the log per request; start from empty so counts are right
    with CaptureQueriesContext(connection) as queries:
        request()
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        status = request()
        timings.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise SystemExit(f"{label}: answered {status}")
    timings.sort()
    print(
        f"  {label:<40} median {statistics.median(timings):7.2f} ms   "
        f"p95 {timings[int(count * 0.95)]:7.2f} ms   {len(queries)} queries"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    client, slug, ids = seed(args.assessments)
    db = settings.DATABASES["default"]
    print(
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]}; seeded {args.assessments} assessments "
        f"in {time.perf_counter() - start:.1f} s; {args.count} requests each"
    )
    base = f"/teams/{slug}/assessments/"
    count = args.count
    measure("list, first page", count, lambda: client.get(base).status_code)
    measure("list, page 250", count, lambda: client.get(f"{base}?page=250").status_code)
    measure(
        "list, search 'number 4242'", count, lambda: client.get(f"{base}?q=number+4242").status_code
    )
    measure(
        "list, hybrid + production, by confidence",
        count,
        lambda: (
            client.get(f"{base}?recommendation=hybrid&stage=production&sort=confidence").status_code
        ),
    )
    measure("compare 2", count, lambda: client.get(f"/compare/?a={ids[0]}&a={ids[1]}").status_code)
    measure(
        "compare 4",
        count,
        lambda: client.get("/compare/?" + "&".join(f"a={i}" for i in ids)).status_code,
    )
    measure("history", count, lambda: client.get(f"/a/{ids[0]}/history/").status_code)


if __name__ == "__main__":
    main()
