"""Browser fixtures: Debian's Chromium against a live Django server, with a console watch.

One headless Chromium serves the whole run (starting it is the slow part); every test gets
fresh browser contexts, so cookies, sessions and storage never leak between tests. Every page
of every context is watched: a Content-Security-Policy violation or an uncaught JavaScript
error fails the test that caused it, because under our strict CSP a blocked script is a
feature that silently stopped working, not a harmless warning.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    WebError,
    expect,
    sync_playwright,
)
from playwright.sync_api import (
    Error as PlaywrightError,
)
from pytest_django.live_server_helper import LiveServer

# Playwright's sync API runs an asyncio loop in this thread, so Django's guard against ORM
# calls from async code would refuse the test's own queries (and live_server's set-up).
# Nothing here is really async: each call blocks until the browser answers.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _test_sqlite_in_a_file() -> None:
    """Give SQLite's test database a file, so the live server's threads get connections of
    their own.

    With the default in-memory test database, Django hands its single connection to every
    request thread of the live server; a browser sends requests in parallel (two autosaves
    when one field loses focus as another changes), and they then collide on that connection
    ("database table is locked"). A file behaves as a deployed SQLite database does: a writer
    waits for the other. Runs at import, before any test database exists; PostgreSQL is left
    alone. Each run gets its own file, and Django deletes it at the end.
    """
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    test = database.setdefault("TEST", {})
    if test.get("NAME") in (None, "", ":memory:"):
        test["NAME"] = str(Path(tempfile.gettempdir()) / f"decider-test-{os.getpid()}.sqlite3")


_test_sqlite_in_a_file()

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
# Short enough that a broken flow fails fast, long enough for a loaded 2-core CI machine.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Chromium words CSP reports in several ways: "Refused to load ...", "Refused to apply inline
# style ...", "Executing inline script violates the following Content Security Policy ...".
_CSP_MESSAGE = re.compile(r"content security policy|refused to", re.IGNORECASE)

_PAGES_KEY = pytest.StashKey["BrowserPages"]()
_FAILED_KEY = pytest.StashKey[bool]()


class BrowserPages:
    """Opens pages in new contexts for one test and records what their consoles report."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []
        self.problems: list[str] = []
        self.console: list[str] = []

    def new_page(
        self,
        *,
        viewport: ViewportSize = DESKTOP,
        java_script_enabled: bool = True,
        **context_options: Any,
    ) -> Page:
        """A page in a context of its own (its own cookies: a different visitor)."""
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=viewport,
            java_script_enabled=java_script_enabled,
            **context_options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.on("console", self._on_console)
        context.on("weberror", self._on_web_error)
        self.contexts.append(context)
        return context.new_page()

    def take_problems(self) -> list[str]:
        """The problems seen so far, forgotten: for a test that provokes one on purpose."""
        taken, self.problems = self.problems, []
        return taken

    def _on_console(self, message: ConsoleMessage) -> None:
        line = f"[{message.type}] {message.text} ({message.page.url if message.page else '?'})"
        self.console.append(line)
        if _CSP_MESSAGE.search(message.text):
            self.problems.append(f"CSP violation: {line}")

    def _on_web_error(self, error: WebError) -> None:
        where = error.page.url if error.page else "?"
        exc = error.error
        self.problems.append(f"Uncaught page error: {exc.name}: {exc.message} ({where})")

    def settle(self) -> None:
        """Let events already sent by the browser reach our listeners."""
        for context in self.contexts:
            for page in context.pages:
                if not page.is_closed():
                    page.wait_for_timeout(50)
                    return

    def save_failure_screenshots(self, name: str) -> None:
        folder = ARTIFACTS / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^\w.-]+", "_", name)
        for c, context in enumerate(self.contexts):
            for p, page in enumerate(context.pages):
                # A crashed page must not turn the test's failure into a teardown error.
                with contextlib.suppress(PlaywrightError):
                    page.screenshot(path=folder / f"{safe}-{c}-{p}.png", full_page=True)

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = (
            f"The browser tests need Debian's Chromium at {CHROMIUM}, and it is missing. "
            "Install it with `apt-get install chromium` (never `playwright install`); "
            "`make test` does so when run as root."
        )
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)  # CI must never pass without them
        pytest.skip(message)
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def pages(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[BrowserPages]:
    """Page factory for this test; contexts are closed afterwards, screenshots kept on failure."""
    opened = BrowserPages(browser, live_server.url)
    request.node.stash[_PAGES_KEY] = opened
    yield opened
    if request.node.stash.get(_FAILED_KEY, False):
        opened.save_failure_screenshots(request.node.name)
    opened.close()


@pytest.fixture
def page(pages: BrowserPages) -> Page:
    """A JavaScript-enabled page at 1280x900 under the site's real CSP."""
    return pages.new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None]:
    """Fail the test itself (not its teardown) when its pages broke the CSP or threw."""
    yield
    opened = item.stash.get(_PAGES_KEY, None)
    if opened is not None:
        opened.settle()
        if opened.problems:
            pytest.fail(
                "The browser reported problems:\n  " + "\n  ".join(opened.problems),
                pytrace=False,
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On failure: keep screenshots (see ``pages``) and show what the consoles said."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED_KEY] = True
        opened = item.stash.get(_PAGES_KEY, None)
        if opened is not None and opened.console:
            report.sections.append(("browser console", "\n".join(opened.console)))
    return report


@pytest.fixture(autouse=True)
def tasks_and_media(settings: Any, tmp_path: Path) -> None:
    """Saves queue their PDF renders and nothing runs them: the flows measure the pages, and
    a synchronous render on every autosave would only slow them (downloads render on demand).
    """
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
