"""The production configuration, as deployed: settings from the environment only, static files
collected, gunicorn serving, the worker logging.

Everything runs in subprocesses with the documented production environment (README,
"Configuration"): ``DJANGO_DEBUG=0``, a long secret key, allowed hosts, secure cookies, the
HTTPS redirect behind a TLS proxy. The site is set up once (collectstatic, migrate, an admin
account on a SQLite file); gunicorn serves it with ``gunicorn.conf.py`` and requests name the
site's host and, for HTTPS, the proxy's ``X-Forwarded-Proto``.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import brotli  # type: ignore[import-untyped]
import pytest

from tests.conftest import REDIS_URL, redis_or_skip

ROOT = Path(__file__).resolve().parent.parent
HOST = "decider.example"
ADMIN_EMAIL = "admin@decider.example"
ADMIN_PASSWORD = "a long admin password for the production test"
STRICT_CSP = re.compile(r"script-src 'self' 'nonce-[^']+'; style-src 'self'")

pytestmark = pytest.mark.slow


def production_environment(folder: Path) -> dict[str, str]:
    """The documented production settings, with the site's files under ``folder``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return {
        **clean,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_COOKIES": "1",
        "DJANGO_SSL_REDIRECT": "1",
        "DJANGO_BEHIND_PROXY": "1",
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        "DJANGO_MEDIA_ROOT": str(folder / "media"),
        "DATABASE_URL": f"sqlite:///{folder / 'decider.sqlite3'}",
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@dataclass(frozen=True)
class Site:
    folder: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A production site on disk: static files collected, database migrated, one admin."""
    folder = tmp_path_factory.mktemp("production")
    env = production_environment(folder)
    for args in (
        ["manage.py", "collectstatic", "--noinput", "-v0"],
        ["manage.py", "migrate", "--noinput", "-v0"],
        ["manage.py", "createsuperuser", "--noinput", "--email", ADMIN_EMAIL, "--username", "a"],
    ):
        done = run(args, {**env, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD})
        assert done.returncode == 0, f"{args}: {done.stderr}"
    return Site(folder, env)


# ---------------------------------------------------------------------- settings and files


def test_check_deploy_reports_nothing_with_the_production_settings(site: Site) -> None:
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], site.env)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "System check identified no issues (0 silenced)."
    assert done.stderr == ""


def test_collectstatic_writes_hashed_and_compressed_files(site: Site) -> None:
    static = site.folder / "static"
    manifest = json.loads((static / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/decider.css"]
    content = (static / hashed).read_bytes()  # its url()s point at hashed names too

    assert re.fullmatch(r"css/decider\.[0-9a-f]{12}\.css", hashed)
    assert gzip.decompress((static / f"{hashed}.gz").read_bytes()) == content
    assert brotli.decompress((static / f"{hashed}.br").read_bytes()) == content
    assert re.fullmatch(r"admin/css/base\.[0-9a-f]{12}\.css", manifest["admin/css/base.css"])


def test_the_worker_logs_json_lines_in_production(site: Site) -> None:
    done = run(["manage.py", "worker", "--batch", "--no-startup-delay"], site.env)

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in (done.stdout + done.stderr).splitlines() if line]
    assert {line["logger"] for line in lines} == {"django_tasks_db"}
    assert lines[0]["message"].startswith("Starting worker")
    assert all(line["request_id"] == "-" for line in lines)


# ---------------------------------------------------------------------- gunicorn


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def cookies(self) -> SimpleCookie:
        jar = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return jar

    def json(self) -> object:
        return json.loads(self.body)


@dataclass(frozen=True)
class Server:
    port: int
    log: Path

    def fetch(
        self,
        path: str,
        *,
        method: str = "GET",
        https: bool = True,
        headers: dict[str, str] | None = None,
        body: str | None = None,
    ) -> Answer:
        """One request, redirects not followed; ``https`` as a TLS proxy would forward it."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": HOST, **({"X-Forwarded-Proto": "https"} if https else {})}
        try:
            connection.request(method, path, body=body, headers={**sent, **(headers or {})})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()

    def log_lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(site: Site, name: str, **env: str) -> Generator[Server]:
    port = free_port()
    log = site.folder / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "decider.wsgi"],
            cwd=ROOT,
            env={
                **site.env,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": "1",
                "GUNICORN_THREADS": "2",
                **env,
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(port, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if server.fetch("/healthz", https=False).status == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(site: Site) -> Iterator[Server]:
    yield from serve(site, "gunicorn")


@pytest.fixture(scope="module")
def server_without_database(site: Site) -> Iterator[Server]:
    """The same site pointed at a PostgreSQL that is not there (nothing listens on port 1)."""
    yield from serve(
        site,
        "gunicorn-no-db",
        DATABASE_URL="postgres://decider@127.0.0.1:1/decider",
        DATABASE_POOL="0",
    )


def test_healthz_answers_over_plain_http_without_redirect_cookie_or_cache(server: Server) -> None:
    answer = server.fetch("/healthz", https=False)

    assert (answer.status, answer.body) == (200, b"ok\n")
    assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in answer.headers["Cache-Control"]
    assert answer.headers.get_all("Set-Cookie") is None
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])


