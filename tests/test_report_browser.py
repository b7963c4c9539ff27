"""The HTML report in a real browser: headless Chromium opens it offline, its DOM holds the
story and the review, and it draws a page (not a blank one) at desktop and phone sizes and
prints to PDF.

Skipped when no Chromium is installed (``apt-get install chromium`` on Debian; CI's
``.ci/run`` installs it when it can).  The network is cut off for the browser, so a report
that needed anything from outside would show it as missing, never fetch it.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SEEDS
from storydiff.report import render
from storydiff.review import Review
from storydiff.story import load_story

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "headless_shell")
BROWSER = next((path for name in CANDIDATES if (path := shutil.which(name))), None)
TIMEOUT = 60

pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason=f"no headless Chromium on PATH (looked for {', '.join(CANDIDATES)}); "
    "install one, e.g. apt-get install chromium",
)

# No DNS, a proxy that refuses, no background fetches: the page must stand on its own.
OFFLINE = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-extensions",
)
NOTE = "Check this figure against the wire copy."


class BrowserError(Exception):
    """Chromium ran and did not produce what it was asked for."""


def run_chromium(profile: Path, *args: str, done: Path | None = None) -> str:
    """Run headless Chromium and return its stdout; the new headless mode first, the old
    one when this build does not know it.  ``done`` is the file the run must write (else
    stdout must hold a page)."""
    assert BROWSER is not None
    errors = []
    for headless in ("--headless=new", "--headless"):
        cmd = [
            BROWSER,
            headless,
            "--no-sandbox",  # root in containers and CI
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *OFFLINE,
            *args,
        ]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            errors.append(f"{headless}: {exc}")
            continue
        ok = done.exists() and done.stat().st_size > 0 if done else "</html>" in out.stdout
        if out.returncode == 0 and ok:
            return out.stdout
        errors.append(f"{headless}: exit {out.returncode}\n{out.stderr[-2000:]}")
    raise BrowserError("\n".join(errors))


def chromium(profile: Path, *args: str, done: Path | None = None) -> str:
    try:
        return run_chromium(profile, *args, done=done)
    except BrowserError as exc:
        pytest.fail(f"Chromium failed:\n{exc}")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The seeds' HTML report (a flag and a note on row 2) and an empty page to compare
    screenshots with, written to a temporary folder.

    Skips when the browser found cannot open even the empty page (Ubuntu's
    ``chromium-browser`` may be a wrapper for a snap that does not run in a container):
    that is the machine, not the report."""
    folder = tmp_path_factory.mktemp("report")
    blank = folder / "blank.html"
    blank.write_text("<!doctype html><title>blank</title>", "utf-8")
    try:
        run_chromium(folder / "profile", "--dump-dom", blank.as_uri())
    except BrowserError as exc:
        pytest.skip(f"{BROWSER} cannot render even an empty page headless: {exc}"[:800])
    al = load_story([str(SEEDS)])
    review = Review()
    review.toggle_flagged(al.rows[1].id)
    review.set_note(al.rows[1].id, NOTE)
    page = folder / "storydiff-report.html"
    page.write_text(render(al, review, "html", generated="2024-05-01T12:00:00Z"), "utf-8")
    return page, blank


def test_rendered_dom_has_the_story(report: tuple[Path, Path], tmp_path: Path) -> None:
    page, _ = report
    dom = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    al = load_story([str(SEEDS)])
    for v in al.versions:
        assert v.outlet in dom, v.outlet
    assert NOTE in dom and "⚑ flagged" in dom
    based = [row for row in al.rows if al.base in row.cells]  # the base's text is unmarked
    for row in (based[0], based[len(based) // 2], based[-1]):
        text = row.cells[al.base].paragraphs[0].text
        assert html.escape(text, quote=False) in dom, text


@pytest.mark.parametrize("size", ["1280,2000", "390,844"], ids=["desktop", "phone"])
def test_screenshot_is_a_drawn_page(report: tuple[Path, Path], tmp_path: Path, size: str) -> None:
    page, blank = report
    shots = {}
    for name, source in (("report", page), ("blank", blank)):
        shot = tmp_path / f"{name}.png"
        chromium(
            tmp_path / "profile",
            f"--screenshot={shot}",
            f"--window-size={size}",
            source.as_uri(),
            done=shot,
        )
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        shots[name] = shot.stat().st_size
    # Text, tables and tinted diffs compress far worse than an empty page of the same size.
    assert shots["report"] > 5_000 and shots["report"] > 3 * shots["blank"], shots


def test_prints_to_pdf(report: tuple[Path, Path], tmp_path: Path) -> None:
    page, _ = report
    pdf = tmp_path / "report.pdf"
    chromium(
        tmp_path / "profile",
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        page.as_uri(),
        done=pdf,
    )
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 50_000
