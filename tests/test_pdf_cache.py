"""The PDF cache: a key over every input of the report, files stored whole, renders on save.

Saving an assessment renders both papers in the background (the immediate backend in tests),
so the next download is a cache hit with the same bytes; a miss renders on demand and stores.
A failure while rendering or writing leaves no file under the final name. Access is the
report's: members download, outsiders get 404.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from decider.accounts.models import Membership, Role
from decider.accounts.services import create_team, create_user
from decider.assessments.services import (
    apply_answers,
    assess_answers,
    start_assessment,
    update_details,
)
from decider.engine import validate_answers
from decider.exports import cache, pdf
from tests.factories import scenario_answers

PASSWORD = "a long enough test password"
TITLE = "Support bot: phase 1"
COVER = {"title": TITLE, "team": "Platform", "author": "Olga", "status": "Proposed"}


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def key(**changes: Any) -> str:
    inputs: dict[str, Any] = {
        "answers": validate_answers(scenario_answers("support chatbot")),
        "ruleset_sha256": "a" * 64,
        "template_version": "t1",
        "paper": "a4",
        "cover": COVER,
    }
    inputs.update(changes)
    return cache.pdf_key(**inputs)


def cached_files() -> list[str]:
    folder = Path(settings.MEDIA_ROOT) / cache.CACHE_DIR
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ---------------------------------------------------------------------- keys


def test_pdf_key_is_the_same_for_the_same_inputs() -> None:
    reordered = dict(reversed(list(validate_answers(scenario_answers("support chatbot")).items())))

    assert key() == key(answers=reordered)
    assert len(key()) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"answers": {**validate_answers(scenario_answers("support chatbot")), "stage": "pilot"}},
        {"paper": "letter"},
        {"ruleset_sha256": "b" * 64},
        {"template_version": "t2"},
        {"cover": {**COVER, "title": "Support bot: phase 2"}},
        {"cover": {**COVER, "status": "Accepted"}},
    ],
)
def test_pdf_key_changes_with_what_the_pdf_shows(change: dict[str, Any]) -> None:
    assert key(**change) != key()


# ---------------------------------------------------------------------- renders on save


@pytest.fixture
def crew(db: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    owner = create_user(email="owner@example.com", password=PASSWORD, name="Olga Owner")
    viewer = create_user(email="viewer@example.com", password=PASSWORD, name="Vera Viewer")
    outsider = create_user(email="out@example.com", password=PASSWORD, name="Otto Outsider")
    team = create_team(name="Platform team", owner=owner)
    Membership.objects.create(team=team, user=viewer, role=Role.VIEWER)
    with django_capture_on_commit_callbacks(execute=True):
        assessment = start_assessment(
            visitor="v-team",
            team=team,
            author=owner,
            name=TITLE,
            answers=scenario_answers("support chatbot"),
        )
    return {"owner": owner, "viewer": viewer, "outsider": outsider, "assessment": assessment}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored_bytes(assessment: Any, paper: str) -> bytes:
    sha = assess_answers(assessment.answers)["ruleset"]["sha256"]
    data = cache.cached_pdf(cache.assessment_pdf_key(assessment, paper, sha))
    assert data is not None
    return data


@pytest.mark.parametrize(("who", "paper"), [("owner", "a4"), ("viewer", "letter")])
def test_saving_renders_both_papers_so_the_download_is_a_hit(
    crew: dict[str, Any], who: str, paper: str
) -> None:
    assessment = crew["assessment"]
    url = f"/a/{assessment.id}/export/report.pdf?paper={paper}"

    response = client_for(crew[who]).get(url)

    assert len(cached_files()) == 2
    assert (response.status_code, response["X-Decider-PDF"]) == (200, "hit")
    assert response.content == stored_bytes(assessment, paper)
    assert response.content.startswith(b"%PDF")


def test_saving_answers_or_details_renders_the_new_pdfs(
    crew: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    assessment = crew["assessment"]

    with django_capture_on_commit_callbacks(execute=True):
        apply_answers(assessment=assessment, changes={"stage": "pilot"}, author=crew["owner"])
    after_answers = len(cached_files())
    with django_capture_on_commit_callbacks(execute=True):
        update_details(assessment=assessment, name="Support bot: phase 2", status="accepted")

    assert (after_answers, len(cached_files())) == (4, 6)
    response = client_for(crew["owner"]).get(f"/a/{assessment.id}/export/report.pdf")
    assert response["X-Decider-PDF"] == "hit"


def test_a_burst_of_saves_queues_one_render_of_the_last_state(
    crew: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """Autosave saves one answer at a time: the saves while a render is queued add no task of
    their own, and the render, when it runs, shows the last of them."""
    from django_tasks_db.models import DBTaskResult

    from decider.exports.tasks import render_pdf_task

    assessment = crew["assessment"]
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        tasks_before = DBTaskResult.objects.count()
        for stage in ("pilot", "production", "core_product"):
            with django_capture_on_commit_callbacks(execute=True):
                apply_answers(assessment=assessment, changes={"stage": stage}, author=crew["owner"])
        queued = DBTaskResult.objects.count() - tasks_before
    before = set(cached_files())

    render_pdf_task.call(str(assessment.id))

    assert queued == 1
    assessment.refresh_from_db()
    assert assessment.pdf_queued_at is None  # the next save queues again
    assert len(set(cached_files()) - before) == 2  # both papers, of the last state
    response = client_for(crew["owner"]).get(f"/a/{assessment.id}/export/report.pdf")
    assert response["X-Decider-PDF"] == "hit"


def test_a_miss_renders_on_demand_and_stores(crew: dict[str, Any]) -> None:
    assessment = crew["assessment"]
    for name in cached_files():
        (Path(settings.MEDIA_ROOT) / cache.CACHE_DIR / name).unlink()
    url = f"/a/{assessment.id}/export/report.pdf?paper=a4"
    owner = client_for(crew["owner"])

    first = owner.get(url)
    second = owner.get(url)

    assert (first["X-Decider-PDF"], second["X-Decider-PDF"]) == ("miss", "hit")
    assert first.content == second.content == stored_bytes(assessment, "a4")
    assert len(cached_files()) == 1


def test_a_save_without_a_worker_still_saves(
    crew: dict[str, Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "no.such.Backend"}}
    assessment = crew["assessment"]

    with django_capture_on_commit_callbacks(execute=True):
        apply_answers(assessment=assessment, changes={"stage": "production"})

    assessment.refresh_from_db()
    assert assessment.answers["stage"] == "production"


def test_permissions_are_the_reports(crew: dict[str, Any]) -> None:
    url = f"/a/{crew['assessment'].id}/export/report.pdf"

    viewer = client_for(crew["viewer"]).get(url)
    outsider = client_for(crew["outsider"]).get(url)

    assert (viewer.status_code, outsider.status_code) == (200, 404)
    assert "X-Decider-PDF" not in outsider


# ---------------------------------------------------------------------- whole files only


def test_a_failed_render_stores_nothing(
    crew: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment = crew["assessment"]
    for name in cached_files():
        (Path(settings.MEDIA_ROOT) / cache.CACHE_DIR / name).unlink()

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("WeasyPrint ran out of memory")

    monkeypatch.setattr(pdf, "render_pdf", broken)

    with pytest.raises(RuntimeError):
        cache.render_assessment_pdf(assessment, "a4")

    assert cached_files() == []


def test_a_failed_write_leaves_no_file_under_the_final_name(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)

    with pytest.raises(OSError, match="disk full"):
        cache.store_pdf("k" * 64, b"%PDF-1.7 whole")

    assert cache.cached_pdf("k" * 64) is None
    assert cached_files() == []  # the temporary file is gone too


def test_a_stored_pdf_reads_back_whole(db: Any) -> None:
    cache.store_pdf("k" * 64, b"%PDF-1.7 whole")
    cache.store_pdf("k" * 64, b"%PDF-1.7 whole")  # a second render of the same key replaces

    assert cache.cached_pdf("k" * 64) == b"%PDF-1.7 whole"
    assert cached_files() == ["k" * 64 + ".pdf"]