def test_readyz_reports_the_database_over_plain_http(server: Server) -> None:
    answer = server.fetch("/readyz", https=False)

    assert answer.status == 200
    assert answer.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-store" in answer.headers["Cache-Control"]


def test_readyz_answers_503_naming_the_database_when_it_is_unreachable(
    server_without_database: Server,
) -> None:
    alive = server_without_database.fetch("/healthz", https=False)
    ready = server_without_database.fetch("/readyz", https=False)

    assert alive.status == 200
    assert ready.status == 503
    assert ready.json() == {
        "status": "unavailable",
        "failed": ["database"],
        "checks": {"database": "unreachable (OperationalError)"},
    }


def test_the_compose_probe_passes_only_when_the_site_is_ready(
    server: Server, server_without_database: Server
) -> None:
    def probe(target: Server) -> int:
        env = {
            **os.environ,
            "GUNICORN_BIND": f"0.0.0.0:{target.port}",
            "DJANGO_ALLOWED_HOSTS": f".{HOST},other.example",
        }
        return run(["-m", "decider.probe", "/readyz"], env).returncode

    assert probe(server) == 0
    assert probe(server_without_database) == 1


def test_pages_over_plain_http_are_redirected_to_https(server: Server) -> None:
    answer = server.fetch("/accounts/login/?next=/teams/", https=False)

    assert answer.status == 301
    assert answer.headers["Location"] == f"https://{HOST}/accounts/login/?next=/teams/"


def test_https_pages_carry_hsts_csp_and_the_other_security_headers(server: Server) -> None:
    answer = server.fetch("/accounts/login/")

    assert answer.status == 200
    assert answer.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert STRICT_CSP.search(answer.headers["Content-Security-Policy"])
    assert "unsafe" not in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    csrf = answer.cookies()["csrftoken"]
    assert csrf["secure"] is True


