"""gunicorn settings for the Docker image; every value can be overridden by the environment.

Workers and threads: gthread workers, each a process with a small pool of threads. A request
alternates between Python work, which holds its process's GIL, and waits on PostgreSQL, which
release it; a thread whose query has answered must win the GIL back before it can go on. With
few processes and many threads, cores sit idle while every thread of a process waits for the
GIL or the database. So: more processes, few threads. On the two-core load-test machine, four
processes of two threads served the API's assess about 2.4 times as fast as two of four (745
against 288-320 requests a second) and the pages at least as fast (docs/PERFORMANCE.md); a
bare view is a little slower (more processes share the cores), which does not matter to users.
Rule of thumb: GUNICORN_WORKERS about twice the cores, GUNICORN_THREADS 2.

Each process has its own psycopg connection pool, and a thread holds at most one connection
while it serves a request, so the pool's size follows the thread count: settings.py sizes it
from the same GUNICORN_THREADS (default 2), so no request ever waits for a connection and none
sits idle. A machine therefore opens at most GUNICORN_WORKERS x GUNICORN_THREADS connections:
keep that, summed over machines and workers, below PostgreSQL's max_connections
(docs/DEPLOYMENT.md).

The application is not preloaded: a connection pool must not be shared across a fork, so each
worker process loads Django and opens its own.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
# Four processes of two threads suit the usual two-core container; raise it with the cores.
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# gthread workers heartbeat from their main loop, so this bounds a stuck process, not a slow
# request; a PDF rendered on demand takes about a second.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Let a load balancer's idle keep-alive connections be reused rather than reopened.
keepalive = 5
# The application logs one line per request itself (decider.middleware.RequestIdMiddleware,
# with the request id and the user), so gunicorn's own access log would only repeat it.
accesslog = None
errorlog = "-"

# gunicorn's own lines (worker boots, exits, timeouts) in the application's format: JSON unless
# DJANGO_LOG_FORMAT=plain, so a log collector sees one format from the container.
if os.environ.get("DJANGO_LOG_FORMAT", "json").strip().lower() == "json":
    logconfig_dict = {
        "formatters": {"generic": {"()": "decider.logs.JsonFormatter"}},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
