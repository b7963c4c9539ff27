"""Rich text for the pieces of an alignment: word diffs, outlet badges, overview marks.

Colour never carries meaning alone.  Inserted words are underlined, deleted words struck
through, in every palette; the 16-colour palette uses plain ANSI colours (Textual's translucent
tints would collapse into one grey), and the monochrome one (``NO_COLOR``) keeps only the
attributes.  Optional wdiff-style markers (``{+new+}`` ``[-old-]``) survive even a terminal
that drops underline and strike-through.

Everything shown from a copy goes through :func:`storydiff.textnorm.visible` and enters Rich
as plain :class:`~rich.text.Text`: ``[bold]`` in an article is characters, never markup, and
an escape sequence is shown escaped, never sent to the terminal.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import groupby

from rich.style import Style
from rich.text import Text

from ..model import DiffOp, Op, Version
from ..textnorm import visible
from .reading import search_pattern as search_pattern  # one notion of a match


class Side(StrEnum):
    """Which words of a diff a pane shows."""

    INLINE = "inline"  # this copy's words, with the reference's lost words struck in place
    NEW = "new"  # this copy's words only (the right pane of a pair)
    OLD = "old"  # the reference's words only, the lost ones struck (the left pane of a pair)


@dataclass(frozen=True, slots=True)
class Palette:
    name: str
    text: Style
    insert: Style  # words this copy has and the reference lacks
    delete: Style  # words of the reference this copy lacks
    number: Style  # added to a change that touches a number
    meta: Style  # annotations: similarity, moved, paragraph counts
    missing: Style  # the placeholder of a copy that lacks the row
    folded: Style  # boilerplate and metadata shown on demand
    match: Style  # search hits
    crosshead: Style
    gutter: Style
    cursor: Style  # the current row's gutter
    current: Style  # under the current row's text (may be empty)
    separator: Style
    marks: dict[str, Style]
    coloured: bool  # badges in their outlet colour
    reviewed: Style  # the reviewer's ✓
    flag: Style  # ⚑ flagged
    note: Style  # the reviewer's note under a row


_MARK_STYLES = {
    "same": "green",
    "changed": "yellow",
    "moved": "magenta",
    "missing": "bright_black",
    "unique": "cyan",
    "base": "bold",
}

COLOUR = Palette(
    name="colour",
    text=Style(),
    insert=Style(color="#9be9a8", bgcolor="#1b4721", underline=True),
    delete=Style(color="#ffa198", bgcolor="#5a1e1e", strike=True),
    number=Style(bold=True),
    meta=Style(color="#8b949e", italic=True),
    missing=Style(color="#6e7681", italic=True),
    folded=Style(color="#8b949e", dim=True, italic=True),
    match=Style(color="black", bgcolor="#e3b341", bold=True),
    crosshead=Style(bold=True),
    gutter=Style(color="#6e7681"),
    cursor=Style(color="black", bgcolor="#58a6ff", bold=True),
    current=Style(bgcolor="#161b22"),
    separator=Style(color="#30363d"),
    marks={k: Style.parse(v) for k, v in _MARK_STYLES.items()},
    coloured=True,
    reviewed=Style(color="#3fb950", bold=True),
    flag=Style(color="#f85149", bold=True),
    note=Style(color="#e3b341", italic=True),
)

ANSI = Palette(
    name="ansi",
    text=Style(),
    insert=Style(color="bright_green", underline=True),
    delete=Style(color="bright_red", strike=True),
    number=Style(bold=True, reverse=True),
    meta=Style(color="bright_black"),
    missing=Style(color="bright_black", italic=True),
    folded=Style(color="bright_black", italic=True),
    match=Style(color="black", bgcolor="yellow"),
    crosshead=Style(bold=True),
    gutter=Style(color="bright_black"),
    cursor=Style(color="black", bgcolor="cyan", bold=True),
    current=Style(),
    separator=Style(color="bright_black"),
    marks={k: Style.parse(v) for k, v in _MARK_STYLES.items()},
    coloured=True,
    reviewed=Style(color="bright_green", bold=True),
    flag=Style(color="bright_red", bold=True),
    note=Style(color="yellow", italic=True),
)

MONO = Palette(
    name="mono",
    text=Style(),
    insert=Style(underline=True, bold=True),
    delete=Style(strike=True, dim=True),
    number=Style(reverse=True),
    meta=Style(dim=True),
    missing=Style(dim=True, italic=True),
    folded=Style(dim=True, italic=True),
    match=Style(reverse=True),
    crosshead=Style(bold=True),
    gutter=Style(dim=True),
    cursor=Style(reverse=True, bold=True),
    current=Style(),
    separator=Style(dim=True),
    marks={k: Style(bold=k == "base") for k in _MARK_STYLES},
    coloured=False,
    reviewed=Style(bold=True),
    flag=Style(bold=True, reverse=True),
    note=Style(italic=True),
)

PALETTES = {p.name: p for p in (COLOUR, ANSI, MONO)}


def colourless_terminal() -> bool:
    """Whether the terminal's terminfo entry declares no colours (``vt100``, ``xterm-mono``).

    Rich takes a TERM it does not know for 16 colours, but such a terminal draws neither
    those colours nor strike-through (only bold, underline, reverse): with the ANSI palette a
    lost word would look kept and a search hit unmarked.  Asked once, for the terminal the
    reader runs in (curses reads terminfo only on its first call)."""
    try:
        import curses

        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else -1
        curses.setupterm(os.environ.get("TERM") or "dumb", fd)
        return curses.tigetnum("colors") < 1  # -1: no colours, -2: no such capability
    except Exception:  # no curses (Windows), no terminfo entry for TERM, no terminal
        return False


INSERT_MARKERS = ("{+", "+}")
DELETE_MARKERS = ("[-", "-]")


def _split_ws(s: str) -> tuple[str, str]:
    """A piece and its trailing whitespace, so a struck word does not strike the gap."""
    core = s.rstrip()
    return core, s[len(core) :]


def diff_text(
    ops: Sequence[DiffOp],
    side: Side,
    palette: Palette,
    *,
    markers: bool = False,
    base_style: Style | None = None,
) -> Text:
    """A cell's text with its differences against the reference marked."""
    out = Text(style=base_style or palette.text, end="")

    def piece(s: str, style: Style, marks: tuple[str, str] | None, number: bool) -> None:
        core, gap = _split_ws(visible(s))
        if not core:
            out.append(gap)
            return
        st = style + palette.number if number else style
        if markers and marks:
            out.append(marks[0], palette.meta)
            out.append(core, st)
            out.append(marks[1], palette.meta)
        else:
            out.append(core, st)
        out.append(gap)

    def lost(op: DiffOp) -> None:
        piece(op.ref, palette.delete, DELETE_MARKERS, op.number)
        if op.ref and not op.ref[-1].isspace() and op.text:
            out.append(" ")

    for op in ops:
        if op.op is Op.EQUAL:
            out.append(visible(op.ref if side is Side.OLD else op.text))
        elif side is Side.OLD:
            if op.op is not Op.INSERT:
                piece(op.ref, palette.delete, DELETE_MARKERS, op.number)
        elif side is Side.NEW:
            if op.op is not Op.DELETE:
                piece(op.text, palette.insert, INSERT_MARKERS, op.number)
        else:
            if op.op is not Op.INSERT:
                lost(op)
            if op.op is not Op.DELETE:
                piece(op.text, palette.insert, INSERT_MARKERS, op.number)
    out.rstrip()
    return out


