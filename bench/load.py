"""Load test: gunicorn on PostgreSQL, driven by wrk, every figure side by side with a baseline.

Run it through ``bench/load.sh`` (which installs wrk and starts PostgreSQL when needed):

    bench/load.sh                      # every scenario, 20 s each, 32 connections
    bench/load.sh --duration 10 --connections 64
    bench/load.sh --soak 180           # three minutes of autosaves, then check none was lost
    bench/load.sh --repeat 3           # three rounds; medians, each ratio to its own round

It resets its own database (``decider_load`` unless ``DATABASE_URL`` says otherwise), reads
sessions through Redis as the compose stack does (``LOAD_CACHE_URL``; empty for none), seeds one
team with 10,000 assessments, signs a user in (a real session and CSRF token), makes an API
token, starts gunicorn with the production settings and ``gunicorn.conf.py`` on loopback, and
runs wrk against each scenario in turn:

- baseline: ``/healthz``, the barest view through the whole middleware stack;
- autosave: one answer saved (htmx POST), rotating over 200 assessments and two values, so
  every request is a real change with its row lock, revision and render task;
- report: an assessment's report page;
- list: the team's list, first page, 10,000 assessments;
- compare: two assessments side by side;
- api-assess: ``POST /api/v1/assess`` with a token, counted by the rate limiter as in
  production (in Redis), under a limit too high to refuse anything.

For each it prints requests per second, latency percentiles, errors, and the throughput as a
ratio of the baseline's, then checks the goals. ``--soak`` runs autosaves for that many seconds
and then compares what the server acknowledged (2xx responses) with what the database holds:
every acknowledged save has raised an assessment's revision by one, so the sum of the revision
increases must be at least the number of acknowledgements.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import runpy
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LUA = ROOT / "bench" / "wrk" / "scenario.lua"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/decider_load"
DEFAULT_CACHE = "redis://127.0.0.1:6379/14"  # the session cache, as deployed (docker-compose)
PORT = int(os.environ.get("LOAD_PORT", "8765"))
AUTOSAVE_SPREAD = 200  # assessments the autosaves rotate over

# Goals from the issue: throughput as a share of the baseline's, p99 and errors.
GOALS = {
    "autosave": 0.50,
    "api-assess": 0.50,
    "report": 0.25,
    "list": 0.25,
    "compare": 0.25,
}
P99_GOAL_MS = 100.0


@dataclass
class Scenario:
    name: str
    method: str
    paths: list[str]
    bodies: list[str]
    headers: list[str]


@dataclass
class Figures:
    name: str
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int
    requests: int
    acked: int


# ---------------------------------------------------------------------- seeding (in a child)


SEED = r"""
import json, os, random, sys
sys.path.insert(0, "bench")
import django
django.setup()
from django.core.management import call_command
from django.middleware.csrf import _get_new_csrf_string
from django.db import connection
call_command("migrate", verbosity=0)
import teams
from decider.api.tokens import create_token
from decider.accounts.models import User
total = int(os.environ["LOAD_ASSESSMENTS"])
client, slug, ids = teams.seed(total)
from decider.assessments.models import Assessment
all_ids = [str(i) for i in Assessment.objects.order_by("name").values_list("id", flat=True)]
user = User.objects.get(email="bench@decider.test")
_, token = create_token(user=user, name="load test", expiry="never")
print(json.dumps({
    "session": client.cookies["sessionid"].value,
    "csrf": _get_new_csrf_string(),
    "slug": slug,
    "ids": all_ids[:{spread}],
    "token": token,
}))
""".replace("{spread}", str(AUTOSAVE_SPREAD))


def app_env(database_url: str) -> dict[str, str]:
    """The production settings, on plain HTTP over loopback."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_CACHE_URL": os.environ.get("LOAD_CACHE_URL", DEFAULT_CACHE),
        "DJANGO_CACHE_PREFIX": "decider-load",
        "DJANGO_SETTINGS_MODULE": "decider.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "load-test-only-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(ROOT / "var" / "load-static"),
        "DJANGO_LOG_LEVEL": "WARNING",
        # Counted as in production, never refused: the run measures the work, not the limit.
        "DECIDER_API_RATE_ASSESS": "1000000000/60",
        "DECIDER_API_RATE_WRITE": "1000000000/60",
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "PYTHONPATH": str(ROOT),
    }


def reset_database(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)


