"""The compose stack and the image, read as files (no Docker engine runs here).

What each piece does is tested without Docker (tests/test_production.py serves the image's
command with the production settings; the worker and the probe are tested on their own). These
tests hold the wiring together: which services exist, what starts after what, that every
variable the stack sets is documented, and that the image runs as an unprivileged user.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_the_stack_has_its_five_services() -> None:
    assert set(compose()["services"]) == {"db", "redis", "migrate", "web", "worker"}


def test_nothing_runs_against_an_unmigrated_database_and_the_web_waits_for_its_cache() -> None:
    services = compose()["services"]

    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["web"]["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert services["web"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "-m",
        "decider.probe",
        "/readyz",
    ]


def test_every_app_service_shares_one_configuration_pointing_at_the_stacks_services() -> None:
    services = compose()["services"]
    environments = [services[name]["environment"] for name in ("migrate", "web", "worker")]

    assert environments[0] == environments[1] == environments[2]
    assert "@db:5432/decider" in environments[0]["DATABASE_URL"]
    assert environments[0]["DJANGO_CACHE_URL"] == "redis://redis:6379/0"
    assert environments[0]["DJANGO_DEBUG"] == "0"


def test_redis_keeps_nothing_on_disk_and_is_capped() -> None:
    redis = compose()["services"]["redis"]
    command = redis["command"]
    option = {name: command[i + 1] for i, name in enumerate(command) if name.startswith("--")}

    assert "volumes" not in redis  # sessions live in PostgreSQL; Redis only holds copies
    assert (option["--save"], option["--appendonly"]) == ("", "no")
    assert option["--maxmemory-policy"] == "allkeys-lru"


def test_web_and_worker_share_the_pdf_cache_and_the_database_keeps_its_data() -> None:
    services = compose()["services"]

    assert services["web"]["volumes"] == services["worker"]["volumes"] == ["media:/app/var/media"]
    assert services["db"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert set(compose()["volumes"]) == {"pgdata", "media"}


def test_every_variable_the_stack_sets_for_the_app_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    names = set(compose()["services"]["web"]["environment"])

    assert sorted(n for n in names if f"`{n}`" not in readme) == []


def test_the_image_runs_as_an_unprivileged_user_and_serves_with_gunicorns_config() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()

    users = re.findall(r"^USER (\S+)$", dockerfile, flags=re.MULTILINE)
    assert users == ["decider"]
    assert dockerfile.index("USER decider") < dockerfile.index("CMD ")
    assert 'CMD ["gunicorn", "--config", "gunicorn.conf.py", "decider.wsgi"]' in dockerfile
