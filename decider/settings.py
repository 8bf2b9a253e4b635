"""Decider's one settings module, configured through environment variables.

Development needs no configuration at all: debugging is on and the database is a SQLite file
under ``var/``. Production sets ``DJANGO_DEBUG=0`` and must then also set ``DJANGO_SECRET_KEY``
and ``DJANGO_ALLOWED_HOSTS``, or the process refuses to start.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from decider.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_json_object(name: str, default: dict[str, Any]) -> dict[str, Any]:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{name} must be a JSON object: {error}") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, not {raw!r}")
    return value


def database_from_url(url: str, *, pool: bool, pool_max_size: int = 2) -> dict[str, Any]:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into DATABASES['default'].

    Relative SQLite paths are relative to the project directory. ``pool`` switches on psycopg's
    connection pool for PostgreSQL, at most ``pool_max_size`` connections per process unless the
    URL says otherwise (``?pool_max_size=``).
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///var/db.sqlite3 is relative to the project, sqlite:////srv/db.sqlite3 absolute.
        raw_path = unquote(parts.path)[1:]
        if not raw_path:
            raise ImproperlyConfigured("DATABASE_URL: a SQLite URL needs a file path")
        path = raw_path if raw_path == ":memory:" else BASE_DIR / raw_path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    if parts.scheme in ("postgres", "postgresql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL: a PostgreSQL URL needs a database name")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        options: dict[str, Any] = {}
        if pool:
            options["pool"] = {
                "min_size": int(query.pop("pool_min_size", "1")),
                "max_size": int(query.pop("pool_max_size", str(pool_max_size))),
            }
        options.update(query)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 0 if pool else env_int("DATABASE_CONN_MAX_AGE", 60),
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL: unsupported scheme {parts.scheme!r} (use sqlite:/// or postgres://)"
    )


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production)."
        )
    SECRET_KEY = "development-only-insecure-key-never-use-in-production"
# Sessions (and with them the work of visitors without an account) are signed with the key:
# to rotate it without losing them, move the old key here for a while.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "decider.accounts",
    "decider.assessments",
    "decider.sharing",
    "decider.exports",
    "decider.api",
    "ninja",  # its Swagger UI files, served from our static files (no CDN)
]

AUTH_USER_MODEL = "accounts.User"
# Django's model backend with a cheaper lookup of the signed-in user on every request.
AUTHENTICATION_BACKENDS = ["decider.accounts.backends.AccountBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "teams"
LOGOUT_REDIRECT_URL = "home"
# Email (password resets) through Django 6.1's MAILERS: the console in development, SMTP in
# production, configured by DJANGO_EMAIL_* variables.
if env_str("DJANGO_EMAIL_HOST", "") or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("DJANGO_EMAIL_HOST", "localhost"),
                "port": env_int("DJANGO_EMAIL_PORT", 25),
                "username": env_str("DJANGO_EMAIL_HOST_USER", ""),
                "password": env_str("DJANGO_EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Decider <decider@localhost>")

MIDDLEWARE = [
    # First, so the request id and the one log line per request cover everything below.
    "decider.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "decider.middleware.SignedInSessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "decider.middleware.SignInRedirectMiddleware",
    "decider.api.middleware.ApiBodyLimitMiddleware",
]

ROOT_URLCONF = "decider.urls"
WSGI_APPLICATION = "decider.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

(BASE_DIR / "var").mkdir(exist_ok=True)
# Under gunicorn's gthread worker each thread serves one request at a time and holds at most one
# database connection while it does (Django hands it back to the pool when the request ends).
# A pool as large as the thread count therefore never makes a request wait for a connection,
# and a larger one would only keep idle connections open against PostgreSQL's max_connections.
# gunicorn.conf.py reads the same variable with the same default.
WEB_THREADS = env_int("GUNICORN_THREADS", 2)
DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "sqlite:///var/decider.sqlite3"),
        pool=env_bool("DATABASE_POOL", True),
        pool_max_size=WEB_THREADS,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root

# Generated files (the PDF cache under pdf-cache/), through default_storage: the local disk
# by default; any Django storage (an S3 bucket through django-storages, say) when several
# machines must share them. DJANGO_STORAGE_OPTIONS is that backend's OPTIONS, as JSON.
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"
STORAGE_BACKEND = env_str("DJANGO_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
STORAGE_OPTIONS = env_json_object("DJANGO_STORAGE_OPTIONS", {})

# Background work (PDF reports rendered on save) through Django's tasks framework, queued in
# the database and run by `manage.py worker`. Without a worker nothing breaks: downloads
# render on demand. DJANGO_TASKS_IMMEDIATE=1 runs tasks in the request instead.
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if env_bool("DJANGO_TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        )
    }
}
# django-tasks-db leaves the task of a worker that died (killed, out of memory, its machine
# gone) marked as running for ever. `manage.py worker` queues such a task again once it has
# been running this long; a PDF render takes about a second, so five minutes means dead.
TASK_STALE_SECONDS = env_int("DJANGO_TASKS_STALE_SECONDS", 300)
if TASK_STALE_SECONDS < 1:
    raise ImproperlyConfigured("DJANGO_TASKS_STALE_SECONDS must be at least 1.")
# manage.py worker prunes, hourly, finished task results and cached PDFs older than these.
TASK_RESULTS_DAYS = env_int("DECIDER_TASK_RESULTS_DAYS", 7)
PDF_CACHE_DAYS = env_int("DECIDER_PDF_CACHE_DAYS", 30)
if TASK_RESULTS_DAYS < 1 or PDF_CACHE_DAYS < 1:
    raise ImproperlyConfigured(
        "DECIDER_TASK_RESULTS_DAYS and DECIDER_PDF_CACHE_DAYS must be at least 1."
    )

# In production, static files are served by WhiteNoise from STATIC_ROOT (after collectstatic),
# with hashed names so they can be cached for ever.
STORAGES = {
    "default": {"BACKEND": STORAGE_BACKEND, "OPTIONS": STORAGE_OPTIONS},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Two caches. "fragments" holds rendered HTML keyed by a hash of its content
# (decider/fragments.py): it can never be stale, so it stays in each process's memory.
# "default" is shared when DJANGO_CACHE_URL names a Redis server (redis://host:6379/0). Then
# sessions are read from it and written to both it and the database (decider/sessions.py):
# that takes the session's query off nearly every signed-in request, a sign-out reaches every
# process and machine at once, and a flushed, restarted or unreachable Redis loses nothing.
# Without it, sessions are read from the database and "default" is per-process (nothing else
# relies on it).
CACHE_URL = env_str("DJANGO_CACHE_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "DJANGO_CACHE_URL must be a Redis URL (redis://, rediss:// or unix://), or empty."
    )
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("DJANGO_CACHE_PREFIX", "decider"),
            # A slow or unreachable Redis must fail a request quickly, not hang a thread.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": env_int("DECIDER_FRAGMENT_CACHE_ENTRIES", 2000)},
    },
}
SESSION_ENGINE = "decider.sessions" if CACHE_URL else "django.contrib.sessions.backends.db"
# The longest a session's cached copy is trusted before the database is read again.
SESSION_CACHE_SECONDS = 300

# A strict policy: everything from our own origin, no inline code, no eval. htmx is served
# from our static files and configured through a <meta> tag, which needs neither.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Health probes come over plain HTTP from inside the network (the compose healthcheck, a load
# balancer): never redirect them to HTTPS. Patterns match the path without its leading slash.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "decider.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
# A visitor's session is what ties a browser to the assessments it started without an account:
# keep it long enough that nobody loses their work to an expired cookie.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_AGE_DAYS", 365) * 24 * 3600
# A signed-in session opens a team's work: it ends after this long without activity
# (decider.middleware.SignedInSessionIdleMiddleware), and activity keeps it going.
SESSION_IDLE_SECONDS = env_int("DJANGO_SESSION_IDLE_DAYS", 14) * 24 * 3600
if SESSION_IDLE_SECONDS < 24 * 3600:
    raise ImproperlyConfigured("DJANGO_SESSION_IDLE_DAYS must be at least 1.")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# The preload flag only says the site consents to browsers' built-in HTTPS lists; nothing is
# listed until someone submits the registrable domain, whose own apex must send it too.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)

# One JSON object per line in production (log collectors parse it as is), readable lines in
# development; every record carries the request id (decider.logs). The web app, the worker and
# management commands all log through this configuration.
LOG_FORMAT = env_str("DJANGO_LOG_FORMAT", "plain" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}")
LOGGING = logging_config(
    json_lines=LOG_FORMAT == "json", level=env_str("DJANGO_LOG_LEVEL", "INFO").upper()
)


def _rate(name: str, default: str) -> tuple[int, int]:
    """A rate limit from the environment as "requests/seconds", e.g. "120/60"; 0 turns it off."""
    raw = env_str(name, default)
    count, _, seconds = raw.partition("/")
    if not (count.strip().isdigit() and seconds.strip().isdigit() and int(seconds) > 0):
        raise ImproperlyConfigured(f"{name} must look like 120/60 (requests/seconds), not {raw!r}")
    return int(count), int(seconds)


# The JSON API (/api/v1/): rate limits per token (or per address without one), body size.
DECIDER_API_RATE_LIMITS = {
    "assess": _rate("DECIDER_API_RATE_ASSESS", "120/60"),
    "write": _rate("DECIDER_API_RATE_WRITE", "60/60"),
}
DECIDER_API_MAX_BODY_BYTES = env_int("DECIDER_API_MAX_BODY_BYTES", 1024 * 1024)
