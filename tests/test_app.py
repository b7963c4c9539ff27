"""Pilot tests of the reader: every key, every view, the sizes it must survive, the text it must
show literally.  They assert the reader's state (``ReaderScreen`` attributes) and what its
widgets render, not merely that nothing crashed.

Most tests share one prebuilt alignment of the demo story (module scope) so that each pays
only for the app; a few go through the real loading worker.  A keypress under Pilot costs
some 50 ms of waiting for the app to settle, so the tests reach far rows with ``G``/``k`` and
searches rather than long runs of ``j``."""

from __future__ import annotations

import itertools
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.markup import MarkupError
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, SelectionList, Static

from storydiff.app import StorydiffApp
from storydiff.build import build_alignment
from storydiff.errors import InputError
from storydiff.loading import load_document
from storydiff.model import Alignment
from storydiff.story import Progress, load_story, make_versions
from storydiff.synthetic import make_story
from storydiff.ui.commands import ReaderCommands
from storydiff.ui.layout import View, gutter_width
from storydiff.ui.render import mark_char
from storydiff.ui.screens.help import HelpScreen
from storydiff.ui.screens.loading import LoadingScreen
from storydiff.ui.screens.reader import ReaderScreen
from storydiff.ui.screens.versions import VersionsScreen
from storydiff.ui.widgets.overview import LABEL, Overview
from storydiff.ui.widgets.story_header import StoryHeader
from storydiff.ui.widgets.story_view import StoryView

SMALL = (80, 24)
WIDE = (160, 48)


# ---------------------------------------------------------------------- fixtures and helpers
@pytest.fixture(scope="module")
def demo() -> Alignment:
    """The bundled demo story (5 copies, 27 rows), aligned once for the whole module."""
    return load_story([])


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Deterministic runs: no NO_COLOR from the developer's shell, and never the developer's
    own keys.toml (a remapped key would fail these tests for the wrong reason)."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("STORYDIFF_KEYS", str(tmp_path / "no-keys.toml"))


Running = tuple[StorydiffApp, Pilot[int], ReaderScreen]


@asynccontextmanager
async def reader(
    al: Alignment,
    size: tuple[int, int] = SMALL,
    colours: str | None = "colour",
    notes: list[str] | None = None,
    toasts: bool = False,
) -> AsyncIterator[Running]:
    """The app on ``al``, already on its reader screen.  ``notes`` collects every notification
    (the app's ``notify`` is wrapped before it starts, so mount-time warnings are caught);
    ``toasts`` draws them too (Pilot leaves them out by default)."""
    app = StorydiffApp(alignment=al, colours=colours)
    if notes is not None:
        record(app, notes)
    async with app.run_test(size=size, notifications=toasts) as pilot:
        await pilot.pause(0)  # pending messages handled; no wait for the CPU to go idle
        yield app, pilot, screen_of(app)


def record(app: StorydiffApp, notes: list[str]) -> None:
    """Collect each notification as the toast would show it: Textual reads a message as
    markup unless ``markup=False``, and a toast whose markup is invalid kills the app (these
    tests run without drawing toasts, so they record that as ``MarkupError: ...``)."""
    original = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        try:
            shown = Content.from_markup(message).plain if kwargs.get("markup", True) else message
        except MarkupError as exc:
            shown = f"MarkupError: {exc}"
        notes.append(shown)
        original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]


