#!/usr/bin/env python3
"""The README's pictures: SVG screenshots the app takes of itself on the demo story.

    python bench/screenshots.py [--out screenshots] [--only pair-80x24 ...]

Drives the app headless (``App.run_test``) at fixed sizes, switches to each view the way a
user does (``v``), presses the keys that bring up a row with differences, and calls
``App.save_screenshot``.  The file names are stable (``pair-80x24.svg``), so regenerating after
a UI change only rewrites the pictures that changed.  The palette is forced per shot and
``NO_COLOR`` and the user's keymap are ignored, so the pictures do not depend on the terminal
the script runs in.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from storydiff.app import StorydiffApp
from storydiff.model import Alignment
from storydiff.story import load_story
from storydiff.ui.layout import VIEW_ORDER, View
from storydiff.ui.screens.reader import ReaderScreen

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"

# In the pair view the base is compared with one other copy; three tabs bring IPA News, the
# most rewritten of the demo's five, next to it, and ``n`` moves to the next row that differs.
IPA = ("tab", "tab", "tab")


@dataclass(frozen=True)
class Shot:
    name: str  # file name without .svg
    size: tuple[int, int]
    view: View
    keys: tuple[str, ...]  # pressed once the view is set
    colours: str = "colour"
    caption: str = ""  # one line for the README


SHOTS: tuple[Shot, ...] = (
    Shot(
        "columns-160x48",
        (160, 48),
        View.COLUMNS,
        ("n",),
        caption="Columns: all five copies side by side on row 2, word changes against the base.",
    ),
    Shot(
        "pair-80x24",
        (80, 24),
        View.PAIR,
        (*IPA, "n"),
        caption="Pair at 80x24: the base against IPA News, deletions struck, insertions "
        "underlined.",
    ),
    Shot(
        "pair-120x36",
        (120, 36),
        View.PAIR,
        (*IPA, "n"),
        caption="Pair at 120x36: the same comparison with room for the overview map.",
    ),
    Shot(
        "stack-80x24",
        (80, 24),
        View.STACK,
        ("n",),
        caption="Stack: the current row's copies one under another, each with its outlet tag.",
    ),
    Shot(
        "published-100x30",
        (100, 30),
        View.PUBLISHED,
        ("n",),
        caption="As published: one copy in its own order, folded boilerplate dimmed inline.",
    ),
    Shot(
        "pair-ansi-80x24",
        (80, 24),
        View.PAIR,
        (*IPA, "n"),
        colours="ansi",
        caption="16 colours (TERM=xterm): the ANSI theme; changes still marked by "
        "underline and strike-through.",
    ),
    Shot(
        "review-120x36",
        (120, 36),
        View.PAIR,
        ("space", "j", "space", "exclamation_mark", "a", *"quote cut short", "enter", "j"),
        caption="Reviewing: rows marked reviewed (✓) and flagged with a note (⚑ ✎), the "
        "progress in the header and a review line over the map.",
    ),
    Shot(
        "help-80x24",
        (80, 24),
        View.PAIR,
        ("n", "question_mark"),
        caption="Help (?): every key with its binding id, generated from the bindings.",
    ),
)


async def take(shot: Shot, alignment: Alignment, out: Path) -> Path:
    # The demo's review lives in the user data directory: each picture gets an empty one, so
    # neither the user's own marks nor another shot's appear in it, and none are touched.
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="storydiff-shot-")
    app = StorydiffApp(alignment=alignment, colours=shot.colours)
    async with app.run_test(size=shot.size) as pilot:
        await pilot.pause()
        screen = app.screen
        if not isinstance(screen, ReaderScreen):
            raise RuntimeError(f"{shot.name}: the reader did not open ({screen!r})")
        for _ in VIEW_ORDER:
            if screen.view is shot.view:
                break
            screen.action_cycle_view()
        if screen.view is not shot.view:
            raise RuntimeError(f"{shot.name}: could not reach the {shot.view} view")
        screen.view_chosen = True
        await pilot.pause()
        await pilot.press(*shot.keys)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        written = app.save_screenshot(filename=f"{shot.name}.svg", path=str(out))
    return Path(written)


async def take_all(shots: Sequence[Shot], out: Path) -> list[Path]:
    alignment = load_story([])
    return [await take(shot, alignment, out) for shot in shots]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT, help="folder (default: screenshots/)")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        choices=[s.name for s in SHOTS],
        help="take only these shots",
    )
    args = parser.parse_args(argv)
    os.environ.pop("NO_COLOR", None)  # the palette is forced per shot
    os.environ["STORYDIFF_KEYS"] = os.devnull  # the default keys, whatever the user remapped
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    shots = [s for s in SHOTS if not args.only or s.name in args.only]
    for path in asyncio.run(take_all(shots, out)):
        try:
            shown = path.resolve().relative_to(Path.cwd())
        except ValueError:
            shown = path
        print(f"wrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
