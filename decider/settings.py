"""Decider's one settings module, configured through environment variables.

Development needs no configuration at all: debugging is on and the database is a SQLite file
under ``var/``. Production sets ``DJANGO_DEBUG=0`` and must then also set ``DJANGO_SECRET_KEY``
and ``DJANGO_ALLOWED_HOSTS``, or the process refuses to start.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

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


def database_from_url(url: str, *, pool: bool) -> dict[str, Any]:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into DATABASES['default'].

    Relative SQLite paths are relative to the project directory. ``pool`` switches on psycopg's
    connection pool for PostgreSQL.
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
                "max_size": int(query.pop("pool_max_size", "8")),
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

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")

INSTALLED_APPS = [
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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "sqlite:///var/decider.sqlite3"),
        pool=env_bool("DATABASE_POOL", True),
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

# Uploaded and generated files (the PDF cache under pdf-cache/), through default_storage.
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"

# Background work (PDF reports rendered on save) through Django's tasks framework, queued in
# the database and run by `manage.py db_worker`. Without a worker nothing breaks: downloads
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

# In production, static files are served by WhiteNoise from STATIC_ROOT (after collectstatic),
# with hashed names so they can be cached for ever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

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

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "decider.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
# Until accounts exist, the session is what ties a browser to its assessments: keep it long
# enough that nobody loses their work to an expired cookie.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_AGE_DAYS", 365) * 24 * 3600
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO; keep its warnings (a refused URL) only.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}


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
