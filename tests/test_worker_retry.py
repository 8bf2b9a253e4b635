"""Reliability of background renders: a worker killed mid-render leaves no broken file, and the
render is retried.

django-tasks-db leaves the task of a dead worker marked running for ever; ``manage.py worker``
queues such a task again once it has been running longer than ``TASK_STALE_SECONDS``, fails it
after ``MAX_ATTEMPTS`` deaths, and removes the temporary files dead processes left. The last
test does it for real: worker processes on a SQLite file, one of them SIGKILLed between writing
a PDF and publishing it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from decider.exports import cache
from decider.exports.worker import MAX_ATTEMPTS, prune, requeue_stale_tasks, sweep

ROOT = Path(__file__).resolve().parent.parent
STALE = timedelta(minutes=5)


def running_task(*, started_ago: timedelta, worker_ids: list[str]) -> DBTaskResult[Any, Any]:
    """A render task row as a worker leaves it while running it (or when it died running it)."""
    return DBTaskResult.objects.create(
        args_kwargs={"args": ["00000000-0000-0000-0000-000000000000", "a4"], "kwargs": {}},
        task_path="decider.exports.tasks.render_pdf_task",
        backend_name="default",
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - started_ago,
        worker_ids=worker_ids,
    )


# ---------------------------------------------------------------------- the sweep, in process


@pytest.mark.django_db
def test_requeue_stale_tasks_queues_again_a_task_whose_worker_is_gone() -> None:
    stale = running_task(started_ago=STALE + timedelta(seconds=1), worker_ids=["dead"])

    swept = requeue_stale_tasks(stale_after=STALE, own_worker_id="alive")

    stale.refresh_from_db()
    assert (swept.requeued, swept.failed) == (1, 0)
    assert stale.status == TaskResultStatus.READY


@pytest.mark.django_db
def test_requeue_stale_tasks_leaves_recent_tasks_and_the_callers_own() -> None:
    recent = running_task(started_ago=STALE - timedelta(seconds=30), worker_ids=["other"])
    own = running_task(started_ago=STALE * 3, worker_ids=["dead", "alive"])

    swept = requeue_stale_tasks(stale_after=STALE, own_worker_id="alive")

    assert (swept.requeued, swept.failed) == (0, 0)
    assert {t.status for t in DBTaskResult.objects.filter(pk__in=[recent.pk, own.pk])} == {
        TaskResultStatus.RUNNING
    }


@pytest.mark.django_db
def test_requeue_stale_tasks_fails_a_task_that_killed_its_worker_every_time() -> None:
    doomed = running_task(started_ago=STALE * 2, worker_ids=[f"w{n}" for n in range(MAX_ATTEMPTS)])

    swept = requeue_stale_tasks(stale_after=STALE, own_worker_id="alive")

    doomed.refresh_from_db()
    assert (swept.requeued, swept.failed) == (0, 1)
    assert doomed.status == TaskResultStatus.FAILED
    assert doomed.exception_class_path == "decider.exports.worker.WorkerLost"
    assert doomed.finished_at is not None


@pytest.mark.django_db
def test_sweep_removes_old_temporary_files_only() -> None:
    folder = Path(settings.MEDIA_ROOT) / cache.CACHE_DIR
    folder.mkdir(parents=True)
    abandoned = folder / f".{'a' * 64}.x1{cache.PART_SUFFIX}"
    in_progress = folder / f".{'b' * 64}.x2{cache.PART_SUFFIX}"
    published = folder / f"{'c' * 64}.pdf"
    for path in (abandoned, in_progress, published):
        path.write_bytes(b"%PDF-")
    old = time.time() - STALE.total_seconds() - 1
    os.utime(abandoned, (old, old))
    os.utime(published, (old, old))

    swept = sweep(stale_after=STALE)

    assert swept.parts_removed == 1
    assert sorted(p.name for p in folder.iterdir()) == sorted([in_progress.name, published.name])


def finished_task(*, finished_ago: timedelta, status: str) -> DBTaskResult[Any, Any]:
    finished_at = timezone.now() - finished_ago
    return DBTaskResult.objects.create(
        args_kwargs={"args": ["00000000-0000-0000-0000-000000000000"], "kwargs": {}},
        task_path="decider.exports.tasks.render_pdf_task",
        backend_name="default",
        status=status,
        started_at=finished_at,
        finished_at=finished_at,
        worker_ids=["w"],
    )


def _cache_files(*, old: timedelta) -> dict[str, Path]:
    """A cached PDF stored ``old`` ago, a fresh one and an old temporary file."""
    folder = Path(settings.MEDIA_ROOT) / cache.CACHE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "old": folder / f"{'a' * 64}.pdf",
        "fresh": folder / f"{'b' * 64}.pdf",
        "part": folder / f".{'c' * 64}.x1{cache.PART_SUFFIX}",
    }
    for path in files.values():
        path.write_bytes(b"%PDF-")
    stamp = time.time() - old.total_seconds()
    os.utime(files["old"], (stamp, stamp))
    os.utime(files["part"], (stamp, stamp))
    return files


@pytest.mark.django_db
def test_prune_removes_old_finished_results_and_old_cached_pdfs_only() -> None:
    old_done = finished_task(finished_ago=timedelta(days=8), status=TaskResultStatus.SUCCESSFUL)
    old_failed = finished_task(finished_ago=timedelta(days=8), status=TaskResultStatus.FAILED)
    recent = finished_task(finished_ago=timedelta(days=6), status=TaskResultStatus.SUCCESSFUL)
    running = running_task(started_ago=timedelta(days=9), worker_ids=["w"])
    files = _cache_files(old=timedelta(days=31))

    pruned = prune(results_older_than=timedelta(days=7), pdfs_older_than=timedelta(days=30))

    assert (pruned.task_results, pruned.pdfs) == (2, 1)
    remaining = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, running.pk}
    assert not {old_done.pk, old_failed.pk} & remaining
    assert not files["old"].exists()
    assert files["fresh"].exists()
    assert files["part"].exists()  # an abandoned part is the sweep's, after minutes, not days


@pytest.mark.django_db
def test_prune_with_an_empty_or_missing_cache_folder_removes_nothing() -> None:
    pruned = prune(results_older_than=timedelta(days=7), pdfs_older_than=timedelta(days=30))

    assert (pruned.task_results, pruned.pdfs) == (0, 0)


# ---------------------------------------------------------------------- real workers, killed


def _environment(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return {
        **clean,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'decider.sqlite3'}",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        # Seconds, not minutes, so the test need not wait; the render itself takes about one.
        "DJANGO_TASKS_STALE_SECONDS": "3",
    }


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def worker_processes(tmp_path: Path) -> Iterator[Callable[[list[str]], subprocess.Popen[bytes]]]:
    """Starts worker processes (logging to files in tmp_path); any left running are killed."""
    started: list[subprocess.Popen[bytes]] = []

    def start(args: list[str]) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        options = ["--no-reload", "--no-startup-delay", "--interval", "0.1"]
        process = subprocess.Popen(
            [sys.executable, *args, *options],
            cwd=ROOT,
            env=_environment(tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _wait_for(condition: Callable[[], bool], *, seconds: float, logs: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            output = "\n".join(p.read_text() for p in sorted(logs.glob("worker-*.log")))
            pytest.fail(f"gave up waiting after {seconds} s; the workers said:\n{output}")
        time.sleep(0.1)


def _task_rows(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult"
        ).fetchall()


def _statuses(database: Path) -> Counter[str]:
    return Counter(status for status, _ in _task_rows(database))


def _is_complete_pdf(path: Path) -> bool:
    data = path.read_bytes()
    if not (data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")):
        return False
    return len(PdfReader(path).pages) >= 1


@pytest.mark.slow
def test_a_worker_killed_mid_render_leaves_no_broken_pdf_and_the_render_is_retried(
    tmp_path: Path, worker_processes: Callable[[list[str]], subprocess.Popen[bytes]]
) -> None:
    env = _environment(tmp_path)
    database = tmp_path / "decider.sqlite3"
    pdf_cache = tmp_path / "media" / cache.CACHE_DIR
    _run(["manage.py", "migrate", "--noinput", "-v0"], env)
    # A save queues one render of both papers, as in the app (after a short delay).
    _run(
        [
            "manage.py",
            "shell",
            "-c",
            "from decider.assessments.services import start_assessment; "
            "start_assessment(visitor='v-test', answers=None)",
        ],
        env,
    )
    assert _statuses(database) == Counter({"READY": 1})

    # A worker renders one PDF, writes it, and is killed before publishing it.
    doomed = worker_processes(["tests/paused_worker.py"])
    _wait_for(lambda: any(pdf_cache.glob(f".*{cache.PART_SUFFIX}")), seconds=60, logs=tmp_path)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)

    assert list(pdf_cache.glob("*.pdf")) == []  # nothing half-done under a name readers use
    assert _statuses(database) == Counter({"RUNNING": 1})  # django-tasks-db's limbo

    # Another worker queues the dead one's render again and runs it.
    worker = worker_processes(["manage.py", "worker"])
    _wait_for(
        lambda: (
            _statuses(database) == Counter({"SUCCESSFUL": 1})
            and not any(pdf_cache.glob(f".*{cache.PART_SUFFIX}"))
        ),
        seconds=60,
        logs=tmp_path,
    )
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0

    files = sorted(pdf_cache.iterdir())
    assert len(files) == 2
    assert all(f.suffix == ".pdf" and _is_complete_pdf(f) for f in files), files
    attempts = sorted(len(json.loads(worker_ids)) for _, worker_ids in _task_rows(database))
    assert attempts == [2]  # the killed render ran again, to the end


@pytest.mark.slow
def test_the_worker_prunes_old_results_and_pdfs_when_it_starts(
    tmp_path: Path, worker_processes: Callable[[list[str]], subprocess.Popen[bytes]]
) -> None:
    env = _environment(tmp_path)
    database = tmp_path / "decider.sqlite3"
    _run(["manage.py", "migrate", "--noinput", "-v0"], env)
    _run(
        [
            "manage.py",
            "shell",
            "-c",
            "from datetime import timedelta; from django.utils import timezone; "
            "from django_tasks_db.models import DBTaskResult; "
            "old = timezone.now() - timedelta(days=8); "
            "DBTaskResult.objects.create(args_kwargs={'args': [], 'kwargs': {}}, "
            "task_path='decider.exports.tasks.render_pdf_task', backend_name='default', "
            "status='SUCCESSFUL', started_at=old, finished_at=old, worker_ids=['w'])",
        ],
        env,
    )
    assert _statuses(database) == Counter({"SUCCESSFUL": 1})
    folder = tmp_path / "media" / cache.CACHE_DIR
    folder.mkdir(parents=True)
    stale, fresh = folder / f"{'a' * 64}.pdf", folder / f"{'b' * 64}.pdf"
    for path in (stale, fresh):
        path.write_bytes(b"%PDF-")
    stamp = time.time() - timedelta(days=31).total_seconds()
    os.utime(stale, (stamp, stamp))

    worker = worker_processes(["manage.py", "worker"])
    _wait_for(
        lambda: not stale.exists() and _statuses(database) == Counter(),
        seconds=30,
        logs=tmp_path,
    )
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert fresh.exists()
