"""The PDF report: its content, paper sizes and metadata, what it may fetch, its download and
``manage.py report``.

The chatbot scenario is rendered once per paper and read back with pypdf. WeasyPrint fetches
only our static files: the network and the rest of the disk are refused. Owners and viewers
download the PDF; outsiders get 404 and people not signed in are sent to sign in. The command
writes pdf, html, md or json from a file or stdin, and on invalid input writes nothing.
"""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from PIL import Image
from pypdf import PdfReader

from decider.accounts.models import Membership, Role
from decider.accounts.services import create_team, create_user
from decider.assessments.services import start_assessment
from decider.engine import default_engine, validate_answers
from decider.exports import pdf
from tests.factories import scenario_answers

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough test password"
TITLE = "Support bot: phase 1"
CREATED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HEADINGS = [
    "Why",
    "What to watch",
    "Which part goes where",
    "What would change this",
    "Next steps",
    "Appendix: the answers",
]


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def chatbot_html(paper: str) -> str:
    answers = validate_answers(scenario_answers("support chatbot"))
    context = pdf.report_context(
        title=TITLE,
        use_case=str(answers["use_case"]),
        team="Platform team",
        author="Olga Owner",
        status="Proposed",
        answers=answers,
        result=default_engine().assess_valid(answers),
        assessed_at=CREATED,
        paper=paper,
    )
    return pdf.render_html(context)


def render(html: str) -> bytes:
    return pdf.render_pdf(
        html, title=TITLE, author="Olga Owner", subject="Recommendation: Hybrid", created=CREATED
    )


@pytest.fixture(scope="module")
def chatbot_pdfs() -> dict[str, bytes]:
    return {paper: render(chatbot_html(paper)) for paper in ("a4", "letter")}


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


# ---------------------------------------------------------------------- content


def test_pdf_report_holds_the_recommendation_every_section_and_the_answers(
    chatbot_pdfs: dict[str, bytes],
) -> None:
    reader = PdfReader(io.BytesIO(chatbot_pdfs["a4"]))
    text = text_of(chatbot_pdfs["a4"])

    assert len(reader.pages) >= 2
    assert "Recommendation: Hybrid" in text
    assert [heading for heading in HEADINGS if heading not in text] == []
    # Answers in words, as the questionnaire puts them, not their codes.
    assert "1 500 000 requests a month" in text
    assert "Conversational support" in text
    assert "conversational_support" not in text
    assert "Page 1 of" in text
    assert default_engine().loaded.sha256 in text.replace(" ", "")


def test_pdf_report_carries_its_metadata(chatbot_pdfs: dict[str, bytes]) -> None:
    metadata = PdfReader(io.BytesIO(chatbot_pdfs["a4"])).metadata

    assert metadata is not None
    assert (metadata.title, metadata.author, metadata.subject) == (
        TITLE,
        "Olga Owner",
        "Recommendation: Hybrid",
    )
    assert metadata.creation_date == CREATED


@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_pdf_report_is_printed_on_the_chosen_paper(
    chatbot_pdfs: dict[str, bytes], paper: str, size: tuple[int, int]
) -> None:
    reader = PdfReader(io.BytesIO(chatbot_pdfs[paper]))

    sizes = {(round(p.mediabox.width), round(p.mediabox.height)) for p in reader.pages}

    assert sizes == {size}


def test_report_context_refuses_an_unknown_paper() -> None:
    answers = validate_answers(scenario_answers("support chatbot"))
    with pytest.raises(ValueError, match="paper"):
        pdf.report_context(
            title=TITLE,
            use_case="",
            team="",
            author="",
            status="Draft",
            answers=answers,
            result=default_engine().assess_valid(answers),
            assessed_at=CREATED,
            paper="a3",
        )


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler's pdftoppm")
def test_pdf_report_first_page_draws_something(
    chatbot_pdfs: dict[str, bytes], tmp_path: Path
) -> None:
    source = tmp_path / "report.pdf"
    source.write_bytes(chatbot_pdfs["a4"])

    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(source), str(tmp_path / "p")],
        check=True,
        timeout=60,
    )

    [png] = tmp_path.glob("p*.png")
    with Image.open(png) as image:
        darkest, _ = image.convert("L").getextrema()
    assert isinstance(darkest, int)
    assert darkest < 128  # some dark ink: the page is not blank


# ---------------------------------------------------------------------- what it may fetch


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/static/css/print.css",
        "file:///etc/passwd",
        "https://decider.invalid/static/../../etc/passwd",
        "https://decider.invalid/etc/passwd",
    ],
)
def test_url_fetcher_refuses_anything_but_our_static_files(url: str) -> None:
    with pytest.raises(ValueError, match="refused"):
        pdf.StaticOnlyFetcher().fetch(url)