def seed(env: dict[str, str], assessments: int) -> dict[str, object]:
    done = subprocess.run(
        [PYTHON, "-c", SEED],
        env={**env, "LOAD_ASSESSMENTS": str(assessments), "DJANGO_DEBUG": "1"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"seeding failed:\n{done.stderr}")
    seeded: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return seeded


# ---------------------------------------------------------------------- server and wrk


def static_files_current(env: dict[str, str]) -> bool:
    """Whether the collected, compressed static files are newer than every source file
    (collecting compresses each file with gzip and brotli: about a minute here)."""
    manifest = Path(env["DJANGO_STATIC_ROOT"]) / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    return all(f.stat().st_mtime < built for f in (ROOT / "static").rglob("*") if f.is_file())


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    if not static_files_current(env):
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env,
            cwd=ROOT,
            check=True,
        )
    log = (ROOT / "var" / "load-gunicorn.log").open("wb")
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "decider.wsgi:application"],
        env={**env, "GUNICORN_ACCESSLOG": ""},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 30 s; see var/load-gunicorn.log")


def run_wrk(scenario: Scenario, *, duration: int, connections: int, threads: int) -> Figures:
    env = {
        **os.environ,
        "WRK_METHOD": scenario.method,
        "WRK_PATHS": "\n".join(scenario.paths),
        "WRK_BODIES": "\n".join(scenario.bodies),
        "WRK_HEADERS": "\n".join(scenario.headers),
    }
    done = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{PORT}{scenario.paths[0]}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed on {scenario.name}:\n{done.stdout}\n{done.stderr}")
    line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("{"))
    data = json.loads(line)
    errors = data["errors"]
    failed = (
        errors["connect"] + errors["read"] + errors["write"] + errors["timeout"] + data["refused"]
    )
    return Figures(
        name=scenario.name,
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["latency_us"]["p50"] / 1000,
        p90_ms=data["latency_us"]["p90"] / 1000,
        p99_ms=data["latency_us"]["p99"] / 1000,
        errors=failed,
        requests=data["requests"],
        acked=data["acked"],
    )


def scenarios(seeded: dict[str, object]) -> list[Scenario]:
    ids = list(seeded["ids"])  # type: ignore[call-overload]
    cookie = f"Cookie: sessionid={seeded['session']}; csrftoken={seeded['csrf']}"
    htmx = ["HX-Request: true", f"X-CSRFToken: {seeded['csrf']}"]
    form = "Content-Type: application/x-www-form-urlencoded"
    api_body = json.dumps({"stage": "production", "monthly_requests": 2_000_000})
    return [
        Scenario("baseline", "GET", ["/healthz"], [], []),
        Scenario(
            "autosave",
            "POST",
            [f"/a/{i}/answer/" for i in ids],
            ["stage=pilot", "stage=production"],
            [cookie, form, *htmx, f"Referer: http://127.0.0.1:{PORT}/"],
        ),
        Scenario("report", "GET", [f"/a/{i}/report/" for i in ids[:50]], [], [cookie]),
        Scenario("list", "GET", [f"/teams/{seeded['slug']}/assessments/"], [], [cookie]),
        Scenario(
            "compare",
            "GET",
            [f"/compare/?a={ids[i]}&a={ids[i + 1]}" for i in range(0, 40, 2)],
            [],
            [cookie],
        ),
        Scenario(
            "api-assess",
            "POST",
            ["/api/v1/assess"],
            [api_body],
            [f"Authorization: Bearer {seeded['token']}", "Content-Type: application/json"],
        ),
    ]


# ---------------------------------------------------------------------- reporting


def revision_total(env: dict[str, str], ids: list[str]) -> int:
    script = (
        "import django, json, sys; django.setup();"
        "from django.db.models import Sum;"
        "from decider.assessments.models import Assessment;"
        "ids = json.loads(sys.stdin.read());"
        "print(Assessment.objects.filter(id__in=ids).aggregate(s=Sum('revision'))['s'])"
    )
    done = subprocess.run(
        [PYTHON, "-c", script],
        input=json.dumps(ids),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip())


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores, {cpu}, {system}, Python {platform.python_version()}"


def median_of(rounds: list[list[Figures]]) -> list[tuple[Figures, float, str]]:
    """Per scenario, over the rounds: the median figures, the median ratio to that round's own
    baseline, and the range of req/s (a shared machine changes from minute to minute)."""
    out = []
    for index, first in enumerate(rounds[0]):
        runs = [r[index] for r in rounds]
        ratios = [r[index].rps / r[0].rps if r[0].rps else 0.0 for r in rounds]
        middle = Figures(
            name=first.name,
            rps=statistics.median(f.rps for f in runs),
            p50_ms=statistics.median(f.p50_ms for f in runs),
            p90_ms=statistics.median(f.p90_ms for f in runs),
            p99_ms=statistics.median(f.p99_ms for f in runs),
            errors=sum(f.errors for f in runs),
            requests=sum(f.requests for f in runs),
            acked=sum(f.acked for f in runs),
        )
        spread = f"{min(f.rps for f in runs):.0f}-{max(f.rps for f in runs):.0f}"
        out.append((middle, statistics.median(ratios), spread))
    return out


