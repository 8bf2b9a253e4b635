"""The container's health probe: ``python -m decider.probe [PATH]`` exits 0 when PATH answers 200.

Run inside the web container by the compose healthcheck (PATH defaults to ``/readyz``). Django
answers only host names listed in ``DJANGO_ALLOWED_HOSTS``, so a request to 127.0.0.1 must
name one of them; the first listed is used. Standard library only, and no Django start-up, so
a probe every few seconds costs next to nothing.
"""

from __future__ import annotations

import os
import sys
import urllib.request


def probe_host(allowed_hosts: str) -> str:
    """A Host header the site accepts: the first concrete name in DJANGO_ALLOWED_HOSTS."""
    for entry in allowed_hosts.split(","):
        name = entry.strip().lstrip(".")  # ".example.com" also accepts example.com
        if name and name != "*":
            return name
    return "localhost"


def probe_url(path: str, bind: str) -> str:
    port = bind.rsplit(":", 1)[-1] if ":" in bind else "8000"
    return f"http://127.0.0.1:{port}{path}"


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/readyz"
    request = urllib.request.Request(
        probe_url(path, os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")),
        headers={"Host": probe_host(os.environ.get("DJANGO_ALLOWED_HOSTS", ""))},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            healthy: bool = response.status == 200
    except OSError as error:  # refused, timed out, or an HTTP error status such as 503
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
