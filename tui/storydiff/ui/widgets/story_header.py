"""The one-line header: story title, the current row, review progress, base, the view."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

MIN_TITLE = 8  # cells of title kept before the header starts dropping facts
SHORTEN_BELOW = 4  # parts of this priority or more go before the short forms are used


@dataclass(frozen=True, slots=True)
class Part:
    """One fact on the right of the header."""

    text: str
    style: Style | str = ""
    priority: int = 0  # 0: always shown; the highest numbers are dropped first
    short: str | None = None  # a shorter form, used before facts of priority < 4 go
    glue: str = " · "  # what goes between it and the fact before it


class StoryHeader(Widget):
    """Title on the left (cut to fit), the reader's position on the right.

    The facts on the right come with priorities: when the terminal is too narrow for all of
    them and a little of the title, the least important go first (the number of versions
    before the review progress, never the row counter)."""

    DEFAULT_CSS = """
    StoryHeader { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text = ""
        self.parts: list[Part] = []

    def show(self, title: str, parts: Sequence[Part]) -> None:
        self.title_text, self.parts = title, list(parts)
        self.refresh()

    @property
    def right(self) -> Text:
        """Everything on the right, as it would be with room for all of it."""
        return _join(self.parts)

    def render(self) -> Text:
        width = self.size.width
        for right in _fits(self.parts):
            if right.cell_len + MIN_TITLE + 2 <= width:
                break
        if right.cell_len > width:
            right.truncate(width, overflow="ellipsis")
        room = width - right.cell_len - 1
        out = Text(no_wrap=True, overflow="ellipsis", end="")
        if room >= 8:
            title = Text(" " + self.title_text, style="bold", no_wrap=True, end="")
            title.truncate(room, overflow="ellipsis")
            title.pad_right(room - title.cell_len)
            out.append_text(title)
            out.append(" ")
        out.append_text(right)
        return out


def _fits(parts: Sequence[Part]) -> Iterator[Text]:
    """The right side from fullest to barest: drop the least important facts, switch to
    short forms, then drop more; the last one yielded is the barest."""
    levels = sorted({p.priority for p in parts if p.priority > 0}, reverse=True)
    short = False
    kept = list(parts)
    yield _join(kept, short)
    for level in levels:
        if level < SHORTEN_BELOW and not short:
            short = True
            yield _join(kept, short)
        kept = [p for p in kept if p.priority != level]
        yield _join(kept, short)
    if not short:
        yield _join(kept, True)


def _join(parts: Sequence[Part], short: bool = False) -> Text:
    out = Text(end="", no_wrap=True)
    for i, part in enumerate(parts):
        if i:
            out.append(part.glue)
        out.append(part.short if short and part.short is not None else part.text, part.style)
    out.append(" ")
    return out
