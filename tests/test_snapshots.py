"""SVG snapshot tests of the reader on the bundled demo story (pytest-textual-snapshot).

Each test's docstring says what a reviewer should see in the picture; the report that
``pytest --snapshot-report`` writes on a failure shows it next to the old and new SVGs.
Regenerate every baseline after a deliberate UI change with::

    /work/venv/bin/pytest tests/test_snapshots.py --snapshot-update

and look at the SVGs in ``tests/__snapshots__/test_snapshots/`` before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import pytest
from textual.pilot import Pilot

from storydiff.app import StorydiffApp
from storydiff.story import load_story
from storydiff.ui.layout import VIEW_ORDER, View
from storydiff.ui.screens.reader import ReaderScreen

# The bundled demo story, loaded once: every snapshot reads the same fixed alignment.
ALIGNMENT = load_story([])

SMALL = (80, 24)
WIDE = (160, 48)

RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


class SnapCompare(Protocol):
    def __call__(
        self,
        app: StorydiffApp,
        press: tuple[str, ...] = (),
        terminal_size: tuple[int, int] = SMALL,
        run_before: RunBefore | None = None,
    ) -> bool: ...


@pytest.fixture(autouse=True)
def fixed_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing from the developer's terminal or config leaks into a picture: colour is forced
    per test, ``NO_COLOR`` would switch to the monochrome palette, and a personal
    ``keys.toml`` would change the footer and the help."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("STORYDIFF_KEYS", str(tmp_path / "no-keys.toml"))


def make_app(colours: str = "colour") -> StorydiffApp:
    return StorydiffApp(alignment=ALIGNMENT, colours=colours)


def in_view(view: View) -> RunBefore:
    """Switch the reader to ``view`` the way a user does (the ``v`` action), whatever view
    the app picked for this width, so a change to the automatic choice does not silently
    change what a snapshot shows."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ReaderScreen)
        for _ in VIEW_ORDER:
            if screen.view is view:
                break
            screen.action_cycle_view()
        assert screen.view is view
        screen.view_chosen = True  # keep it even if the app would pick another for this width
        await pilot.pause()

    return run_before


def test_columns_80x24(snap_compare: SnapCompare) -> None:
    """Columns view squeezed into 80x24: header with title, "5 versions", row 1/N and
    "columns"; the overview map; as many version columns as fit (a paging note in the header
    if not all do), each headed by its outlet badge; row 1 highlighted as current; the footer
    with the main keys."""
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=in_view(View.COLUMNS))


def test_columns_160x48(snap_compare: SnapCompare) -> None:
    """Columns view at 160x48, the natural view for the 5-version demo: all five versions side
    by side under their outlet badges, rows aligned while text wraps, the taller overview map,
    row 1 current."""
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=in_view(View.COLUMNS))


def test_pair_80x24(snap_compare: SnapCompare) -> None:
    """Pair view at 80x24 (what the app opens in at 80 columns): the base and one other version
    in two columns with their badges, row 1 current, header saying "pair"."""
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=in_view(View.PAIR))


def test_pair_160x48(snap_compare: SnapCompare) -> None:
    """Pair view at 160x48: the base and the first other version in two wide columns, more
    rows visible, row 1 current."""
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=in_view(View.PAIR))


def test_stack_80x24(snap_compare: SnapCompare) -> None:
    """Stack view at 80x24: the current row's versions one under another, each labelled with
    its outlet badge; no column heads; a placeholder for a version lacking the paragraph."""
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=in_view(View.STACK))


def test_stack_160x48(snap_compare: SnapCompare) -> None:
    """Stack view at 160x48: the same stacked cells of row 1, full width, all five versions
    visible at once."""
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=in_view(View.STACK))


def test_published_80x24(snap_compare: SnapCompare) -> None:
    """As-published view at 80x24: the focused (first non-base) version in its own order and
    formatting, folded boilerplate shown inline and dimmed; the header says "published" and
    names the version."""
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=in_view(View.PUBLISHED))


def test_published_160x48(snap_compare: SnapCompare) -> None:
    """As-published view at 160x48: the same copy laid out full width, the current row's
    paragraph marked."""
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=in_view(View.PUBLISHED))


def test_ansi_80x24(snap_compare: SnapCompare) -> None:
    """16-colour palette (ansi-dark theme) at 80x24, pair view of the base against IPA News
    (``tab`` three times: the most rewritten copy), row 1: deleted words red and struck
    through in the base column, inserted words green and underlined in the IPA column, badges
    and the map marks readable, no grey-on-grey."""
    assert snap_compare(
        make_app("ansi"),
        terminal_size=SMALL,
        press=("tab", "tab", "tab"),
        run_before=in_view(View.PAIR),
    )


def test_ansi_160x48(snap_compare: SnapCompare) -> None:
    """16-colour palette at 160x48 in columns view on a row with differences (``n`` twice):
    all five versions, changed words marked in the ANSI colours and by underline /
    strike-through, the overview map's marks distinguishable."""
    assert snap_compare(
        make_app("ansi"), terminal_size=WIDE, press=("n", "n"), run_before=in_view(View.COLUMNS)
    )


def test_help_80x24(snap_compare: SnapCompare) -> None:
    """Help (``?``) at 80x24 over the reader: a modal listing the keys with their descriptions
    and binding ids, generated from the bindings; nothing cut off at the right edge."""
    assert snap_compare(make_app(), terminal_size=SMALL, press=("question_mark",))


def test_differences_80x24(snap_compare: SnapCompare) -> None:
    """Pair view at 80x24 after ``n`` twice: the cursor on a row where the two versions differ,
    the header's row counter moved and the row's status shown, inserted / deleted words
    highlighted (and underlined / struck through), the map's current-row mark moved."""
    assert snap_compare(
        make_app(), terminal_size=SMALL, press=("n", "n"), run_before=in_view(View.PAIR)
    )


def test_differences_160x48(snap_compare: SnapCompare) -> None:
    """Columns view at 160x48 after ``n`` twice: a row where outlets differ, word differences
    highlighted against the base in every column, row counter and map mark moved."""
    assert snap_compare(
        make_app(), terminal_size=WIDE, press=("n", "n"), run_before=in_view(View.COLUMNS)
    )


def test_review_80x24(snap_compare: SnapCompare) -> None:
    """Reviewing at 80x24: row 1 reviewed (✓ in its gutter), row 2 flagged with a note (⚑ in
    the gutter, "⚑ flagged · ✎ quote cut" under the row), the header's "1/27 reviewed,
    1 flagged", and the overview's "review" line with ✓ and ⚑ over rows 1 and 2."""
    keys = ("space", "j", "exclamation_mark", "a", *"quote cut", "enter")
    assert snap_compare(make_app(), terminal_size=SMALL, press=keys, run_before=in_view(View.PAIR))


def test_note_editor_80x24(snap_compare: SnapCompare) -> None:
    """The note editor over the reader: "Note on row 2", the text typed so far, and the help
    line (Enter save, Esc cancel kept as a draft)."""
    keys = ("j", "a", *"number changed")
    assert snap_compare(make_app(), terminal_size=SMALL, press=keys, run_before=in_view(View.PAIR))
