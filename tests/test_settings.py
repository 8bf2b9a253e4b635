"""The environment-driven settings: typed helpers and loud failure in production."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from decider.settings import (
    BASE_DIR,
    database_from_url,
    env_bool,
    env_int,
    env_json_object,
    env_list,
)

ROOT = Path(__file__).resolve().parent.parent


def test_env_bool_reads_common_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "off")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.delenv("X_FLAG")
    assert env_bool("X_FLAG", True) is True


def test_env_bool_rejects_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be a boolean"):
        env_bool("X_FLAG", True)


def test_env_int_and_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_NUM", "12")
    monkeypatch.setenv("X_HOSTS", "a.example, b.example ,")
    assert env_int("X_NUM", 0) == 12
    assert env_list("X_HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_NUM must be a whole number"):
        env_int("X_NUM", 0)


def test_sqlite_url_relative_and_absolute() -> None:
    relative = database_from_url("sqlite:///var/test.sqlite3", pool=True)
    absolute = database_from_url("sqlite:////srv/decider.sqlite3", pool=True)

    assert relative["ENGINE"] == "django.db.backends.sqlite3"
    assert relative["NAME"] == BASE_DIR / "var" / "test.sqlite3"
    assert absolute["NAME"] == Path("/srv/decider.sqlite3")


def test_postgres_url_with_pool() -> None:
    db = database_from_url(
        "postgres://app:s%40cret@db.internal:6543/decider?sslmode=require",
        pool=True,
        pool_max_size=8,
    )

    assert db == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "decider",
        "USER": "app",
        "PASSWORD": "s@cret",
        "HOST": "db.internal",
        "PORT": "6543",
        "CONN_MAX_AGE": 0,
        "OPTIONS": {"pool": {"min_size": 1, "max_size": 8}, "sslmode": "require"},
    }


def test_postgres_pool_size_from_the_url_wins() -> None:
    db = database_from_url(
        "postgres://app@db/decider?pool_min_size=2&pool_max_size=12", pool=True, pool_max_size=4
    )

    assert db["OPTIONS"] == {"pool": {"min_size": 2, "max_size": 12}}


def test_postgres_url_without_pool_keeps_connections() -> None:
    db = database_from_url("postgresql://postgres@127.0.0.1/decider", pool=False)

    assert db["OPTIONS"] == {}
    assert db["CONN_MAX_AGE"] == 60


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x@y/z", "unsupported scheme 'mysql'"),
        ("postgres://x@y/", "needs a database name"),
        ("sqlite:///", "needs a file path"),
    ],
)
def test_bad_database_url_is_refused(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url, pool=False)


def _start(env: dict[str, str], show: str = "settings.DEBUG") -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh process with only ``env`` configured; print ``show``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; "
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'decider.settings'); django.setup(); "
            f"from django.conf import settings; print({show})",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    done = _start({"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "decider.example"})

    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in done.stderr


def test_production_refuses_to_start_without_allowed_hosts() -> None:
    done = _start({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50})

    assert done.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in done.stderr


def test_production_starts_when_configured() -> None:
    done = _start(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "decider.example",
        }
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def _names_read(source: str) -> set[str]:
    """Names passed as the first argument of a call: env_str("X", ...), _rate("X", ...)."""
    return set(re.findall(r'\b\w+\(\s*"([A-Z][A-Z0-9_]+)"', source))


def test_readme_documents_every_environment_variable_the_settings_read() -> None:
    settings_source = (ROOT / "decider" / "settings.py").read_text()
    gunicorn_source = (ROOT / "gunicorn.conf.py").read_text()
    readme = (ROOT / "README.md").read_text()
    names = _names_read(settings_source) | _names_read(gunicorn_source)

    assert {"DJANGO_DEBUG", "DATABASE_URL", "DJANGO_SESSION_IDLE_DAYS", "GUNICORN_THREADS"} <= names
    assert sorted(name for name in names if f"`{name}`" not in readme) == []


def test_gunicorn_threads_and_the_database_pool_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    defaults = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    pooled = _start(
        {"DATABASE_URL": "postgres://app@db.internal/decider", "GUNICORN_THREADS": "7"},
        "settings.DATABASES['default']['OPTIONS']['pool']['max_size']",
    )

    assert defaults["worker_class"] == "gthread"
    assert (
        defaults["threads"]
        == database_from_url("postgres://app@db/decider", pool=True)["OPTIONS"]["pool"]["max_size"]
    )
    assert pooled.stdout.strip() == "7", pooled.stderr


def test_env_json_object_reads_an_object_and_refuses_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("X_OPTIONS", '{"bucket_name": "decider", "querystring_auth": false}')
    assert env_json_object("X_OPTIONS", {}) == {"bucket_name": "decider", "querystring_auth": False}
    monkeypatch.setenv("X_OPTIONS", "")
    assert env_json_object("X_OPTIONS", {"a": 1}) == {"a": 1}
    for bad in ("[1, 2]", "{bucket: 1}"):
        monkeypatch.setenv("X_OPTIONS", bad)
        with pytest.raises(ImproperlyConfigured, match="X_OPTIONS must be a JSON object"):
            env_json_object("X_OPTIONS", {})


def test_the_file_storage_is_configurable_for_a_shared_store() -> None:
    done = _start(
        {
            "DJANGO_STORAGE_BACKEND": "django.core.files.storage.InMemoryStorage",
            "DJANGO_STORAGE_OPTIONS": '{"location": "shared"}',
        },
        "settings.STORAGES['default']",
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(
        {"BACKEND": "django.core.files.storage.InMemoryStorage", "OPTIONS": {"location": "shared"}}
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_LOG_FORMAT": "xml"}, "DJANGO_LOG_FORMAT must be json or plain"),
        ({"DJANGO_SESSION_IDLE_DAYS": "0"}, "DJANGO_SESSION_IDLE_DAYS must be at least 1"),
        ({"DJANGO_TASKS_STALE_SECONDS": "0"}, "DJANGO_TASKS_STALE_SECONDS must be at least 1"),
    ],
)
def test_nonsense_settings_refuse_to_start(env: dict[str, str], message: str) -> None:
    done = _start(env)

    assert done.returncode != 0
    assert message in done.stderr


def test_logs_are_json_in_production_and_plain_in_development() -> None:
    production = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "decider.example",
    }
    formatter = "settings.LOGGING['formatters']['default']"

    assert _start(production, "settings.LOG_FORMAT").stdout == "json\n"
    assert "decider.logs.JsonFormatter" in _start(production, formatter).stdout
    assert _start({}, "settings.LOG_FORMAT").stdout == "plain\n"
    assert _start({**production, "DJANGO_LOG_FORMAT": "plain"}, "settings.LOG_FORMAT").stdout == (
        "plain\n"
    )


def test_a_cache_url_makes_sessions_read_through_redis() -> None:
    shown = "settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'], " + (
        "settings.CACHES['default']['LOCATION'], settings.CACHES['default']['KEY_PREFIX']"
    )
    shared = _start({"DJANGO_CACHE_URL": "redis://cache.internal:6379/2"}, shown)
    alone = _start({}, "settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND']")

    assert shared.stdout.split() == [
        "decider.sessions",
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.internal:6379/2",
        "decider",
    ], shared.stderr
    assert alone.stdout.split() == [
        "django.contrib.sessions.backends.db",
        "django.core.cache.backends.locmem.LocMemCache",
    ], alone.stderr


def test_a_cache_url_that_is_not_redis_is_refused() -> None:
    done = _start({"DJANGO_CACHE_URL": "memcached://cache.internal:11211"})

    assert done.returncode != 0
    assert "DJANGO_CACHE_URL must be a Redis URL" in done.stderr


def test_housekeeping_ages_must_be_at_least_a_day() -> None:
    done = _start({"DECIDER_PDF_CACHE_DAYS": "0"})

    assert done.returncode != 0
    assert "DECIDER_PDF_CACHE_DAYS must be at least 1" in done.stderr
