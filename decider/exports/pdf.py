"""An assessment as a printable report: the context, the print HTML and the PDF (WeasyPrint).

Built from the answers and the engine's result only, like the decision record, so the web
download and ``manage.py report`` produce the same document. WeasyPrint fetches nothing but
our own static files: the URL fetcher refuses the network and the rest of the disk, because
the user's text ends up in the HTML and a report must never be a way to read the server.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint.urls import URLFetcher, URLFetcherResponse

from decider.assessments import presenters
from decider.engine import load_questionnaire
from decider.engine.labels import labels

PAPERS = {"a4": "A4", "letter": "Letter"}
PRINT_STYLESHEET = "css/print.css"
# Relative URLs in the print HTML resolve against this origin. ``.invalid`` never resolves
# (RFC 2606), and the fetcher answers it from the static finders, never from the network.
STATIC_ORIGIN = "https://decider.invalid"
MEDIA_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
}


def report_context(
    *,
    title: str,
    use_case: str,
    team: str,
    author: str,
    status: str,
    answers: Mapping[str, Any],
    result: Mapping[str, Any],
    assessed_at: datetime,
    paper: str,
) -> dict[str, Any]:
    """Everything the print template shows, in words. Pure: no database, no request."""
    if paper not in PAPERS:
        raise ValueError(f"paper: expected one of {', '.join(PAPERS)}, not {paper!r}")
    engine_result: Any = result  # presenters take the engine's Result TypedDict
    appendix = [
        {
            "title": labels().sections[section.id].title,
            "rows": [
                {
                    "label": labels().question(q.id).label,
                    "answer": presenters.answer_words(q.id, answers.get(q.id)) or "(none)",
                }
                for q in section.questions
            ],
        }
        for section in load_questionnaire().sections
    ]
    return {
        "title": title,
        "use_case": use_case,
        "team": team,
        "author": author,
        "status": status,
        "assessed_at": assessed_at,
        "paper": paper,
        "page_size": PAPERS[paper],
        "result": result,
        "recommendation": result["recommendation"],
        "rec_words": presenters.REC_WORDS[result["recommendation"]],
        "confidence_pct": round(result["confidence"] * 100),
        "confidence_words": presenters.confidence_words(result["confidence"]),
        "summary": result["summary"],
        "constraints": result["constraints"],
        "chart": presenters.area_chart(engine_result),
        "groups": presenters.rationale_by_area(engine_result),
        "cautions": result["cautions"],
        "hybrid_split": result["hybrid_split"],
        "flips": [presenters.flip_sentence(f, dict(answers)) for f in result["flips"]],
        "next_steps": result["next_steps"],
        "appendix": appendix,
        "ruleset_version": result["ruleset"]["version"],
        "ruleset_sha256": result["ruleset"]["sha256"],
    }


def render_html(context: Mapping[str, Any], *, standalone: bool = False) -> str:
    """The print HTML. ``standalone`` embeds the print stylesheet, for a file opened on its own
    (the PDF renderer gets the parsed stylesheet directly instead)."""
    extra = {"inline_css": print_css_text()} if standalone else {}
    return render_to_string("exports/report_print.html", {**context, **extra})


@functools.cache
def print_css_text() -> str:
    path = finders.find("css/print.css")
    assert isinstance(path, str), "static/css/print.css is missing"
    return Path(path).read_text(encoding="utf-8")


class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]  # untyped base
    """Serves our static files and refuses every other URL (network, file:, anything)."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""
        prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if origin not in ("", STATIC_ORIGIN) or not parts.path.startswith(prefix):
            raise ValueError(f"refused to fetch {url!r}: only our static files are served")
        relative = unquote(parts.path[len(prefix) :])
        if not relative or ".." in relative.split("/"):
            raise ValueError(f"refused to fetch {url!r}: not a static file")
        found = finders.find(relative)
        if not found or isinstance(found, list):
            raise ValueError(f"refused to fetch {url!r}: no such static file")
        with open(found, "rb") as handle:
            body = handle.read()
        suffix = "." + relative.rsplit(".", 1)[-1].lower() if "." in relative else ""
        media_type = MEDIA_TYPES.get(suffix, "application/octet-stream")
        return URLFetcherResponse(url, body, {"Content-Type": media_type})


@functools.cache
def _fetcher() -> StaticOnlyFetcher:
    return StaticOnlyFetcher(fail_on_errors=False)


@functools.cache
def print_stylesheet() -> weasyprint.CSS:
    """The print stylesheet, parsed once per process (parsing costs more than it seems)."""
    path = finders.find(PRINT_STYLESHEET)
    assert isinstance(path, str), f"static file {PRINT_STYLESHEET} is missing"
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return weasyprint.CSS(
        string=text,
        base_url=f"{STATIC_ORIGIN}/{settings.STATIC_URL.strip('/')}/css/",
        url_fetcher=_fetcher(),
    )


def render_pdf(html: str, *, title: str, author: str, subject: str, created: datetime) -> bytes:
    document = weasyprint.HTML(
        string=html, base_url=f"{STATIC_ORIGIN}/", url_fetcher=_fetcher()
    ).render(stylesheets=[print_stylesheet()])
    document.metadata.title = title
    document.metadata.authors = [author] if author else []
    document.metadata.description = subject
    document.metadata.created = created.isoformat(timespec="seconds")
    # PDF/UA-1 (tagged, with the document title shown) renders this report without error
    # with WeasyPrint 70; tests/test_pdf.py renders every article scenario with it.
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
    return pdf
