"""Lay an alignment out as lines of segments, view by view (Rich only, no Textual).

The story view is one vertical scroller of *blocks* (a row, a version's cell, a paragraph),
each a list of equal-width lines.  A row of the columns and pair views renders every shown
version's cell side by side and pads the shorter ones, so the panes stay aligned however the
text wraps; the scroller then only has to stack blocks.  Blocks are pure functions of the row
and the options, which is what lets the reader cache them and redraw a keypress by
re-rendering just the two rows the cursor left and entered.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from ..model import Cell, Row
from ..textnorm import visible
from .reading import Folded, Reading, search_pattern
from .render import Palette, Side, diff_text, highlight, outlet_label

if TYPE_CHECKING:
    from ..review import Mark

Line = list[Segment]

MIN_COLUMN = 28  # narrower than this, a column of prose stops being readable
SEPARATOR = " │ "


class View(StrEnum):
    COLUMNS = "columns"  # every shown version side by side
    PAIR = "pair"  # the base against one other version
    STACK = "stack"  # the current row's versions one under another
    PUBLISHED = "published"  # one version in its own order, folded parts inline


VIEW_ORDER = (View.COLUMNS, View.PAIR, View.STACK, View.PUBLISHED)


@dataclass(frozen=True, slots=True)
class Options:
    view: View
    shown: tuple[str, ...]  # version ids on screen, in story order
    focus: str  # the focused version
    base: str
    consensus: bool = False  # differences against the row's majority reading
    markers: bool = False  # wdiff-style {+ +} [- -] around changes
    folded: bool = False  # folded text of each row shown inline
    tags: bool = False  # manifest tags after outlet names
    query: str = ""
    palette_name: str = "colour"


@dataclass(frozen=True, slots=True)
class Block:
    key: Hashable
    row: int | None  # the row position the block belongs to (None: a heading)
    lines: list[Line]


@dataclass(frozen=True, slots=True)
class Columns:
    """Which versions the columns (or pair) view puts side by side, and how wide."""

    gutter: int
    vids: tuple[str, ...]
    widths: tuple[int, ...]
    first: int  # index in the shown list of the first column (paging through many versions)
    total: int  # how many versions are shown in all


def gutter_width(nrows: int) -> int:
    """Cursor pointer, row number, the review mark (✓ or ⚑), a space."""
    return len(str(max(nrows, 1))) + 3


def review_char(mark: Mark | None) -> str:
    if mark is None:
        return " "
    return "⚑" if mark.flagged else "✓" if mark.reviewed else "✎" if mark.note else " "


def columns_for(width: int, opts: Options, nrows: int) -> Columns:
    g = gutter_width(nrows)
    avail = max(width - g, 8)
    if opts.view is View.PAIR:
        others = [v for v in opts.shown if v != opts.base]
        other = opts.focus if opts.focus != opts.base else (others[0] if others else opts.base)
        vids: list[str] = [opts.base] if other == opts.base else [opts.base, other]
        first = 0
    else:
        shown = list(opts.shown)
        per = max(1, (avail + len(SEPARATOR)) // (MIN_COLUMN + len(SEPARATOR)))
        at = shown.index(opts.focus) if opts.focus in shown else 0
        first = (at // per) * per
        vids = shown[first : first + per]
    n = max(len(vids), 1)
    inner = avail - len(SEPARATOR) * (n - 1)
    base_w, extra = divmod(max(inner, n), n)
    widths = tuple(base_w + (1 if i < extra else 0) for i in range(n))
    return Columns(g, tuple(vids), widths, first, len(opts.shown))


class Layout:
    """Renders blocks for one alignment with one console; cheap to make, holds no state."""

    def __init__(self, reading: Reading, console: Console, palette: Palette, base: Style):
        self.reading = reading
        self.al = reading.alignment
        self.console = console
        self.palette = palette
        self.base_style = base
        self._versions = {v.id: v for v in self.al.versions}
        self._number = {v.id: n for n, v in enumerate(self.al.versions, 1)}
        # Rendered cells, kept across relayouts: focusing another version or paging the
        # columns re-uses every cell that did not change instead of re-wrapping them all.
        self._cells: dict[Hashable, list[Line]] = {}
        # The reviewer's mark of a row (by position), set by the reader; blocks show it.
        self.mark_of: Callable[[int], Mark | None] = lambda pos: None

    CELL_CACHE_LIMIT = 50_000

    # ------------------------------------------------------------------ pieces
    def _lines(self, text: Text, width: int, style: Style) -> list[Line]:
        opts = self.console.options.update(width=width, min_width=width, max_width=width)
        return self.console.render_lines(text, opts, style=style, pad=True, new_lines=False)

    def _blank(self, width: int, style: Style) -> Line:
        return [Segment(" " * width, style)] if width > 0 else []

    def _meta(self, row: Row, vid: str, cell: Cell | None, opts: Options) -> str:
        if cell is None:
            return ""
        parts: list[str] = []
        if len(row.cells) == 1 and len(self._versions) > 1:
            parts.append("+ only in this copy")
        if cell.moved:
            parts.append(f"↕ moved: ¶{cell.position + 1} in its copy")
        if len(cell.paragraphs) > 1:
            parts.append(f"¶ {len(cell.paragraphs)} paragraphs here")
        if opts.consensus:
            if row.consensus != vid and any(op.op.value != "equal" for op in cell.consensus_diff):
                parts.append("≠ majority reading")
        elif vid != opts.base and opts.base in row.cells and len(row.cells) > 1:
            if any(op.op.value != "equal" for op in cell.diff):
                parts.append(f"~ {int(cell.similarity * 100)}% like base")
        elif vid != opts.base and opts.base not in row.cells and len(row.cells) > 1:
            parts.append("not in base")
        return " · ".join(parts)

    def cell_text(
        self, pos: int, vid: str, opts: Options, side: Side, ops_of: str | None = None
    ) -> Text:
        """One version's cell for a row: annotations, folded text if asked, the words."""
        p = self.palette
        row = self.reading.rows[pos]
        cell = row.cells.get(vid)
        out = Text(end="")
        meta = self._meta(row, vid, cell, opts)
        if meta:
            out.append(meta + "\n", p.meta)
        fold = self.reading.folded.get((vid, pos), Folded())
        if opts.folded:
            for f in fold.before:
                out.append(f"⊘ {f.role}: {visible(f.text)}\n", p.folded)
        if cell is None:
            out.append("· not in this copy ·", p.missing)
        else:
            out.append_text(self._words(row, vid, cell, opts, side, ops_of))
        if opts.folded:
            for f in fold.after:
                out.append(f"\n⊘ {f.role}: {visible(f.text)}", p.folded)
        return highlight(out, search_pattern(opts.query), p)

    def _words(
        self, row: Row, vid: str, cell: Cell, opts: Options, side: Side, ops_of: str | None
    ) -> Text:
        p = self.palette
        style = p.crosshead if row.kind == "crosshead" else p.text
        if opts.consensus:
            return diff_text(
                cell.consensus_diff, Side.INLINE, p, markers=opts.markers, base_style=style
            )
        if side is Side.OLD and ops_of is not None and ops_of in row.cells:
            other = row.cells[ops_of]
            if other.diff:
                return diff_text(other.diff, Side.OLD, p, markers=opts.markers, base_style=style)
        if vid == opts.base or not cell.diff:
            return Text(visible(cell.text), style=style, end="")
        return diff_text(cell.diff, side, p, markers=opts.markers, base_style=style)

    def _gutter(self, pos: int, width: int, height: int, current: bool, style: Style) -> list[Line]:
        p = self.palette
        mark = self.mark_of(pos)
        char = review_char(mark)
        mark_style = p.flag if mark is not None and mark.flagged else p.reviewed
        if current:
            number = Segment(f"▶{pos + 1}".rjust(width - 2), p.cursor)
            rest = Segment(
                "▌".ljust(width),
                style + Style(color=p.cursor.bgcolor) if p.cursor.bgcolor else p.cursor,
            )
        else:
            number = Segment(f"{pos + 1}".rjust(width - 2), style + p.gutter)
            rest = Segment(" " * width, style)
        first = [number, Segment(char, style + mark_style), Segment(" ", style)]
        return [first] + [[rest] for _ in range(height - 1)]

    def review_line(self, pos: int, width: int, style: Style) -> list[Line]:
        """Under a flagged or annotated row: the flag and the note, in the reviewer's colour
        (and words: colour is never the only sign)."""
        mark = self.mark_of(pos)
        if mark is None or not (mark.flagged or mark.note):
            return []
        p = self.palette
        text = Text(end="")
        if mark.flagged:
            text.append("⚑ flagged", p.flag)
        if mark.reviewed:
            text.append(" · " if text else "")
            text.append("✓ reviewed", p.reviewed)
        if mark.note:
            text.append(" · " if text else "")
            text.append("✎ " + visible(mark.note), p.note)
        return self._lines(text, max(width, 1), style)

    # ------------------------------------------------------------------ views
    def row_block(self, pos: int, cols: Columns, opts: Options, current: bool) -> Block:
        """A row of the columns or pair view: the cells side by side, padded to one height."""
        style = self.base_style + self.palette.current if current else self.base_style
        row = self.reading.rows[pos]
        width = cols.gutter + sum(cols.widths) + len(SEPARATOR) * (len(cols.widths) - 1)
        if not any(v in row.cells for v in cols.vids):
            # content none of the shown versions has: one line saying whose it is
            names = ", ".join(visible(self._versions[v].badge) for v in row.cells)
            note = Text(f"· not in these versions; in {names} ·", style=self.palette.missing)
            note.truncate(max(width - cols.gutter, 1), overflow="ellipsis")
            body = self._lines(note, max(width - cols.gutter, 1), style)
            gutter = self._gutter(pos, cols.gutter, len(body), current, style)
            note_lines = [gutter[y] + body[y] for y in range(len(body))]
            note_lines.append(self._blank(width, self.base_style))
            return Block(("row", pos), pos, note_lines)
        pair = opts.view is View.PAIR and len(cols.vids) == 2
        rendered: list[list[Line]] = []
        for i, vid in enumerate(cols.vids):
            side, ops_of = Side.INLINE, None
            if pair:
                side, ops_of = (Side.OLD, cols.vids[1]) if i == 0 else (Side.NEW, None)
            key = (pos, vid, side, ops_of, cols.widths[i], current, _cell_options(opts))
            cell_lines = self._cells.get(key)
            if cell_lines is None:
                text = self.cell_text(pos, vid, opts, side, ops_of=ops_of)
                cell_lines = self._lines(text, cols.widths[i], style)
                if len(self._cells) > self.CELL_CACHE_LIMIT:
                    self._cells.clear()
                self._cells[key] = cell_lines
            rendered.append(cell_lines)
        review = self.review_line(pos, width - cols.gutter, style)
        height = max(len(r) for r in rendered) + len(review)
        sep = Segment(SEPARATOR, style + self.palette.separator)
        gutter = self._gutter(pos, cols.gutter, height, current, style)
        lines: list[Line] = []
        for y in range(height - len(review)):
            line: Line = list(gutter[y])
            for i, r in enumerate(rendered):
                if i:
                    line.append(sep)
                line.extend(r[y] if y < len(r) else self._blank(cols.widths[i], style))
            lines.append(line)
        for y, review_part in enumerate(review, height - len(review)):
            lines.append(gutter[y] + review_part)
        lines.append(self._blank(width, self.base_style))
        return Block(("row", pos), pos, lines)

    def estimate(self, pos: int, cols: Columns) -> Block:
        """A stand-in for a row block: blank lines, as many as the row will roughly need,
        until the real block replaces it."""
        row = self.reading.rows[pos]
        height = 1
        for vid, w in zip(cols.vids, cols.widths, strict=True):
            cell = row.cells.get(vid)
            if cell is not None:
                height = max(height, 1 + -(-len(cell.text) // max(w - 4, 1)))
        width = cols.gutter + sum(cols.widths) + len(SEPARATOR) * (len(cols.widths) - 1)
        blank = self._blank(width, self.base_style)
        return Block(("row", pos), pos, [blank] * (height + 1))

    def stack_blocks(self, pos: int, width: int, opts: Options) -> list[Block]:
        """The current row's versions one under another, each under its outlet tag."""
        if not self.reading.rows:  # copies with no body text at all (all boilerplate)
            note = Text(
                "· no paragraphs to compare: every copy is folded text (f, p) ·",
                style=self.palette.missing,
            )
            return [Block(("empty",), None, self._lines(note, width, self.base_style))]
        p = self.palette
        blocks: list[Block] = []
        review = self.review_line(pos, width, self.base_style)
        if review:
            blocks.append(Block(("review",), pos, [*review, self._blank(width, self.base_style)]))
        indent = 2
        for vid in opts.shown:
            v = self._versions[vid]
            label = outlet_label(
                v,
                p,
                width,
                base=vid == opts.base,
                focused=vid == opts.focus,
                number=self._number[vid],
                tags=opts.tags,
            )
            if vid not in self.reading.rows[pos].cells:  # one line: tag and placeholder
                label.append("  · not in this copy ·", p.missing)
                label.truncate(width, overflow="ellipsis")
                lines = self._lines(label, width, self.base_style)
                blocks.append(Block(("cell", vid), pos, lines))
                continue
            lines = self._lines(label, width, self.base_style)
            text = self.cell_text(pos, vid, opts, Side.INLINE)
            body = self._lines(text, max(width - indent, 8), self.base_style)
            pad = Segment(" " * indent, self.base_style)
            lines.extend([pad, *line] for line in body)
            lines.append(self._blank(width, self.base_style))
            blocks.append(Block(("cell", vid), pos, lines))
        return blocks

    def published_blocks(self, vid: str, width: int, opts: Options, current: int) -> list[Block]:
        """One version as it was published: its own order, folded parts inline and dimmed."""
        v = self._versions[vid]
        p = self.palette
        g = gutter_width(len(self.reading.rows))
        pattern = search_pattern(opts.query)
        blocks: list[Block] = []
        for i, para in enumerate(v.paragraphs):
            pos = self.reading.row_of.get((vid, para.index, para.part))
            is_current = pos is not None and pos == current
            style = self.base_style + p.current if is_current else self.base_style
            if para.folded:
                text = Text(f"[{para.role}] ", style=p.meta, end="")
                text.append(visible(para.text), p.folded)
            else:
                st = p.crosshead if para.role in ("crosshead", "headline") else p.text
                text = Text(visible(para.text), style=st, end="")
            highlight(text, pattern, p)
            body = self._lines(text, max(width - g, 8), style)
            if pos is None:
                gut: list[Line] = [[Segment("·".rjust(g - 1) + " ", style + p.gutter)]] + [
                    [Segment(" " * g, style)] for _ in body[1:]
                ]
            else:
                gut = self._gutter(pos, g, len(body), is_current, style)
            lines = [gut[y] + body[y] for y in range(len(body))]
            lines.append(self._blank(width, self.base_style))
            blocks.append(Block(("para", i), pos, lines))
        return blocks

    def heads(self, cols: Columns, opts: Options) -> Text:
        """The line over the columns: each column's outlet tag, name and role."""
        p = self.palette
        out = Text(" " * cols.gutter, end="", no_wrap=True)
        for i, vid in enumerate(cols.vids):
            if i:
                out.append(SEPARATOR, p.separator)
            v = self._versions[vid]
            label = outlet_label(
                v,
                p,
                cols.widths[i],
                base=vid == opts.base,
                focused=vid == opts.focus,
                number=self._number[vid],
                tags=opts.tags,
            )
            label.pad_right(cols.widths[i] - label.cell_len)
            out.append_text(label)
        return out


def _cell_options(opts: Options) -> tuple[object, ...]:
    """The options a cell's rendering depends on (not the view, the focus or the shown set)."""
    return (opts.base, opts.consensus, opts.markers, opts.folded, opts.query)


def paging_note(cols: Columns, view: View) -> str:
    if view is not View.COLUMNS or cols.total <= len(cols.vids) or not cols.vids:
        return ""
    return f"cols {cols.first + 1}-{cols.first + len(cols.vids)}/{cols.total}"