def toast_texts(app: StorydiffApp) -> list[str]:
    """The text of the notifications drawn on screen."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


def top(app: StorydiffApp) -> Screen[Any]:
    """The screen on top (a function, so that type narrowing does not outlive a keypress)."""
    return app.screen


def view_of(screen: ReaderScreen) -> View | None:
    return screen.view


def screen_of(app: StorydiffApp) -> ReaderScreen:
    screen = app.screen
    assert isinstance(screen, ReaderScreen), screen
    return screen


async def wait_for_reader(app: StorydiffApp, pilot: Pilot[int]) -> ReaderScreen:
    """The reader once the loading worker has handed it the story and it has laid it out."""
    for _ in range(250):
        screen = app.screen
        if isinstance(screen, ReaderScreen) and screen.query_one(StoryView).blocks:
            await pilot.pause()
            return screen
        await pilot.pause(0.02)
    raise AssertionError(f"no reader after 5 s: {app.screen}")


async def run_until_exit(app: StorydiffApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        for _ in range(250):
            if not app.is_running:
                break
            await pilot.pause(0.02)


def header(screen: ReaderScreen) -> str:
    """The header line as drawn (title cut to fit, the position on the right never cut)."""
    return str(screen.query_one(StoryHeader).render())


def position(screen: ReaderScreen) -> str:
    """The right-hand part of the header: row, base, view, paging, search."""
    return screen.query_one(StoryHeader).right.plain


def line_text(line: list[Segment]) -> str:
    return "".join(seg.text for seg in line)


def segments(screen: ReaderScreen) -> list[Segment]:
    return [s for b in screen.query_one(StoryView).blocks for line in b.lines for s in line]


def story_text(screen: ReaderScreen) -> str:
    blocks = screen.query_one(StoryView).blocks
    return "\n".join(line_text(line) for b in blocks for line in b.lines)


def heads_text(screen: ReaderScreen) -> str:
    content = screen.query_one("#heads", Static).content
    assert isinstance(content, Text)
    return content.plain


def block_keys(screen: ReaderScreen) -> list[object]:
    return [b.key for b in screen.query_one(StoryView).blocks]


def current_rows(screen: ReaderScreen) -> set[int | None]:
    """The rows whose blocks carry the cursor mark in the gutter."""
    blocks = screen.query_one(StoryView).blocks
    return {b.row for b in blocks if "▶" in line_text(b.lines[0])}


async def set_view(pilot: Pilot[int], screen: ReaderScreen, view: View) -> None:
    for _ in View:
        if screen.view is view:
            return
        await pilot.press("v")
    assert screen.view is view


async def walk(pilot: Pilot[int], screen: ReaderScreen, key: str, limit: int) -> list[int]:
    """The rows ``key`` stops at, from the current one, until it stops moving (or ``limit``)."""
    visited = [screen.pos]
    for _ in range(limit):
        await pilot.press(key)
        if screen.pos == visited[-1]:
            break
        visited.append(screen.pos)
    return visited


def check_change_walk(screen: ReaderScreen, visited: list[int], step: int) -> None:
    """Each stop differs among the compared versions; every row skipped in between does not."""
    compared = screen._compared()
    reading = screen.reading
    for a, b in itertools.pairwise(visited):
        assert (b - a) * step > 0
        assert reading.differs(b, compared, screen.consensus), b
        for skipped in range(min(a, b) + 1, max(a, b)):
            assert not reading.differs(skipped, compared, screen.consensus), skipped


# ---------------------------------------------------------------------- start-up
async def test_opens_on_the_first_row_with_the_pair_view_at_80_columns(demo: Alignment) -> None:
    async with reader(demo) as (app, pilot, screen):
        n = len(demo.rows)
        assert screen.pos == 0
        assert screen.view is View.PAIR  # five versions do not fit side by side in 80 columns
        assert screen.alignment.base == demo.base
        assert screen.shown == tuple(v.id for v in demo.versions)
        assert screen.focus_id != demo.base
        text = header(screen)
        assert f"row 1/{n}" in text
        assert "5 versions" in text
        assert f"base {demo.version(demo.base).badge}" in text
        assert "pair" in position(screen)
        assert app.theme == "textual-dark"
        # the pair: the base against the focused version, one block per row
        assert screen._cols is not None and screen._cols.vids == (demo.base, screen.focus_id)
        assert block_keys(screen) == [("row", i) for i in range(n)]
        assert demo.version(screen.focus_id).badge in heads_text(screen)
        assert current_rows(screen) == {0}
        await pilot.pause()  # the footer is filled in after the first refresh
        footer = [str(key.render()) for key in screen.query("FooterKey")]
        assert 5 <= len(footer) <= 8  # the few keys that matter; ? lists the rest
        for key in ("j row", "n change", "v view", "/ search", "? help", "q quit"):
            assert key in footer


async def test_opens_with_every_column_when_they_fit_and_tab_reaches_each(
    demo: Alignment,
) -> None:
    ids = [v.id for v in demo.versions]
    async with reader(demo, WIDE) as (_app, pilot, screen):
        assert screen.view is View.COLUMNS
        assert "columns" in position(screen)
        heads = heads_text(screen)
        for v in demo.versions:
            assert f" {v.badge} " in heads
        seen = [screen.focus_id]
        for _ in ids:
            await pilot.press("tab")
            seen.append(screen.focus_id)
        assert seen[:-1] == [*ids[1:], ids[0]]  # the base too, in the columns view
        assert seen[-1] == seen[0]


@pytest.mark.parametrize(("colours", "theme"), [("ansi", "ansi-dark"), ("mono", "textual-dark")])
async def test_palette_choice_sets_theme_and_markers(
    demo: Alignment, colours: str, theme: str
) -> None:
    """16 colours get the ANSI theme; without colour the markers are on from the start so an
    insertion is still told from a deletion."""
    async with reader(demo, colours=colours) as (app, _pilot, screen):
        assert app.theme == theme
        assert screen.palette.name == colours
        assert screen.markers is (colours == "mono")
        assert ("{+" in story_text(screen)) is (colours == "mono")


async def test_no_color_environment_means_the_mono_palette(
    demo: Alignment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    async with reader(demo, colours=None) as (_app, _pilot, screen):
        assert screen.palette.name == "mono"
        assert screen.markers


# ---------------------------------------------------------------------- loading
async def test_loading_path_reaches_the_reader(seeds: Path) -> None:
    app = StorydiffApp([str(seeds)])
    async with app.run_test(size=SMALL) as pilot:
        screen = await wait_for_reader(app, pilot)
        assert len(screen.alignment.versions) == 5
        assert f"row 1/{len(screen.alignment.rows)}" in header(screen)
        await pilot.press("j")
        assert screen.pos == 1
    assert app.error is None


async def wait_for_loading_screen(app: StorydiffApp, pilot: Pilot[int]) -> None:
    """The progress screen comes after a moment of loading: poll for it (at most 2 s)."""
    for _ in range(100):
        if isinstance(app.screen, LoadingScreen):
            return
        await pilot.pause(0.02)


async def test_slow_load_shows_progress_then_the_reader(
    demo: Alignment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load that takes a while gets the progress screen (the event loop stays free: the
    load is a worker thread), then the reader replaces it."""
    up, release = threading.Event(), threading.Event()

    def slow(_paths: object, _options: object, progress: Progress) -> Alignment:
        up.wait(5)
        progress("aligning", 3, 7)
        release.wait(5)
        return demo

    monkeypatch.setattr("storydiff.story.load_story", slow)
    app = StorydiffApp(["slow"])
    try:
        async with app.run_test(size=SMALL) as pilot:
            await wait_for_loading_screen(app, pilot)
            loading = app.screen
            assert isinstance(loading, LoadingScreen)
            up.set()
            label = ""
            for _ in range(100):
                label = str(loading.query_one("#loading-label").render())
                if "aligning" in label:
                    break
                await pilot.pause(0.02)
            assert "aligning (3/7)" in label
            release.set()
            screen = await wait_for_reader(app, pilot)
            assert screen.alignment is demo
            assert not [s for s in app.screen_stack if isinstance(s, LoadingScreen)]
    finally:
        up.set()
        release.set()


