"""The environment-driven settings: typed helpers and loud failure in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from decider.settings import BASE_DIR, database_from_url, env_bool, env_int, env_list

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
        "postgres://app:s%40cret@db.internal:6543/decider?sslmode=require", pool=True
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


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; "
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'decider.settings'); django.setup(); "
            "from django.conf import settings; print(settings.DEBUG)",
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