def report(rounds: list[list[Figures]], connections: int) -> bool:
    several = len(rounds) > 1
    print(
        f"\n{'scenario':<11} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p90 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6}  {'req/s range  ' if several else ''}goal"
    )
    ok = True
    for f, ratio, spread in median_of(rounds):
        goal = GOALS.get(f.name)
        verdicts = []
        if goal is not None:
            verdicts.append(f"ratio >= {goal:.2f} {'ok' if ratio >= goal else 'MISSED'}")
            ok &= ratio >= goal
        verdicts.append(f"p99 < {P99_GOAL_MS:.0f} {'ok' if f.p99_ms < P99_GOAL_MS else 'MISSED'}")
        verdicts.append(f"errors {'ok' if f.errors == 0 else 'MISSED'}")
        ok &= f.p99_ms < P99_GOAL_MS and f.errors == 0
        print(
            f"{f.name:<11} {f.rps:8.0f} {ratio:6.2f} {f.p50_ms:7.1f} {f.p90_ms:7.1f} "
            f"{f.p99_ms:7.1f} {f.errors:6d}  {f'{spread:<11}  ' if several else ''}"
            f"{'; '.join(verdicts)}"
        )
    medians = (
        f"medians of {len(rounds)} rounds, each ratio to its round's baseline; " if several else ""
    )
    print(f"\n{medians}{connections} connections; {'all goals met' if ok else 'SOME GOALS MISSED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument("--soak", type=int, default=0, help="seconds of autosaves, then check")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of every scenario; report the medians"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run bench/load.sh, which installs it")

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    env = app_env(database_url)
    print(f"machine: {machine()}")
    print(f"database: {database_url.rsplit('@', 1)[-1]}; seeding {args.assessments} assessments")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))  # as gunicorn will read it
    print(
        f"server: gunicorn, {conf['workers']} processes x {conf['threads']} threads; "
        f"sessions cached in {env['DJANGO_CACHE_URL'] or 'nothing (database only)'}"
    )
    reset_database(database_url)
    seeded = seed(env, args.assessments)
    # Write the bulk load's dirty pages now, so a checkpoint does not land in a measurement.
    subprocess.run(
        ["psql", database_url, "-q", "-c", "CHECKPOINT"], check=True, capture_output=True
    )
    server = start_server(env)
    try:
        chosen = scenarios(seeded)
        if args.soak:
            soak(env, chosen[1], seeded, args)
            return
        wanted = set(filter(None, args.only.split(","))) | {"baseline"}
        rounds: list[list[Figures]] = []
        for number in range(1, args.repeat + 1):
            figures = []
            for scenario in chosen:
                if args.only and scenario.name not in wanted:
                    continue
                label = f" (round {number} of {args.repeat})" if args.repeat > 1 else ""
                print(f"  {scenario.name}: {args.duration} s{label} ...", flush=True)
                figures.append(
                    run_wrk(
                        scenario,
                        duration=args.duration,
                        connections=args.connections,
                        threads=args.threads,
                    )
                )
            rounds.append(figures)
        ok = report(rounds, args.connections)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    sys.exit(0 if ok else 1)


def soak(
    env: dict[str, str], autosave: Scenario, seeded: dict[str, object], args: argparse.Namespace
) -> None:
    ids = list(seeded["ids"])  # type: ignore[call-overload]
    before = revision_total(env, ids)
    print(f"  soak: autosaves for {args.soak} s over {len(ids)} assessments ...", flush=True)
    figures = run_wrk(
        autosave, duration=args.soak, connections=args.connections, threads=args.threads
    )
    time.sleep(1)  # let requests still in flight when wrk stopped finish
    after = revision_total(env, ids)
    saved = after - before
    print(
        f"\nsoak: {figures.requests} requests, {figures.acked} acknowledged, "
        f"{figures.errors} errors, {figures.rps:.0f} req/s, p99 {figures.p99_ms:.1f} ms"
    )
    print(f"soak: revisions raised in the database: {saved}")
    if saved < figures.acked:
        raise SystemExit(f"LOST: {figures.acked - saved} acknowledged autosaves are not stored")
    print("soak: nothing lost (every acknowledged autosave is in the database)")
    if figures.errors:
        raise SystemExit(f"soak: {figures.errors} requests failed")


if __name__ == "__main__":
    main()
