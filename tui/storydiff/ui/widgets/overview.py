"""The overview map: one line per shown version, one mark per row (or bucket of rows).

It answers at a glance what a reader scrolls the story to find out: where an outlet cut the
story short (a tail of ``·``), added its own paragraphs (``+``), moved (``↕``) or reworded
(``~``) them.  The current row's column is reversed in every line.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from ...model import Version
from ..reading import Reading
from ..render import Palette, badge, marks_line

# which mark wins when several rows share one character: the most telling
_PRIORITY = {"unique": 5, "moved": 4, "changed": 3, "missing": 2, "base": 1, "same": 0}
_REVIEW_PRIORITY = {"⚑": 3, "✎": 2, "✓": 1, " ": 0}
LABEL = 11  # number, focus pointer, badge (6 + its padding), a space


class Overview(Widget):
    """Compact map of the whole story; click a column to jump there."""

    DEFAULT_CSS = """
    Overview { height: auto; max-height: 10; }
    """

    class Jump(Message):
        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.reading: Reading | None = None
        self.palette: Palette | None = None
        self.shown: Sequence[str] = ()
        self.focus_id = ""
        self.current = 0
        self.max_lines = 6
        self.review: Sequence[str] = ()  # per row: review_char (" " for none); () hides it

    def show(
        self,
        reading: Reading,
        palette: Palette,
        shown: Sequence[str],
        focus: str,
        current: int,
        max_lines: int,
        review: Sequence[str] = (),
    ) -> None:
        self.reading, self.palette = reading, palette
        self.shown, self.focus_id, self.current = tuple(shown), focus, current
        self.max_lines = max(1, max_lines)
        self.review = review if any(c != " " for c in review) else ()
        extra = 1 if self.review else 0
        self.styles.height = min(len(self.shown) + extra, self.max_lines)
        self.refresh()

    def _per(self, width: int) -> int:
        assert self.reading is not None
        n = len(self.reading.rows)
        room = max(width - LABEL, 1)
        return max(1, -(-n // room))

    def render(self) -> Text:
        if self.reading is None or self.palette is None:
            return Text()
        reading, palette = self.reading, self.palette
        per = self._per(self.size.width)
        versions = {v.id: (n, v) for n, v in enumerate(reading.alignment.versions, 1)}
        vids = list(self.shown)
        lines = self.max_lines
        more = 0
        out = Text(no_wrap=True, overflow="crop", end="")
        if self.review and lines > 1:
            out.append_text(self._review_line(per, palette))
            lines -= 1
        if len(vids) > lines:
            # keep the focused version in view, then the first ones
            keep = vids[: lines - 1]
            if self.focus_id in vids and self.focus_id not in keep:
                keep[-1] = self.focus_id
            more = len(vids) - len(keep)
            vids = keep
        for i, vid in enumerate(vids):
            n, v = versions[vid]
            if i or out:
                out.append("\n")
            out.append_text(self._label(n, v, palette, vid == self.focus_id))
            marks = reading.marks[vid]
            kinds = [
                max(marks[k : k + per], key=lambda m: _PRIORITY[m])
                for k in range(0, len(marks), per)
            ]
            out.append_text(marks_line(kinds, palette, self.current // per))
        if more:
            out.append(f"\n… {more} more versions (V chooses which are shown)", palette.meta)
        return out

    def _review_line(self, per: int, palette: Palette) -> Text:
        """Where the reviewer's marks are: ⚑ flagged, ✎ a note, ✓ reviewed (the most
        telling of a bucket's rows)."""
        t = Text("review".ljust(LABEL), style=palette.meta, end="")
        cursor = Style(reverse=True, bold=True)
        styles = {"⚑": palette.flag, "✎": palette.note, "✓": palette.reviewed, " ": palette.gutter}
        chars = [
            max(self.review[k : k + per], key=_REVIEW_PRIORITY.__getitem__)
            for k in range(0, len(self.review), per)
        ]
        at = self.current // per
        for i, c in enumerate(chars):
            t.append("·" if c == " " else c, styles[c] + cursor if i == at else styles[c])
        return t

    def _label(self, n: int, v: Version, palette: Palette, focused: bool) -> Text:
        """``12▸BADGE `` in LABEL cells: number, focus pointer, the badge in its colour."""
        t = Text(f"{n:>2}" if n <= 99 else "··", style=palette.gutter, end="")
        t.append("▸" if focused else " ", Style(bold=True))
        b = badge(v, palette)
        b.truncate(LABEL - 4)
        b.pad_right(LABEL - 4 - b.cell_len)
        t.append_text(b)
        t.append(" ")
        return t

    def on_click(self, event: events.Click) -> None:
        if self.reading is None or event.x < LABEL:
            return
        row = (event.x - LABEL) * self._per(self.size.width)
        if row < len(self.reading.rows):
            self.post_message(self.Jump(row))
