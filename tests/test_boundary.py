"""Architecture rules that keep the engine usable without the UI and the CLI fast."""

from __future__ import annotations

from conftest import modules_after


def test_engine_never_imports_textual() -> None:
    mods = modules_after(
        "import storydiff.story, storydiff.jsonio, storydiff.build, storydiff.summary\n"
        "import storydiff.review, storydiff.review.session, storydiff.report\n"
        "from storydiff.story import load_story; load_story([])"
    )
    assert "textual" not in mods


def test_reader_rendering_needs_no_textual() -> None:
    """The reader's layout and diff rendering are Rich only: testable and reusable (reports,
    screenshots, benchmarks) without an app."""
    mods = modules_after(
        "import storydiff.ui.render, storydiff.ui.layout, storydiff.ui.reading, storydiff.ui.keymap"
    )
    assert "textual" not in mods


def test_align_json_path_stays_light() -> None:
    """`storydiff align --json` on plain-text copies must not pay for trafilatura, numpy or
    Rich; they are imported only when needed."""
    mods = modules_after(
        "import io, contextlib\n"
        "from storydiff.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['align', '--json'])\n"
        "    except SystemExit: pass"
    )
    for heavy in ("textual", "trafilatura", "numpy", "rich"):
        assert heavy not in mods, heavy
