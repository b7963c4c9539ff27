"""The review at a glance (``L``): every flagged, noted or reviewed row, and the notes whose
passage is no longer in the story (listed here, never dropped).  Enter jumps to a row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...textnorm import visible

if TYPE_CHECKING:
    from ...review import Entry, Mark


def _flat(text: str, width: int = 64) -> str:
    flat = " ".join(visible(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _state(mark: Mark) -> str:
    return ("✓" if mark.reviewed else " ") + ("⚑" if mark.flagged else " ")


class MarksScreen(ModalScreen[int | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,L", "close", "Close", id="marks.close"),
    ]

    def __init__(
        self, marked: Sequence[tuple[int, Mark, str]], orphans: Sequence[Entry], summary: str
    ) -> None:
        super().__init__()
        self.marked = marked  # (row position, mark, row text)
        self.orphans = orphans
        self.summary = summary

    def compose(self) -> ComposeResult:
        options: list[Option | None] = []
        for pos, mark, text in self.marked:
            line = Text(f"{_state(mark)} {pos + 1:>4}  ", no_wrap=True, overflow="ellipsis")
            if mark.note:
                line.append(_flat(mark.note), "italic")
            else:
                line.append(_flat(text))
            options.append(Option(line, id=str(pos)))
        if self.orphans:
            options.append(None)
            for k, entry in enumerate(self.orphans):
                line = Text(f"{_state(entry.mark)}    ?  ", no_wrap=True, overflow="ellipsis")
                line.append(f"gone: {_flat(entry.text, 40)}", "dim")
                if entry.mark.note:
                    line.append(f" — {_flat(entry.mark.note)}", "italic")
                options.append(Option(line, id=f"orphan{k}", disabled=True))
        with Vertical(id="marks-body"):
            yield Static(Text(f"Review: {self.summary}", style="bold"))
            if options:
                yield OptionList(*options, id="marks-list")
            else:
                yield Static("nothing marked yet: space marks a row reviewed, ! flags it, a notes")
            yield Static(Text("Enter goes to the row · Esc closes · ? = a passage now gone"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None and event.option.id.isdigit():
            self.dismiss(int(event.option.id))

    def action_close(self) -> None:
        self.dismiss(None)