def test_url_fetcher_serves_our_static_files() -> None:
    response = pdf.StaticOnlyFetcher().fetch("https://decider.invalid/static/css/print.css")

    assert b"@page" in response.read()
    assert response.headers.get_content_type() == "text/css"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record, and refuse, every attempt to open a connection or resolve a name."""
    attempts: list[object] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_rendering_a_remote_image_touches_no_network(no_network: list[object]) -> None:
    html = chatbot_html("a4").replace(
        "<body", '<img src="http://example.com/x.png" alt="tracker"><body', 1
    )
    html = html.replace("</body>", '<img src="file:///etc/passwd" alt=""></body>')

    content = render(html)

    assert content.startswith(b"%PDF")
    assert no_network == []


# ---------------------------------------------------------------------- download


@pytest.fixture
def crew(db: Any) -> dict[str, Any]:
    owner = create_user(email="owner@example.com", password=PASSWORD, name="Olga Owner")
    viewer = create_user(email="viewer@example.com", password=PASSWORD, name="Vera Viewer")
    outsider = create_user(email="out@example.com", password=PASSWORD, name="Otto Outsider")
    team = create_team(name="Platform team", owner=owner)
    Membership.objects.create(team=team, user=viewer, role=Role.VIEWER)
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
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(("who", "paper"), [("owner", "a4"), ("viewer", "letter")])
def test_members_download_the_pdf_report(crew: dict[str, Any], who: str, paper: str) -> None:
    url = f"/a/{crew['assessment'].id}/export/report.pdf?paper={paper}"

    response = client_for(crew[who]).get(url)

    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response["Content-Disposition"] == (
        f'attachment; filename="support-bot-phase-1-{paper}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    metadata = PdfReader(io.BytesIO(response.content)).metadata
    assert metadata is not None
    assert (metadata.title, metadata.author) == (TITLE, "Olga Owner")


def test_pdf_report_is_hidden_from_outsiders_and_anonymous_visitors(crew: dict[str, Any]) -> None:
    url = f"/a/{crew['assessment'].id}/export/report.pdf"

    outsider = client_for(crew["outsider"]).get(url)
    anonymous = client_for(None).get(url)

    assert outsider.status_code == 404
    assert (anonymous.status_code, anonymous["Location"].split("?")[0]) == (
        302,
        "/accounts/login/",
    )


def test_pdf_report_refuses_an_unknown_paper(crew: dict[str, Any]) -> None:
    url = f"/a/{crew['assessment'].id}/export/report.pdf?paper=a3"

    response = client_for(crew["owner"]).get(url)

    assert response.status_code == 400


def test_report_page_links_both_pdf_papers(crew: dict[str, Any]) -> None:
    assessment_id = crew["assessment"].id

    page = client_for(crew["owner"]).get(f"/a/{assessment_id}/report/").content.decode()

    assert f'href="/a/{assessment_id}/export/report.pdf?paper=a4"' in page
    assert f'href="/a/{assessment_id}/export/report.pdf?paper=letter"' in page


# ---------------------------------------------------------------------- manage.py report


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "manage.py", "report", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def answers_file(tmp_path: Path) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(scenario_answers("support chatbot")), encoding="utf-8")
    return path


def test_report_command_writes_each_format(answers_file: Path, tmp_path: Path) -> None:
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("pdf", "html", "md", "json")}

    statuses = [
        run(str(answers_file), "--format", fmt, "-o", str(out)).returncode
        for fmt, out in outputs.items()
    ]

    assert statuses == [0, 0, 0, 0]
    assert outputs["pdf"].read_bytes().startswith(b"%PDF")
    assert "Recommendation: Hybrid" in text_of(outputs["pdf"].read_bytes())
    html = outputs["html"].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "Appendix: the answers" in html
    assert outputs["md"].read_text(encoding="utf-8").startswith('---\nstatus: "proposed"')
    assert json.loads(outputs["json"].read_text(encoding="utf-8"))["recommendation"] == "hybrid"


def test_report_command_reads_stdin_and_writes_stdout() -> None:
    stdin = json.dumps(scenario_answers("support chatbot")).encode()

    text = run("-", "--format", "json", "-o", "-", stdin=stdin)
    binary = run("-", "--format", "pdf", "--paper", "letter", "-o", "-", stdin=stdin)

    assert (text.returncode, json.loads(text.stdout)["recommendation"]) == (0, "hybrid")
    assert (binary.returncode, binary.stdout[:5]) == (0, b"%PDF-")
    box = PdfReader(io.BytesIO(binary.stdout)).pages[0].mediabox
    assert (round(box.width), round(box.height)) == (612, 792)


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [
        (b'{"stage": "nope"}', "error: stage: 'nope' is not allowed"),
        (b'{"monthly_requests": -5}', "error: monthly_requests:"),
        (b"[{}]", "error: input: report takes one answers object"),
        (b"{oops", "error: input: malformed JSON"),
    ],
)
def test_report_command_refuses_invalid_input_and_writes_nothing(
    tmp_path: Path, stdin: bytes, expected: str
) -> None:
    out = tmp_path / "report.pdf"

    done = run("-", "--format", "pdf", "-o", str(out), stdin=stdin)

    assert done.returncode == 1
    assert expected in done.stderr.decode()
    assert done.stdout == b""
    assert not out.exists()
