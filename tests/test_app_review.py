"""Pilot tests of reviewing in the reader: mark, flag, note, filters, the review list, export,
and that all of it is saved as the user works and comes back on the next start.

Every test works on its own copy of the demo story in ``tmp_path`` (the review is written
next to the story), never on ``seeds/``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, TextArea

from storydiff.app import StorydiffApp
from storydiff.model import Alignment
from storydiff.review.store import SIDECAR_DIR, SIDECAR_NAME
from storydiff.story import load_story
from storydiff.ui.screens.export import ExportScreen
from storydiff.ui.screens.help import HelpScreen
from storydiff.ui.screens.marks import MarksScreen
from storydiff.ui.screens.note import NoteScreen
from storydiff.ui.screens.reader import ReaderScreen
from storydiff.ui.widgets.story_header import StoryHeader
from storydiff.ui.widgets.story_view import StoryView

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
WIDE = (160, 48)
SMALL = (80, 24)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("STORYDIFF_KEYS", str(tmp_path / "no-keys.toml"))


Running = tuple[StorydiffApp, Pilot[int], ReaderScreen]


@asynccontextmanager
async def reader(
    folder: Path, size: tuple[int, int] = WIDE, notes: list[str] | None = None
) -> AsyncIterator[Running]:
    app = StorydiffApp(alignment=load_story([str(folder)]), colours="colour")
    if notes is not None:
        original = app.notify

        def notify(message: str, *args: Any, **kwargs: Any) -> None:
            notes.append(message)
            original(message, *args, **kwargs)

        app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0)
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        assert app.review is not None
        app.review.wait()  # opened on a thread after the first frame
        await pilot.pause()
        yield app, pilot, screen


def sidecar(folder: Path) -> dict[str, Any]:
    data = json.loads((folder / SIDECAR_DIR / SIDECAR_NAME).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def position(screen: ReaderScreen) -> str:
    return screen.query_one(StoryHeader).right.plain


def block_text(screen: ReaderScreen, pos: int) -> str:
    story = screen.query_one(StoryView)
    block = story.blocks[pos]
    return "\n".join("".join(s.text for s in line) for line in block.lines)


def visible_rows(screen: ReaderScreen) -> list[int]:
    """Rows whose blocks have any lines (a review filter empties the others)."""
    return [b.row for b in screen.query_one(StoryView).blocks if b.lines and b.row is not None]


async def type_note(pilot: Pilot[int], text: str) -> None:
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(pilot.app.screen, NoteScreen)
    area = pilot.app.screen.query_one(TextArea)
    area.text = ""
    await pilot.press(*text)


def gutter(line: list[Segment]) -> str:
    return "".join(s.text for s in line)[:6]


# ---------------------------------------------------------------------- marking
async def test_space_bang_and_a_mark_flag_and_note_the_current_row(story: Path) -> None:
    async with reader(story) as (app, pilot, screen):
        n = len(screen.alignment.rows)
        await pilot.press("space")
        assert screen.session is not None
        assert screen.session.mark(0).reviewed
        assert f"1/{n} reviewed, 0 flagged" in position(screen)
        assert "✓" in gutter(screen.query_one(StoryView).blocks[0].lines[0])
        await pilot.press("j", "exclamation_mark")
        assert screen.session.mark(1).flagged and not screen.session.mark(1).reviewed
        await type_note(pilot, "quote cut")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert screen.session.mark(1).note == "quote cut"
        assert f"1/{n} reviewed, 1 flagged" in position(screen)
        text = block_text(screen, 1)
        assert "⚑ flagged" in text and "✎ quote cut" in text
        # space again takes the mark off
        await pilot.press("k", "space")
        assert not screen.session.mark(0).reviewed
        assert f"0/{n} reviewed" in position(screen)
    saved = sidecar(story)
    assert saved["format"] == "storydiff-review"
    (entry,) = saved["entries"]
    assert entry["flagged"] and entry["note"] == "quote cut" and not entry["reviewed"]


async def test_the_review_is_back_on_the_next_start(story: Path) -> None:
    async with reader(story) as (_, pilot, screen):
        await pilot.press("space", "j", "j", "exclamation_mark")
        await type_note(pilot, "number changed")
        await pilot.press("enter")
        rows = screen.alignment.rows
        expected = {rows[0].id: (True, False, ""), rows[2].id: (False, True, "number changed")}
    async with reader(story) as (_, pilot, screen):
        assert screen.session is not None
        got = {
            rid: (m.reviewed, m.flagged, m.note) for rid, m in screen.session.review.marks.items()
        }
        assert got == expected
        assert "1/27 reviewed, 1 flagged" in position(screen)


async def test_escape_cancels_a_note_but_keeps_what_was_typed(story: Path) -> None:
    notes: list[str] = []
    async with reader(story, notes=notes) as (app, pilot, screen):
        assert screen.session is not None
        await type_note(pilot, "first")
        await pilot.press("enter")
        await type_note(pilot, "a typo that")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert screen.session.mark(0).note == "first"  # the saved note is untouched
        assert any("a brings it back" in n for n in notes)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.query_one(TextArea).text == "a typo that"
        assert app.screen.query("#note-draft")
        await pilot.press("escape")  # Esc on an unchanged draft drops it
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == "first"
        app.screen.query_one(TextArea).text = ""
        await pilot.press("enter")  # an empty note deletes it
        await pilot.pause()
        assert screen.session.mark(0).note == ""
    assert sidecar(story)["entries"] == []


async def test_hostile_note_text_is_shown_literally(story: Path) -> None:
    async with reader(story) as (_, pilot, screen):
        assert screen.session is not None
        screen.session.set_note(0, "[bold]x[/] \x1b[31mred")
        screen._refresh_row(0)
        await pilot.pause()
        text = block_text(screen, 0)
        assert "[bold]x[/]" in text and "\\x1b[31mred" in text
        assert "\x1b" not in text


# ---------------------------------------------------------------------- filters
async def test_F_shows_only_flagged_rows_and_j_moves_among_them(story: Path) -> None:
    notes: list[str] = []
    async with reader(story, notes=notes) as (_, pilot, screen):
        await pilot.press("F")
        assert screen.review_filter is None
        assert any("no rows are flagged" in n for n in notes)
        await pilot.press("j", "exclamation_mark", "j", "j", "j", "exclamation_mark", "G")
        last = screen.pos
        await pilot.press("exclamation_mark", "g")
        await pilot.press("F")
        assert screen.review_filter == "flagged"
        assert visible_rows(screen) == [1, 4, last]
        assert screen.pos == 1
        assert "only flagged (3)" in position(screen)
        await pilot.press("j")
        assert screen.pos == 4
        await pilot.press("j", "j")
        assert screen.pos == last
        await pilot.press("g")
        assert screen.pos == 1
        await pilot.press("F")
        assert screen.review_filter is None
        assert len(visible_rows(screen)) == len(screen.alignment.rows)


async def test_U_walks_the_rows_not_yet_reviewed(story: Path) -> None:
    notes: list[str] = []
    async with reader(story, size=SMALL, notes=notes) as (_, pilot, screen):
        n = len(screen.alignment.rows)
        await pilot.press("space", "U")
        assert screen.review_filter == "unreviewed"
        assert screen.pos == 1  # row 1 is reviewed: the cursor went on to the next
        assert 0 not in visible_rows(screen)
        for _ in range(n - 1):
            await pilot.press("space")  # marks it and moves on: the natural way through
        assert screen.session is not None and screen.session.review.reviewed == n
        assert screen.review_filter is None
        assert any("no rows left" in m for m in notes)


async def test_a_search_for_a_hidden_row_turns_the_filter_off(story: Path) -> None:
    async with reader(story) as (_, pilot, screen):
        await pilot.press("exclamation_mark", "F")
        assert screen.review_filter == "flagged"
        await pilot.press("G")  # the last flagged row is row 1
        assert screen.pos == 0
        screen._goto(5)
        await pilot.pause()
        assert screen.review_filter is None and screen.pos == 5


# ---------------------------------------------------------------------- list, export
async def test_L_lists_marked_rows_and_enter_jumps_there(story: Path) -> None:
    async with reader(story) as (app, pilot, screen):
        await pilot.press("G", "exclamation_mark", "g", "L")
        await pilot.pause()
        assert isinstance(app.screen, MarksScreen)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 1
        options.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert screen.pos == len(screen.alignment.rows) - 1


@pytest.mark.parametrize(("key", "fmt"), [("h", "html"), ("m", "md"), ("c", "csv")])
async def test_e_writes_a_report_next_to_the_story(story: Path, key: str, fmt: str) -> None:
    notes: list[str] = []
    async with reader(story, notes=notes) as (app, pilot, screen):
        await pilot.press("exclamation_mark", "e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        await pilot.press(key)
        await app.workers.wait_for_complete()
        await pilot.pause()
    path = story / f"storydiff-report.{fmt}"
    assert path.is_file()
    assert any(str(path) in n for n in notes)
    text = path.read_text("utf-8")
    for v in screen.alignment.versions:
        assert v.outlet in text
    # and the next run does not take the report for a copy of the story
    assert len(load_story([str(story)]).versions) == len(screen.alignment.versions)


async def test_the_demo_review_and_reports_go_to_the_user_data_dir(
    fresh_data_dir: Path,
) -> None:
    app = StorydiffApp(alignment=load_story([]), colours="colour")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause(0)
        await pilot.press("space", "e", "m")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert (fresh_data_dir / "storydiff" / "reviews" / "demo.json").is_file()
    assert list((fresh_data_dir / "storydiff" / "reports").glob("*storydiff-report.md"))
    assert not (SEEDS / SIDECAR_DIR).exists()


# ---------------------------------------------------------------------- start-up
async def test_a_broken_review_file_is_kept_aside_with_a_warning(story: Path) -> None:
    side = story / SIDECAR_DIR
    side.mkdir()
    (side / SIDECAR_NAME).write_text("{not json", "utf-8")
    notes: list[str] = []
    async with reader(story, notes=notes) as (_, pilot, _screen):
        await pilot.press("space")
    kept = list(side.glob(f"{SIDECAR_NAME}.broken-*"))
    assert len(kept) == 1 and kept[0].read_text("utf-8") == "{not json"
    assert any("kept as" in n and "broken JSON" in n for n in notes)
    assert sidecar(story)["entries"][0]["reviewed"]


async def test_marks_follow_their_rows_when_the_base_changes(story: Path) -> None:
    async with reader(story) as (app, pilot, screen):
        await pilot.press("j", "space")
        row_id = screen.alignment.rows[1].id
        await pilot.press("b")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.alignment.base != load_story([str(story)]).base
        assert screen.session is not None
        assert screen.session.review.get(row_id).reviewed
        assert screen.session.alignment is screen.alignment


async def test_a_key_pressed_before_the_review_is_open_is_not_lost(story: Path) -> None:
    """The review opens on a thread after the first frame; space at once still marks."""
    app = StorydiffApp(alignment=load_story([str(story)]), colours="colour")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("space")
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        assert screen.session is not None and screen.session.mark(0).reviewed


async def test_review_keys_are_in_the_help_and_the_palette(story: Path) -> None:
    async with reader(story) as (app, pilot, screen):
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = {bid: k for k, _desc, bid in app.screen.rows}
        assert keys["review.toggle"] == "space"
        assert keys["review.flag"] == "!"
        assert keys["review.note"] == "a"
        assert keys["review.filter_flagged"] == "F"
        assert keys["review.filter_unreviewed"] == "U"
        assert keys["report.export"] == "e"
        await pilot.press("escape", "ctrl+p")
        app.screen.query_one(Input).value = "Flag the row"
        await pilot.pause(0.1)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session is not None and screen.session.mark(0).flagged


def test_orphans_are_announced(story: Path) -> None:
    """A mark whose passage is gone from the story is kept and the reader says so."""
    from storydiff.review import Entry, Mark
    from storydiff.review.codec import FORMAT, SCHEMA

    side = story / SIDECAR_DIR
    side.mkdir()
    entry = Entry(("0123456789abcdef",), "A paragraph since removed.", Mark(note="check"), 3)
    doc = {
        "format": FORMAT,
        "schema": SCHEMA,
        "entries": [
            {
                "row": entry.row,
                "text": entry.text,
                "fingerprints": list(entry.fingerprints),
                "note": "check",
            }
        ],
    }
    (side / SIDECAR_NAME).write_text(json.dumps(doc), "utf-8")
    al: Alignment = load_story([str(story)])
    app = StorydiffApp(alignment=al, colours="colour")
    seen: list[str] = []
    original = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        seen.append(message)
        original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]

    async def run() -> None:
        async with app.run_test(size=WIDE) as pilot:
            await pilot.pause(0)
            assert app.review is not None
            app.review.wait()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReaderScreen)
            assert "1 gone" in position(screen)
            await pilot.press("L")
            await pilot.pause()
            assert isinstance(app.screen, MarksScreen)
            text = str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
            assert "since removed" in text

    import asyncio

    asyncio.run(run())
    assert any("no longer in the story" in s for s in seen)
    # saved again untouched when something else changes? nothing changed: file as it was
    assert json.loads((side / SIDECAR_NAME).read_text("utf-8"))["entries"][0]["note"] == "check"