async def test_q_quits_while_loading(demo: Alignment, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def slow(_paths: object, _options: object, _progress: Progress) -> Alignment:
        release.wait(5)
        return demo

    monkeypatch.setattr("storydiff.story.load_story", slow)
    app = StorydiffApp(["slow"])
    try:
        async with app.run_test(size=SMALL) as pilot:
            await wait_for_loading_screen(app, pilot)
            assert isinstance(app.screen, LoadingScreen)
            await pilot.press("q")  # while the load is still running
            await pilot.pause()
            assert not app.is_running
    finally:
        release.set()
    assert app.return_code == 0


async def test_missing_path_exits_with_the_error_and_code_2(tmp_path: Path) -> None:
    app = StorydiffApp([str(tmp_path / "no-such-story")])
    await run_until_exit(app)
    assert not app.is_running
    assert app.error is not None
    assert "no-such-story" in app.error.message
    assert app.return_code == 2 == app.error.exit_code


async def test_internal_error_exits_70(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in loading is reported as one, with its own exit code (the CLI exits with the
    error's code)."""

    def broken(*_args: object) -> Alignment:
        raise RuntimeError("boom")

    monkeypatch.setattr("storydiff.story.load_story", broken)
    monkeypatch.delenv("STORYDIFF_DEBUG", raising=False)
    app = StorydiffApp(["whatever"])
    await run_until_exit(app)
    assert app.error is not None and "internal error" in app.error.message
    assert app.return_code == 70 and app.error.exit_code == 70


# ---------------------------------------------------------------------- moving between rows
async def test_row_keys_move_the_cursor_and_the_header(demo: Alignment) -> None:
    n = len(demo.rows)
    async with reader(demo) as (_app, pilot, screen):
        await pilot.press("j")
        assert screen.pos == 1 and f"row 2/{n}" in header(screen)
        await pilot.press("down")
        assert screen.pos == 2 and f"row 3/{n}" in header(screen)
        assert current_rows(screen) == {2}  # the mark moved: the old row's block was redrawn
        await pilot.press("k")
        assert screen.pos == 1
        await pilot.press("up", "up")  # stops at the first row
        assert screen.pos == 0 and f"row 1/{n}" in header(screen)
        await pilot.press("G")
        assert screen.pos == n - 1 and f"row {n}/{n}" in header(screen)
        assert current_rows(screen) == {n - 1}
        await pilot.press("j")  # stops at the last row
        assert screen.pos == n - 1
        await pilot.press("g")
        assert screen.pos == 0
        await pilot.press("end")
        assert screen.pos == n - 1
        await pilot.press("home")
        assert screen.pos == 0


async def test_overview_maps_every_row_of_every_version_and_marks_the_cursor(
    demo: Alignment,
) -> None:
    async with reader(demo) as (app, pilot, screen):
        await pilot.press("G", "k", "k")
        overview = screen.query_one(Overview)
        per = overview._per(overview.size.width)
        assert per == 1  # 27 rows fit in 80 columns: one mark per row
        lines = overview.render().split("\n")
        assert len(lines) == len(demo.versions)
        for line, v in zip(lines, demo.versions, strict=True):
            marks = line.plain[LABEL:]
            assert len(marks) == len(demo.rows)
            for mark, row in zip(marks, demo.rows, strict=True):
                assert (mark == mark_char("missing")) is (v.id not in row.cells)
            styles = [line.get_style_at_offset(app.console, LABEL + i) for i in range(len(marks))]
            assert [i for i, st in enumerate(styles) if st.reverse] == [screen.pos]
            assert ("▸" in line.plain[:LABEL]) is (v.id == screen.focus_id)


async def test_n_and_N_visit_exactly_the_rows_that_differ_in_the_pair(demo: Alignment) -> None:
    """In the pair view a change is one between the two versions on screen."""
    notes: list[str] = []
    async with reader(demo, notes=notes) as (_app, pilot, screen):
        await pilot.press("tab")  # the base against the Globe and Mail's longer edit
        compared = screen._compared()
        assert compared == (demo.base, screen.focus_id)
        differing = [i for i in range(len(demo.rows)) if screen.reading.differs(i, compared)]
        assert len(differing) > 8 and differing != list(range(len(demo.rows)))
        visited = await walk(pilot, screen, "n", 4)
        assert visited[1:] == [i for i in differing if i > 0][:4]
        check_change_walk(screen, visited, 1)
        assert f"row {visited[-1] + 1}/" in header(screen)

        await pilot.press("G")
        back = await walk(pilot, screen, "N", 3)
        below_last = [i for i in differing if i < len(demo.rows) - 1]
        assert back[1:] == below_last[::-1][:3]
        check_change_walk(screen, back, -1)

        await pilot.press("g", "N")
        assert screen.pos == 0 and "no more changes above" in notes
        last = differing[-1]
        await pilot.press("G")
        if last < len(demo.rows) - 1:
            await pilot.press("N")
            assert screen.pos == last
        await pilot.press("n")
        assert screen.pos == last and "no more changes below" in notes


async def test_n_and_N_in_the_columns_view_compare_every_shown_version(demo: Alignment) -> None:
    async with reader(demo, WIDE) as (_app, pilot, screen):
        await pilot.press("1", "2")  # the two near-identical Moscow Times copies hidden
        assert screen.view is View.COLUMNS and screen._compared() == screen.shown
        forward = await walk(pilot, screen, "n", 3)
        assert len(forward) == 4
        check_change_walk(screen, forward, 1)
        await pilot.press("G")
        backward = await walk(pilot, screen, "N", 2)
        assert len(backward) == 3
        check_change_walk(screen, backward, -1)


async def test_page_keys_scroll_the_story_and_moves_keep_the_cursor_in_view(
    demo: Alignment,
) -> None:
    async with reader(demo) as (_app, pilot, screen):
        story = screen.query_one(StoryView)
        assert story.scroll_offset.y == 0
        await pilot.press("pagedown")
        down = story.scroll_offset.y
        assert down > 0
        await pilot.press("pagedown")
        assert story.scroll_offset.y > down
        await pilot.press("pageup", "pageup")
        assert story.scroll_offset.y == 0
        assert screen.pos == 0  # paging scrolls, the cursor stays
        await pilot.press("G")
        start, end = story.block_span(screen.pos)
        top = story.scroll_offset.y
        assert top <= start and end <= top + story.scrollable_content_region.height
        await pilot.press("g")
        assert story.scroll_offset.y == 0


async def test_clicking_a_row_or_the_overview_moves_the_cursor(demo: Alignment) -> None:
    """The mouse may help (it is never needed)."""
    async with reader(demo) as (_app, pilot, screen):
        story = screen.query_one(StoryView)
        assert await pilot.click(StoryView, offset=(10, story.block_span(1)[0] + 1))
        assert screen.pos == 1
        overview = screen.query_one(Overview)
        per = overview._per(overview.size.width)
        assert await pilot.click(Overview, offset=(LABEL + 20, 0))
        assert screen.pos == 20 * per


# ---------------------------------------------------------------------- versions
async def test_tab_cycles_the_focused_version_of_the_pair(demo: Alignment) -> None:
    others = [v.id for v in demo.versions if v.id != demo.base]
    async with reader(demo) as (_app, pilot, screen):
        assert screen.focus_id == others[0]
        seen = [screen.focus_id]
        for _ in others:
            await pilot.press("tab")
            seen.append(screen.focus_id)
            assert screen._cols is not None
            assert screen._cols.vids == (demo.base, screen.focus_id)
        assert seen == [*others, others[0]]  # never the base, and round again
        await pilot.press("shift+tab")
        assert screen.focus_id == others[-1]
        assert f" {demo.version(others[-1]).badge} " in heads_text(screen)


async def test_b_makes_the_focused_version_the_base_and_keeps_the_rows(demo: Alignment) -> None:
    notes: list[str] = []
    async with reader(demo, notes=notes) as (app, pilot, screen):
        await pilot.press("tab", "G", "k")
        pos, new_base = screen.pos, screen.focus_id
        before = [(r.id, r.status, list(r.cells), r.kind) for r in screen.alignment.rows]
        await pilot.press("b")
        await app.workers.wait_for_complete()
        await pilot.pause()
        al = screen.alignment
        assert al.base == new_base
        assert screen.focus_id == demo.base  # the old base is now the other side of the pair
        assert screen._cols is not None and screen._cols.vids == (new_base, demo.base)
        assert [(r.id, r.status, list(r.cells), r.kind) for r in al.rows] == before
        assert screen.pos == pos  # the reader keeps their place
        assert screen.reading.alignment is al
        assert f"base {al.version(new_base).badge} " in header(screen)
        assert f"base: {al.version(new_base).outlet}" in notes
        for row in al.rows:  # the new base's own cells are the reference now
            cell = row.cells.get(new_base)
            if cell is not None:
                assert cell.similarity == 1.0


async def test_b_on_the_base_says_so(demo: Alignment) -> None:
    notes: list[str] = []
    async with reader(demo, WIDE, notes=notes) as (_app, pilot, screen):
        await pilot.press("shift+tab")  # the columns view can focus the base
        assert screen.focus_id == demo.base
        await pilot.press("b")
        assert screen.alignment.base == demo.base
        assert "this version is already the base" in notes


async def test_digits_show_and_hide_versions(demo: Alignment) -> None:
    ids = [v.id for v in demo.versions]
    notes: list[str] = []
    async with reader(demo, WIDE, notes=notes) as (_app, pilot, screen):
        await pilot.press("2")
        assert screen.shown == (ids[0], *ids[2:])
        assert f" {demo.version(ids[1]).badge} " not in heads_text(screen)
        assert screen.focus_id in screen.shown  # focus moved off the hidden version
        await pilot.press("2")
        assert screen.shown == tuple(ids)  # back, in story order
        await pilot.press("1", "9")
        assert ids[0] not in screen.shown
        assert "there is no version 9" in notes
        assert screen.shown == tuple(ids[1:])
        await pilot.press("2", "3", "4")
        assert screen.shown == (ids[4],)
        await pilot.press("5")  # the last shown version stays
        assert screen.shown == (ids[4],)
        assert "the last shown version stays" in notes
        await pilot.press("v")  # one version: the views still work
        assert screen.shown == (ids[4],) and screen.query_one(StoryView).blocks


async def test_V_picker_toggles_versions_and_applies_on_escape(demo: Alignment) -> None:
    ids = [v.id for v in demo.versions]
    async with reader(demo) as (app, pilot, screen):
        await pilot.press("V")
        assert isinstance(app.screen, VersionsScreen)
        picker = app.screen.query_one(SelectionList)
        assert set(picker.selected) == set(ids)
        await pilot.press("down", "space")  # untick version 2
        assert ids[1] not in picker.selected
        await pilot.press("escape")
        assert top(app) is screen
        assert screen.shown == tuple(v for v in ids if v != ids[1])
        assert screen.focus_id != ids[1]
        await pilot.press("V", "a", "escape")  # a: all
        assert screen.shown == tuple(ids)
        await pilot.press("V", "x", "V")  # x: only the base; V closes too
        assert screen.shown == (demo.base,)


# ---------------------------------------------------------------------- views and options
async def test_v_cycles_the_views_and_each_lays_out_its_blocks(demo: Alignment) -> None:
    n = len(demo.rows)
    async with reader(demo) as (_app, pilot, screen):
        heads = screen.query_one("#heads", Static)
        order = [screen.view]
        for _ in View:
            await pilot.press("v")
            order.append(screen.view)
            assert f"· {screen.view} " in position(screen)
            keys = block_keys(screen)
            if screen.view in (View.COLUMNS, View.PAIR):
                assert keys == [("row", i) for i in range(n)]
                assert heads.display
            elif screen.view is View.STACK:
                assert keys == [("cell", v) for v in screen.shown]
                assert not heads.display
            else:
                focused = demo.version(screen.focus_id)
                assert keys == [("para", i) for i in range(len(focused.paragraphs))]
                assert not heads.display
        assert order == [View.PAIR, View.STACK, View.PUBLISHED, View.COLUMNS, View.PAIR]
        assert screen.view_chosen


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "160x48"])
async def test_every_view_at_both_sizes(demo: Alignment, size: tuple[int, int]) -> None:
    """In every view each line of a row fills the story's width exactly (the panes stay
    aligned however the text wraps), nothing is wider than the screen, and the row keys keep
    working."""
    width = size[0] - 1  # the scrollbar
    async with reader(demo, size) as (_app, pilot, screen):
        seen = set()
        for _ in View:
            await pilot.press("v", "j")
            seen.add(screen.view)
            story = screen.query_one(StoryView)
            assert story.blocks
            for b in story.blocks:
                lengths = {sum(s.cell_length for s in line) for line in b.lines}
                if screen.view in (View.COLUMNS, View.PAIR):
                    assert lengths == {width}, (screen.view, b.key)
                else:
                    assert max(lengths) <= width, (screen.view, b.key)
            assert f"row {screen.pos + 1}/{len(demo.rows)}" in header(screen)
            assert screen.pos in current_rows(screen) or screen.view is View.STACK
            assert not screen.has_class("-too-small")
        assert seen == set(View)
        assert screen.pos == len(View)


async def test_stack_view_follows_the_row(demo: Alignment) -> None:
    async with reader(demo) as (_app, pilot, screen):
        await set_view(pilot, screen, View.STACK)
        await pilot.press("G", "k")
        unique = screen.pos
        assert len(demo.rows[unique].cells) == 1  # the demo's last-but-one row: one copy only
        blocks = screen.query_one(StoryView).blocks
        assert {b.row for b in blocks} == {unique}
        placeholders = [b for b in blocks if "not in this copy" in line_text(b.lines[0])]
        assert len(placeholders) == len(demo.versions) - 1
        assert all(len(b.lines) == 1 for b in placeholders)  # one line each, tag included


async def test_p_shows_the_focused_version_as_published(demo: Alignment) -> None:
    async with reader(demo) as (_app, pilot, screen):
        await pilot.press("p")
        assert screen.view is View.PUBLISHED
        v = demo.version(screen.focus_id)
        assert f"published ({v.badge})" in position(screen)
        text = story_text(screen)
        for para in v.folded:  # folded parts inline, with their role
            assert f"[{para.role}]" in text
        await pilot.press("j", "j")
        assert current_rows(screen) == {2}  # a split paragraph: every part is marked
        await pilot.press("G")  # the view scrolls in step with the cursor
        story = screen.query_one(StoryView)
        i = next(i for i, b in enumerate(story.blocks) if b.row == screen.pos)
        start, end = story.block_span(i)
        top = story.scroll_offset.y
        assert top > 0 and top <= start and end <= top + story.scrollable_content_region.height
        await pilot.press("k")
        assert screen.focus_id not in demo.rows[screen.pos].cells
        assert "not in this copy" in position(screen)
        await pilot.press("tab")  # another version, its own paragraphs
        w = demo.version(screen.focus_id)
        assert len(screen.query_one(StoryView).blocks) == len(w.paragraphs)
        assert f"published ({w.badge})" in position(screen)


async def test_c_toggles_differences_against_the_majority(demo: Alignment) -> None:
    async with reader(demo) as (_app, pilot, screen):
        await pilot.press("tab")  # the Globe and Mail: its own edit
        await pilot.press("c")
        assert screen.consensus
        assert "vs majority" in header(screen)
        assert "majority reading" in story_text(screen)
        visited = await walk(pilot, screen, "n", 3)
        check_change_walk(screen, visited, 1)
        await pilot.press("c")
        assert not screen.consensus
        assert "vs majority" not in header(screen)
        assert "majority reading" not in story_text(screen)


async def test_m_toggles_wdiff_markers(demo: Alignment) -> None:
    async with reader(demo) as (_app, pilot, screen):
        await pilot.press("tab")  # the Globe and Mail: its own edit
        assert not screen.markers
        assert "{+" not in story_text(screen) and "[-" not in story_text(screen)
        await pilot.press("m")
        assert screen.markers
        text = story_text(screen)
        assert "{+" in text and "+}" in text
        assert "[-" in text and "-]" in text
        await pilot.press("m")
        assert "{+" not in story_text(screen)


async def test_f_shows_folded_text_beside_its_row(demo: Alignment) -> None:
    async with reader(demo) as (_app, pilot, screen):
        await pilot.press("tab")  # the Globe and Mail: its own edit
        assert "⊘ " not in story_text(screen)
        await pilot.press("f")
        assert screen.folded
        blocks = screen.query_one(StoryView).blocks
        placed = [(k, f) for k, f in screen.reading.folded.items() if k[0] in screen._compared()]
        assert placed
        for (_vid, pos), fold in placed:  # each beside the row it belongs to
            text = "".join(line_text(line) for line in blocks[pos].lines)
            for para in (*fold.before, *fold.after):
                assert f"⊘ {para.role}:" in text, (pos, para.role)
        await pilot.press("f")
        assert "⊘ " not in story_text(screen)


async def test_t_shows_manifest_tags(demo: Alignment) -> None:
    async with reader(demo, WIDE) as (_app, pilot, screen):
        assert "rewrite" not in heads_text(screen)
        await pilot.press("t")
        assert screen.tags
        assert "rewrite" in heads_text(screen)  # IPA is tagged "rewrite" in the manifest
        await set_view(pilot, screen, View.STACK)
        assert "print" in story_text(screen)  # and MT-prn "print"
        await pilot.press("t")
        assert "print" not in story_text(screen)


# ---------------------------------------------------------------------- search
async def test_search_for_a_word_in_one_row_lands_on_it(demo: Alignment) -> None:
    async with reader(demo) as (app, pilot, screen):
        word = "gas"
        matches = screen.reading.matches(word)
        assert len(matches) == 1  # the demo story's one row with this word
        row = matches[0]
        await pilot.press("slash")
        box = screen.query_one("#search", Input)
        assert box.display and app.focused is box
        await pilot.press("G", "a", "S")  # case does not matter
        assert screen.search_text == "GaS"
        assert screen.matches == [row]
        await pilot.press("enter")
        assert screen.pos == row
        assert not box.display and app.focused is None
        assert "/GaS 1 rows" in position(screen)
        assert f"row {row + 1}/" in header(screen)
        await pilot.press("j")  # the keys belong to the reader again
        assert screen.pos == row + 1


async def test_s_and_S_step_through_matches_and_wrap(demo: Alignment) -> None:
    async with reader(demo) as (_app, pilot, screen):
        await pilot.press("slash", *"war", "enter")
        matches = screen.matches
        assert len(matches) > 3
        assert screen.pos == matches[0]
        await pilot.press("S")
        assert screen.pos == matches[-1]  # wraps round backwards
        await pilot.press("s")
        assert screen.pos == matches[0]  # and forwards
        await pilot.press("s")
        assert screen.pos == matches[1]


async def test_search_highlights_every_match(demo: Alignment) -> None:
    async with reader(demo) as (_app, pilot, screen):
        await pilot.press("slash", *"said", "enter")
        match = screen.palette.match.bgcolor
        hits = [s.text for s in segments(screen) if s.style and s.style.bgcolor == match]
        assert {h.casefold() for h in hits} == {"said"}
        with_hits = {
            b.row
            for b in screen.query_one(StoryView).blocks
            for line in b.lines
            for s in line
            if s.style is not None and s.style.bgcolor == match
        }
        assert with_hits <= set(screen.matches)


async def test_escape_cancels_typing_then_clears_a_kept_search(demo: Alignment) -> None:
    """Esc in the box cancels (back to the row and the search it started from); after
    Enter the search stays, and Esc clears it."""
    async with reader(demo) as (_app, pilot, screen):
        await pilot.press("j")
        start = screen.pos
        await pilot.press("slash", *"war")
        box = screen.query_one("#search", Input)
        await pilot.press("escape")
        assert not box.display
        assert screen.search_text == "" and screen.matches == [] and screen.pos == start
        await pilot.press("slash", *"war", "enter")
        assert not box.display and screen.search_text == "war" and screen.matches
        assert screen.pos in screen.matches
        await pilot.press("escape")
        assert screen.search_text == "" and screen.matches == []
        assert "/war" not in position(screen)
        await pilot.press("slash")  # reopens empty
        assert box.display and box.value == ""


async def test_search_without_matches_and_s_without_search_say_so(demo: Alignment) -> None:
    notes: list[str] = []
    async with reader(demo, notes=notes) as (app, pilot, screen):
        await pilot.press("s")
        assert "no search: / starts one" in notes
        await pilot.press("slash", "q", "q", "q")
        assert app.is_running and screen.search_text == "qqq"  # q is a letter in the box
        at = screen.pos  # the incremental search moved on while "q" still matched
        await pilot.press("enter")
        assert screen.matches == [] and screen.pos == at
        assert "'qqq' is in no version" in notes


# ---------------------------------------------------------------------- help, palette, quit
async def test_help_lists_every_reader_key_by_id(demo: Alignment) -> None:
    async with reader(demo) as (app, pilot, screen):
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert "Keys" in str(help_screen.query_one("#help-title", Static).render())
        keys = {bid: k for k, _desc, bid in help_screen.rows}
        wanted = {
            b.id
            for b in ReaderScreen.BINDINGS
            if not isinstance(b, tuple) and b.description and b.id
        }
        assert wanted <= set(keys)
        assert keys["row.next"] == "j, ↓"
        assert keys["row.prev_change"] == "N"
        assert keys["version.toggle9"] == "9"
        await pilot.press("q")  # q closes the help, it does not quit
        assert app.screen is screen and app.is_running
        await pilot.press("question_mark", "escape")
        assert app.screen is screen


async def test_help_shows_the_quit_id(demo: Alignment) -> None:
    """Textual's own ctrl+q binding shares the quit action but has no id: the help must still
    show the id a user remaps, ``app.quit``."""
    async with reader(demo) as (app, pilot, _screen):
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert "app.quit" in {bid for _k, _d, bid in help_screen.rows}


async def test_command_palette_runs_a_reader_command(demo: Alignment) -> None:
    async with reader(demo) as (app, pilot, screen):
        expected = screen.reading.next_differing(0, 1, screen._compared())
        assert expected is not None and expected > 0
        await pilot.press("ctrl+p")
        palette = app.screen
        assert palette is not screen
        # typing key by key costs a search per key: set the text the user would type
        palette.query_one(Input).value = "Next row that differs"
        await pilot.pause(0.1)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.pos == expected


async def test_every_reader_key_is_a_palette_command(demo: Alignment) -> None:
    """Nothing is reachable only by a key a user may have remapped or cannot type."""
    async with reader(demo) as (_app, _pilot, screen):
        hits = [hit async for hit in ReaderCommands(screen).discover()]
        shown = {str(hit.text): hit.help for hit in hits}
        for b in ReaderScreen.BINDINGS:
            assert isinstance(b, Binding)
            label = b.tooltip or b.description
            assert label in shown, label
        assert shown["Next row that differs"] == "key: n"
        assert shown["Next row"] == "key: j, ↓"


async def test_q_quits_with_code_0(demo: Alignment) -> None:
    async with reader(demo) as (app, pilot, _screen):
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0 and app.error is None


# ---------------------------------------------------------------------- keymap
async def test_keys_toml_remaps_a_binding(
    demo: Alignment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\n"row.next" = "x"\n', encoding="utf-8")
    monkeypatch.setenv("STORYDIFF_KEYS", str(keys))
    notes: list[str] = []
    async with reader(demo, notes=notes) as (app, pilot, screen):
        assert app.keymap_problems == []
        await pilot.press("x")
        assert screen.pos == 1
        await pilot.press("j")
        assert screen.pos == 1  # j is no longer bound
        await pilot.press("k")  # the others keep their keys
        assert screen.pos == 0
        await pilot.press("question_mark")  # the help shows the new key
        assert isinstance(app.screen, HelpScreen)
        assert {bid: k for k, _d, bid in app.screen.rows}["row.next"] == "x"


async def test_keys_toml_with_an_unknown_id_warns_and_runs(
    demo: Alignment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\n"row.nxet" = "x"\n"row.prev" = "y"\n', encoding="utf-8")
    monkeypatch.setenv("STORYDIFF_KEYS", str(keys))
    notes: list[str] = []
    async with reader(demo, notes=notes) as (_app, pilot, screen):
        assert any("row.nxet" in n and "not a binding id" in n for n in notes)
        await pilot.press("j", "j", "y")  # the good entry still applies
        assert screen.pos == 1


async def test_broken_keys_toml_warns_and_keeps_the_default_keys(
    demo: Alignment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text("[keys\nrow.next = \n", encoding="utf-8")
    monkeypatch.setenv("STORYDIFF_KEYS", str(keys))
    notes: list[str] = []
    async with reader(demo, notes=notes) as (_app, pilot, screen):
        assert any("default keys in use" in n for n in notes)
        await pilot.press("j")
        assert screen.pos == 1


# ---------------------------------------------------------------------- terminal sizes
async def test_shrinking_shows_a_message_and_growing_restores(demo: Alignment) -> None:
    async with reader(demo) as (app, pilot, screen):
        await pilot.press("j")
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert not screen.has_class("-too-small")
        assert screen.view is View.STACK  # 40 columns: one version under another
        await pilot.press("j")
        assert screen.pos == 2 and "row 3/" in header(screen)

        await pilot.resize_terminal(20, 5)
        await pilot.pause()
        assert screen.has_class("-too-small")
        message = screen.query_one("#too-small", Static)
        assert message.display and not screen.query_one("#main").display
        assert "needs at least" in str(message.render())
        assert "20x5" in str(message.render())
        await pilot.press("j", "n", "v", "tab", "f")  # no crash, and the state still moves
        assert screen.pos > 2 and screen.folded and view_of(screen) is View.PUBLISHED

        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert not screen.has_class("-too-small")
        assert screen.query_one("#main").display
        assert f"row {screen.pos + 1}/{len(demo.rows)}" in header(screen)
        assert "published" in position(screen)
        assert current_rows(screen) == {screen.pos}
        await pilot.press("j")
        assert f"row {screen.pos + 1}/" in header(screen)
        assert app.is_running


async def test_short_terminal_hides_the_overview(demo: Alignment) -> None:
    async with reader(demo, (80, 16)) as (_app, pilot, screen):
        overview = screen.query_one(Overview)
        assert screen.has_class("-short")
        assert overview.size.height == 0
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert not screen.has_class("-short")
        assert overview.size.height == len(demo.versions)


async def test_a_modal_over_a_resize_leaves_the_reader_laid_out_for_the_new_size(
    demo: Alignment,
) -> None:
    async with reader(demo) as (app, pilot, screen):
        await pilot.press("question_mark")
        await pilot.resize_terminal(100, 30)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        lines = [line for b in screen.query_one(StoryView).blocks for line in b.lines]
        assert {sum(s.cell_length for s in line) for line in lines} == {100 - 1}


# ---------------------------------------------------------------------- hostile text
TITLE = "Floods [bold]cut[/] \x1b[2Joff the valley"
HOSTILE = (
    "The minister said [bold red]x[/] and [link=http://e.com]y[/link] were \x1b[31mred\x1b[0m "
    "while \u202eevil text stood on the wall of the ministry in the old city centre."
)
SHARED = [
    "Rescue teams reached the flooded valley on Monday after three days of heavy rain cut "
    "off roads and bridges across the region.",
    "Officials said more than two hundred families had been moved to schools and sports "
    "halls while the water receded slowly.",
    "Forecasters expect drier weather later this week, although rivers downstream are "
    "still rising and could burst their banks.",
]


@pytest.fixture
def hostile(tmp_path: Path) -> Alignment:
    """Three plain-text copies; two carry a paragraph of markup and escape sequences, and a
    title with some too."""
    story = tmp_path / "hostile"
    story.mkdir()
    copies = {
        "a.txt": [TITLE, SHARED[0], HOSTILE, SHARED[1], SHARED[2]],
        "b.txt": [TITLE, SHARED[0], HOSTILE.replace("minister", "mayor"), SHARED[1]],
        "c.txt": [SHARED[0], SHARED[1], SHARED[2]],
    }
    for name, paras in copies.items():
        (story / name).write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    return load_story([str(story)])


async def test_hostile_text_is_shown_literally_in_every_view(hostile: Alignment) -> None:
    """Markup and escape sequences in a copy are characters on screen: ``[bold red]`` stays
    ``[bold red]``, ESC is shown as the four characters ``\\x1b``, a bidi override as
    ``\\u202e``; no segment carries a real control character or a link."""
    assert any("\x1b" in c.text for r in hostile.rows for c in r.cells.values())
    row = next(
        i for i, r in enumerate(hostile.rows) if any("[bold" in c.text for c in r.cells.values())
    )
    async with reader(hostile, WIDE) as (_app, pilot, screen):
        await pilot.press("m", "f", *["j"] * row)  # markers and folded text on; the hostile row
        seen = set()
        for _ in View:
            await pilot.press("v")
            seen.add(screen.view)
            segs = segments(screen)
            squashed = "".join(s.text for s in segs).replace(" ", "")
            assert "[boldred]x[/]" in squashed, screen.view
            assert "[link=http://e.com]y[/link]" in squashed
            assert "\\x1b[31mred\\x1b[0m" in squashed
            assert "\\u202eevil" in squashed
            for seg in segs:
                assert "\x1b" not in seg.text and "\u202e" not in seg.text
                assert seg.style is None or not seg.style.link
            title = header(screen)
            assert "[bold]cut[/]" in title and "\\x1b[2J" in title and "\x1b" not in title
        assert seen == set(View)
        await pilot.press("slash", "[", "b", "enter")  # a literal search for markup
        assert len(screen.matches) == 1 and screen.pos == row


async def test_a_search_for_markup_that_finds_nothing_is_reported_literally(
    demo: Alignment,
) -> None:
    """Searching a story for ``[/]`` (exactly what a reader checking for stray markup does)
    must not crash the reader when no copy has it."""
    notes: list[str] = []
    async with reader(demo, notes=notes) as (_app, pilot, screen):
        await pilot.press("slash", "[", "/", "]", "enter")
        assert screen.matches == []
        assert "'[/]' is in no version" in notes, notes


async def test_the_new_base_is_announced_with_its_outlet_name_literally(demo: Alignment) -> None:
    v = demo.versions[1]
    odd = replace(
        demo,
        versions=(demo.versions[0], replace(v, outlet="Evil [b]Times[/b]"), *demo.versions[2:]),
    )
    async with reader(odd, toasts=True) as (app, pilot, screen):
        assert screen.focus_id == v.id
        await pilot.press("b")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.alignment.base == v.id
        assert any("base: Evil [b]Times[/b]" in t for t in toast_texts(app))


async def test_a_keys_toml_problem_is_reported_literally(
    demo: Alignment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\n"[/]row.next" = "x"\n', encoding="utf-8")
    monkeypatch.setenv("STORYDIFF_KEYS", str(keys))
    notes: list[str] = []
    async with reader(demo, notes=notes) as (_app, _pilot, _screen):
        assert any("keys.[/]row.next is not a binding id" in n for n in notes), notes


# ---------------------------------------------------------------------- many versions
@pytest.fixture(scope="module")
def many() -> Alignment:
    story = make_story(25, n_paragraphs=14, seed=3)
    return build_alignment(story.versions)


async def test_many_versions_start_with_a_few_page_the_columns_and_can_all_be_shown(
    many: Alignment,
) -> None:
    notes: list[str] = []
    async with reader(many, WIDE, notes=notes) as (_app, pilot, screen):
        assert len(screen.shown) <= 9 + 1
        assert many.base in screen.shown
        assert any("25 versions: showing" in n for n in notes)
        overview = str(screen.query_one(Overview).render())
        assert "more versions" in overview  # the map says how many it leaves out
        await set_view(pilot, screen, View.COLUMNS)
        cols = screen._cols
        assert cols is not None and 1 < len(cols.vids) < len(screen.shown)
        assert f"1-{len(cols.vids)}/{len(screen.shown)}" in position(screen)
        while screen.focus_id in cols.vids:  # back round to the last shown
            await pilot.press("shift+tab")
        paged = screen._cols  # the columns paged to the focused version
        assert paged is not None and paged.first > 0 and screen.focus_id in paged.vids
        assert f"{paged.first + 1}-{paged.first + len(paged.vids)}/" in position(screen)
        for _ in View:
            await pilot.press("v")
            assert screen.query_one(StoryView).blocks
        await pilot.press("n")
        assert screen.pos > 0
        await pilot.press("V", "a", "escape")  # the picker: every version
        assert len(screen.shown) == 25
        assert screen.view is View.COLUMNS and "/25" in position(screen)


# ---------------------------------------------------------------------- long stories
@pytest.fixture(scope="module")
def long_story() -> Alignment:
    """More rows than the reader lays out at once around the cursor."""
    al = build_alignment(make_story(3, n_paragraphs=110, seed=1).versions)
    assert len(al.rows) > 100
    return al


def real_rows(screen: ReaderScreen) -> list[bool]:
    """Per block: drawn for real (its gutter shows its row number), not a blank stand-in."""
    out = []
    width = gutter_width(len(screen.reading.rows))
    for b in screen.query_one(StoryView).blocks:
        assert b.row is not None
        gutter = line_text(b.lines[0])[:width].strip()
        out.append(gutter in (f"{b.row + 1}", f"▶{b.row + 1}"))
    return out


async def test_a_long_story_is_filled_in_after_the_first_frame(long_story: Alignment) -> None:
    """Rows far from the cursor start as estimates and are filled in without a keypress;
    jumping to the far end shows real rows with the cursor on the last one."""
    n = len(long_story.rows)
    async with reader(long_story) as (_app, pilot, screen):
        await pilot.pause()
        assert all(real_rows(screen))
        await pilot.press("G")
        assert current_rows(screen) == {n - 1}
        await pilot.press("c")  # a new layout: estimates again, then filled in
        await pilot.pause()
        assert all(real_rows(screen))
        assert current_rows(screen) == {screen.pos}
        lines = [line for b in screen.query_one(StoryView).blocks for line in b.lines]
        assert {sum(s.cell_length for s in line) for line in lines} == {SMALL[0] - 1}


# ---------------------------------------------------------------------- no body text at all
@pytest.fixture
def no_body(tmp_path: Path) -> Alignment:
    """Two copies with nothing but boilerplate (a paywalled page looks like this), aligned:
    every paragraph folded and no rows.  ``load_story`` refuses such a story (nothing to
    compare); the reader must still draw an alignment without rows in every view."""
    story = tmp_path / "paywalled"
    story.mkdir()
    (story / "a.txt").write_text("Advertisement\n\nSign up for our newsletter to get the news.\n")
    (story / "b.txt").write_text("Advertisement\n\nSkip to main content\n")
    with pytest.raises(InputError, match="no story text in this copy"):
        load_story([str(story)])
    docs = [load_document(story / name, name) for name in ("a.txt", "b.txt")]
    al = build_alignment(make_versions(docs, None))
    assert al.rows == ()
    return al


async def test_a_story_without_body_text_opens_in_every_view(no_body: Alignment) -> None:
    async with reader(no_body, (40, 12)) as (app, pilot, screen):
        assert screen.view is View.STACK  # the narrow terminal's view
        assert "row 0/0" in position(screen)
        assert "no paragraphs to compare" in story_text(screen).replace("\n", " ")
        for _ in View:
            await pilot.press("v", "j", "n")
            assert app.is_running and screen.pos == 0
        await pilot.press("p")  # the folded text is there to read
        assert "Advertisement" in story_text(screen)