def plain_text(text: str, style: Style | None = None) -> Text:
    return Text(visible(text), style=style or Style(), end="")


def highlight(text: Text, pattern: re.Pattern[str] | None, palette: Palette) -> Text:
    if pattern is not None:
        text.highlight_regex(pattern, palette.match)
    return text


def badge(version: Version, palette: Palette, *, focused: bool | None = None) -> Text:
    """The outlet tag: a short label in the outlet's colour (reverse video without colour),
    with a one-cell focus pointer before it unless ``focused`` is None."""
    label = f" {visible(version.badge)} "
    if palette.coloured:
        style = Style(color="#000000", bgcolor=version.colour, bold=True)
    else:
        style = Style(reverse=True, bold=True)
    # focus is shown by a pointer beside the badge, never by underline: underline means
    # "inserted words" everywhere on screen
    out = (
        Text("▸" if focused else " ", style=Style(bold=True), end="")
        if focused is not None
        else Text(end="")
    )
    out.append(label, style)
    return out


def outlet_label(
    version: Version,
    palette: Palette,
    width: int,
    *,
    base: bool = False,
    focused: bool = False,
    number: int | None = None,
    tags: bool = False,
) -> Text:
    """Badge, outlet name and role, cut to ``width`` cells: the name only where room allows."""
    t = Text(end="", no_wrap=True, overflow="ellipsis")
    if number is not None:
        t.append(f"{number}" if number <= 9 else " ", palette.gutter)
    t.append_text(badge(version, palette, focused=focused))
    t.append(" ")
    if base:
        t.append("base ", Style(bold=True))
    t.append(visible(version.outlet), Style(bold=focused))
    if tags and version.tags:
        t.append(" · " + ", ".join(visible(x) for x in version.tags), palette.meta)
    t.truncate(width, overflow="ellipsis")
    return t


def mark_char(kind: str) -> str:
    from ..summary import MARKS

    return MARKS[kind][0]


def marks_line(kinds: Iterable[str], palette: Palette, current: int | None) -> Text:
    """One overview line: a mark per row (or per bucket of rows), the current one reversed."""
    from ..summary import MARKS

    t = Text(end="", no_wrap=True)
    cursor = Style(reverse=True, bold=True)
    # one span per run of equal marks, not per mark: with a hundred versions the map is
    # redrawn on every keypress, and each span costs Textual a conversion
    for (kind, is_current), run in groupby((k, i == current) for i, k in enumerate(kinds)):
        style = palette.marks[kind] + cursor if is_current else palette.marks[kind]
        t.append(MARKS[kind][0] * sum(1 for _ in run), style)
    return t
