"""The one-line header: story title, versions, base, the current row, the view."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ..render import Palette


class StoryHeader(Widget):
    """Title on the left (cut to fit), the reader's position on the right (never cut)."""

    DEFAULT_CSS = """
    StoryHeader { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text = ""
        self.right = Text()

    def show(self, title: str, right: Text, palette: Palette | None = None) -> None:
        self.title_text, self.right = title, right
        self.refresh()

    def render(self) -> Text:
        width = self.size.width
        right = self.right.copy()
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