def admin_sign_in(server: Server) -> Answer:
    """Sign the admin in through the admin's login form; the answer carries the session."""
    login = server.fetch("/admin/login/?next=/admin/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', login.body)
    assert login.status == 200
    assert token is not None
    assert STRICT_CSP.search(login.headers["Content-Security-Policy"])
    csrf_cookie = login.cookies()["csrftoken"].value
    return server.fetch(
        "/admin/login/?next=/admin/",
        method="POST",
        headers={
            "Cookie": f"csrftoken={csrf_cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/admin/login/",
        },
        body=(
            f"csrfmiddlewaretoken={token.group(1).decode()}&username={ADMIN_EMAIL}"
            f"&password={ADMIN_PASSWORD.replace(' ', '+')}&next=/admin/"
        ),
    )


def test_admin_sign_in_sets_secure_cookies_and_its_pages_keep_the_strict_csp(
    server: Server,
) -> None:
    signed_in = admin_sign_in(server)
    assert signed_in.status == 302, signed_in.body[:2000]
    session = signed_in.cookies()["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert session["max-age"] == str(14 * 24 * 3600)  # the signed-in idle timeout

    changelist = server.fetch(
        "/admin/assessments/assessment/", headers={"Cookie": f"sessionid={session.value}"}
    )
    assert changelist.status == 200
    assert b"Select assessment to view" in changelist.body
    assert STRICT_CSP.search(changelist.headers["Content-Security-Policy"])
    assert changelist.headers["X-Frame-Options"] == "DENY"


def test_static_files_are_served_compressed_and_cached_for_ever(server: Server) -> None:
    static = server.log.parent / "static"
    hashed = json.loads((static / "staticfiles.json").read_text())["paths"]["css/decider.css"]

    answer = server.fetch(f"/static/{hashed}", headers={"Accept-Encoding": "br, gzip"})

    assert answer.status == 200
    assert answer.headers["Content-Encoding"] == "br"
    assert answer.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert brotli.decompress(answer.body) == (static / hashed).read_bytes()


def test_each_request_logs_one_json_line_with_its_request_id(server: Server) -> None:
    answer = server.fetch("/healthz", https=False, headers={"X-Request-ID": "lb-7f3a.1_x"})
    time.sleep(0.2)  # let the line reach the file

    lines = server.log_lines()  # gunicorn's own lines are JSON too: all must parse
    mine = [line for line in lines if line["request_id"] == "lb-7f3a.1_x"]
    assert answer.headers["X-Request-ID"] == "lb-7f3a.1_x"
    assert len(mine) == 1
    assert mine[0]["logger"] == "decider.request"
    assert {k: mine[0][k] for k in ("method", "path", "status")} == {
        "method": "GET",
        "path": "/healthz",
        "status": 200,
    }
    assert isinstance(mine[0]["duration_ms"], float)
    assert "user_id" not in mine[0]
    assert any(line["logger"] == "gunicorn.error" for line in lines)
    assert not any(line["logger"] == "gunicorn.access" for line in lines)


# ---------------------------------------------------------------------- scaled out


def test_two_machines_share_sessions_through_redis_and_a_sign_out_reaches_both(
    site: Site,
) -> None:
    """Two gunicorn servers, as two machines behind a load balancer: same database, same
    Redis. A session made on one works on the other; a flushed Redis loses nothing; signing
    out on one ends the session on the other at once."""
    cache = redis_or_skip()
    prefix = f"test-{secrets.token_hex(8)}"
    shared = {"DJANGO_CACHE_URL": REDIS_URL, "DJANGO_CACHE_PREFIX": prefix}
    first_machine = serve(site, "machine-a", **shared)
    second_machine = serve(site, "machine-b", **shared)
    a, b = next(first_machine), next(second_machine)
    try:
        signed_in = admin_sign_in(a)
        assert signed_in.status == 302, signed_in.body[:2000]
        cookie = {"Cookie": f"sessionid={signed_in.cookies()['sessionid'].value}"}
        assert b.fetch("/admin/", headers=cookie).status == 200
        assert len(list(cache.scan_iter(f"{prefix}:*"))) == 1

        for key in cache.scan_iter(f"{prefix}:*"):
            cache.delete(key)
        assert b.fetch("/admin/", headers=cookie).status == 200  # from the database

        csrf_cookie = signed_in.cookies()["csrftoken"].value  # rotated at sign-in
        both = {"Cookie": f"{cookie['Cookie']}; csrftoken={csrf_cookie}"}
        admin = a.fetch("/admin/", headers=both)
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', admin.body)
        assert csrf is not None
        signed_out = a.fetch(
            "/admin/logout/",
            method="POST",
            headers={
                **both,
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}/admin/",
            },
            body=f"csrfmiddlewaretoken={csrf.group(1).decode()}",
        )
        assert signed_out.status in (200, 302), signed_out.body[:2000]  # the page, or onwards

        refused = b.fetch("/admin/", headers=cookie)
        assert refused.status == 302
        assert refused.headers["Location"].startswith("/admin/login/")
        assert list(cache.scan_iter(f"{prefix}:*")) == []
    finally:
        for machine in (first_machine, second_machine):
            machine.close()
        for key in cache.scan_iter(f"{prefix}:*"):
            cache.delete(key)
        cache.close()
