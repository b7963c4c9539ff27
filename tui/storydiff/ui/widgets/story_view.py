"""The story view: one vertical scroller of pre-rendered blocks.

It uses Textual's line API (``render_line``) rather than a widget per row: a story can have
thousands of rows and a hundred versions, and only the lines on screen are ever drawn.  The
reader hands it blocks from :mod:`storydiff.ui.layout`; moving the cursor swaps two blocks.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..layout import Block


class StoryView(ScrollView, can_focus=False):
    """Blocks of lines, scrolled as one; keeps the cursor's block in sight.

    Not focusable: the reader's keys (arrows included) move the row cursor, not the scroll."""

    DEFAULT_CSS = """
    StoryView { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    """

    class RowClicked(Message):
        """A row was clicked (the mouse may help, never needed)."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._blocks: list[Block] = []
        self._strips: list[list[Strip] | None] = []
        self._starts: list[int] = [0]
        self._width = 0
        self._index: dict[object, int] = {}

    # ------------------------------------------------------------------ content
    @property
    def blocks(self) -> Sequence[Block]:
        return self._blocks

    def set_blocks(self, blocks: Sequence[Block], width: int) -> None:
        self._blocks = list(blocks)
        self._strips = [None] * len(self._blocks)  # made when first drawn
        self._width = width
        self._index = {b.key: i for i, b in enumerate(self._blocks)}
        self._reflow()

    def update_blocks(self, changes: Mapping[int, Block]) -> None:
        """Swap some blocks (the cursor's old and new rows) without touching the rest."""
        reflow = False
        shift = 0  # height change of blocks wholly above the view: scroll by it, so the
        # text the reader is looking at does not move
        top = self.scroll_offset.y
        for i, block in changes.items():
            if not 0 <= i < len(self._blocks):
                continue
            delta = len(block.lines) - len(self._blocks[i].lines)
            if delta:
                reflow = True
                if self._starts[i + 1] <= top:
                    shift += delta
            self._blocks[i] = block
            self._strips[i] = None
        if reflow:
            self._reflow()
            if shift:
                self.scroll_to(y=top + shift, animate=False, immediate=True)
        else:
            self.refresh()

    def index_of(self, key: object) -> int | None:
        return self._index.get(key)

    def _to_strips(self, block: Block, width: int) -> list[Strip]:
        return [Strip(line).adjust_cell_length(width) for line in block.lines]

    def _reflow(self) -> None:
        starts = [0]
        for block in self._blocks:
            starts.append(starts[-1] + len(block.lines))
        self._starts = starts
        self.virtual_size = Size(self._width, starts[-1])
        self.refresh()

    # ------------------------------------------------------------------ scrolling
    def block_span(self, i: int) -> tuple[int, int]:
        return self._starts[i], self._starts[i + 1]

    def show_block(self, i: int, *, top: bool = False) -> None:
        """Scroll so block ``i`` is in view: left alone if it already is, else placed a little
        below the top so the reader keeps some context above it."""
        if not 0 <= i < len(self._blocks):
            return
        start, end = self.block_span(i)
        height = self.scrollable_content_region.height or self.size.height
        y = self.scroll_offset.y
        if not top and start >= y and end <= y + height:
            return
        context = 0 if top or end - start >= height else min(2, max(0, height - (end - start)))
        self.scroll_to(y=max(0, start - context), animate=False, immediate=True)

    def block_at(self, y: int) -> int | None:
        k = bisect.bisect_right(self._starts, y) - 1
        return k if 0 <= k < len(self._blocks) else None

    # ------------------------------------------------------------------ drawing
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        k = self.block_at(scroll_y + y)
        if k is None:
            return Strip.blank(width, self.rich_style)
        strips = self._strips[k]
        if strips is None:
            strips = self._strips[k] = self._to_strips(self._blocks[k], self._width)
        strip = strips[scroll_y + y - self._starts[k]]
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def on_click(self, event: events.Click) -> None:
        k = self.block_at(self.scroll_offset.y + event.y)
        if k is not None and self._blocks[k].row is not None:
            row = self._blocks[k].row
            assert row is not None
            self.post_message(self.RowClicked(row))
