"""Measure the engine: full assessments per second on one core and single-call latency.

A "full assessment" is what the CLI, the web app and the API do for every request:
validation of the raw answers, scoring, cautions, hybrid split and the complete flips
(sensitivity analysis). Run it with:

    .venv/bin/python bench/engine.py [--count 20000] [--repeat 5]

The input mixes the article's six scenarios with seeded random answer sets, so it covers
every branch, and the figures are reproducible. Everything runs in this one process, so it
uses one core. Record the printed figures in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from decider.engine import default_engine, questions, validate_answers  # noqa: E402


def random_answers(rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in questions().values():
        if rng.random() < 0.15:
            continue  # leave it to the default, as real users do
        if question.kind == "choice":
            answers[question.id] = rng.choice(question.choices)
        elif question.kind == "integer":
            low, high = question.minimum or 0, question.maximum or 0
            if high - low > 1000:
                answers[question.id] = min(high, int(10 ** rng.uniform(0, 10)))
            else:
                answers[question.id] = rng.randint(low, high)
        else:
            answers[question.id] = "benchmark use case"
    return answers


def workload(count: int) -> list[dict[str, Any]]:
    scenarios = json.loads((ROOT / "tests" / "article_scenarios.json").read_text())["scenarios"]
    rng = random.Random(20261128)
    items = [s["answers"] for s in scenarios]
    while len(items) < count:
        items.append(random_answers(rng))
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="assessments per batch run")
    parser.add_argument("--repeat", type=int, default=5, help="batch runs (best is reported)")
    args = parser.parse_args()

    engine = default_engine()
    items = workload(args.count)
    for raw in items[:200]:  # warm caches and the pydantic validator
        engine.assess(raw)

    batch_rates = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        for raw in items:
            engine.assess(raw)
        batch_rates.append(len(items) / (time.perf_counter() - start))

    latencies = []
    for raw in items[:5000]:
        start = time.perf_counter_ns()
        engine.assess(raw)
        latencies.append((time.perf_counter_ns() - start) / 1000)

    valid = [validate_answers(raw) for raw in items[:5000]]
    start = time.perf_counter()
    for raw in items[:5000]:
        validate_answers(raw)
    validate_us = (time.perf_counter() - start) / 5000 * 1e6
    start = time.perf_counter()
    for answers in valid:
        engine.assess_valid(answers)
    score_us = (time.perf_counter() - start) / 5000 * 1e6

    flips = statistics.mean(len(engine.assess(raw)["flips"]) for raw in items[:1000])
    latencies.sort()
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"ruleset: {engine.loaded.ruleset.version} ({len(engine.rules)} rules)")
    print(f"batch: {len(items)} full assessments, best of {args.repeat} runs, one core")
    print(
        f"  throughput:        {max(batch_rates):,.0f} assessments/s "
        f"(median run {statistics.median(batch_rates):,.0f}/s)"
    )
    print("single assessment latency over 5000 calls:")
    print(f"  median:            {statistics.median(latencies):.0f} us")
    print(f"  p95:               {latencies[int(len(latencies) * 0.95)]:.0f} us")
    print(f"  p99:               {latencies[int(len(latencies) * 0.99)]:.0f} us")
    print(
        f"breakdown per assessment: validation {validate_us:.0f} us, "
        f"scoring + flips + result {score_us:.0f} us; {flips:.1f} flips on average"
    )


if __name__ == "__main__":
    main()
