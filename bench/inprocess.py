"""Where a request's time goes: the load test's scenarios, in-process, one at a time.

The load test (bench/load.sh) says how fast each scenario is under concurrency; this says why.
It runs against the load test's database (seeded by bench/load.sh, left in place afterwards),
with the production settings, calling the WSGI application directly, as gunicorn does, without
HTTP or threads in the way:

    .venv/bin/python bench/inprocess.py                  # every scenario, 300 requests each
    .venv/bin/python bench/inprocess.py --only autosave --cprofile 25
    PROFILE_SORT=cumulative .venv/bin/python bench/inprocess.py --only report --cprofile 60

For each scenario it prints the mean and median milliseconds per request, the queries per
request and the share of the time spent inside the database driver (the rest is Python:
middleware, ORM, views, templates). ``--cprofile N`` adds each scenario's N costliest functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import DEFAULT_DB, app_env  # noqa: E402


def setup() -> None:
    env = app_env(os.environ.get("DATABASE_URL", DEFAULT_DB))
    for name in ("DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_DEBUG"):
        os.environ[name] = env[name]
    for name, value in env.items():
        if name.startswith(("DJANGO_", "DECIDER_", "GUNICORN_")):
            os.environ[name] = value
    os.environ["DATABASE_POOL"] = os.environ.get("DATABASE_POOL", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "decider.settings"
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--only", default="")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    setup()

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.middleware.csrf import _get_new_csrf_string

    from decider.accounts.models import User
    from decider.api.tokens import create_token
    from decider.assessments.models import Assessment

    user = User.objects.get(email="bench@decider.test")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "decider.accounts.backends.AccountBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf = _get_new_csrf_string()
    _, token = create_token(user=user, name="profile", expiry="never")
    team = Assessment.objects.filter(team__isnull=False).values_list("team__slug", flat=True)[0]
    ids = [str(i) for i in Assessment.objects.order_by("name").values_list("id", flat=True)[:200]]
    cookie = f"sessionid={session.session_key}; csrftoken={csrf}"
    app = WSGIHandler()

    def call(
        method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> int:
        query = ""
        if "?" in path:
            path, query = path.split("?", 1)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8765",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8765",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            **(headers or {}),
        }
        status: list[str] = []

        def start_response(line: str, _headers: Any, *_exc: Any) -> Callable[[bytes], object]:
            status.append(line)
            return lambda _data: None

        response = app(environ, start_response)
        for _ in response:
            pass
        getattr(response, "close", lambda: None)()
        return int(status[0].split()[0])

    signed_in = {"HTTP_COOKIE": cookie}
    htmx = {
        **signed_in,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "HTTP_HX_REQUEST": "true",
        "HTTP_X_CSRFTOKEN": csrf,
        "HTTP_REFERER": "http://127.0.0.1:8765/",
    }
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}", "CONTENT_TYPE": "application/json"}
    api_body = json.dumps({"stage": "production", "monthly_requests": 2_000_000}).encode()
    counter = iter(range(10**9))

    def autosave() -> int:
        n = next(counter)
        value = b"stage=pilot" if n % 2 else b"stage=production"
        return call("POST", f"/a/{ids[n % len(ids)]}/answer/", value, htmx)

    scenarios: dict[str, Callable[[], int]] = {
        "baseline": lambda: call("GET", "/healthz"),
        "autosave": autosave,
        "report": lambda: call("GET", f"/a/{ids[next(counter) % 50]}/report/", b"", signed_in),
        "list": lambda: call("GET", f"/teams/{team}/assessments/", b"", signed_in),
        "compare": lambda: call(
            "GET",
            f"/compare/?a={ids[(n := next(counter) % 20 * 2)]}&a={ids[n + 1]}",
            b"",
            signed_in,
        ),
        "api-assess": lambda: call("POST", "/api/v1/assess", api_body, api),
    }
    wanted = set(filter(None, args.only.split(",")))

    db_time = [0.0]
    queries = [0]

    def timed(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, ctx)
        finally:
            db_time[0] += time.perf_counter() - start
            queries[0] += 1

    print(f"{'scenario':<12} {'mean ms':>8} {'p50 ms':>8} {'queries':>8} {'in driver':>10}")
    for name, scenario in scenarios.items():
        if wanted and name not in wanted:
            continue
        for _ in range(30):  # warm: imports, template loading, caches
            status = scenario()
        if status >= 400:
            raise SystemExit(f"{name} answered {status}")
        db_time[0], queries[0] = 0.0, 0
        samples = []
        with connection.execute_wrapper(timed):
            for _ in range(args.requests):
                start = time.perf_counter()
                scenario()
                samples.append(time.perf_counter() - start)
        total = sum(samples)
        print(
            f"{name:<12} {total / len(samples) * 1000:>8.2f} "
            f"{statistics.median(samples) * 1000:>8.2f} {queries[0] / len(samples):>8.1f} "
            f"{db_time[0] / total:>9.0%}"
        )
        if args.cprofile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.requests):
                scenario()
            profile.disable()
            out = io.StringIO()
            order = os.environ.get("PROFILE_SORT", "tottime")
            stats = pstats.Stats(profile, stream=out).sort_stats(order)
            stats.print_stats(args.cprofile)
            print(out.getvalue())
    session.delete()


if __name__ == "__main__":
    main()
