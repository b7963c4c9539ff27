"""Choose a report format (``e``); the reader writes it next to the story and says where."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...textnorm import visible

CHOICES = (
    ("html", "HTML", "one page, outlets side by side; phones, print"),
    ("md", "Markdown", "for notes and editors: ~~cut~~ **added**"),
    ("json", "JSON", "the alignment and the review, for scripts"),
    ("csv", "CSV", "one line per row and copy, for spreadsheets"),
)


class ExportScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
        Binding("h", "pick('html')", "HTML", show=False, id="export.html"),
        Binding("m", "pick('md')", "Markdown", show=False, id="export.md"),
        Binding("j", "pick('json')", "JSON", show=False, id="export.json"),
        Binding("c", "pick('csv')", "CSV", show=False, id="export.csv"),
    ]

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical(id="export-body"):
            yield Static(Text("Export a report", style="bold"))
            yield OptionList(
                *(
                    Option(Text.assemble((name, "bold"), f"  {about}"), id=fmt)
                    for fmt, name, about in CHOICES
                ),
                id="export-list",
            )
            yield Static(
                # the folder's name is anyone's: escaped like a copy's text (an OSC in it
                # retitled the terminal)
                Text(
                    f"writes storydiff-report.* in {visible(self.where)}",
                    no_wrap=True,
                    overflow="ellipsis",
                )
            )
            yield Static(Text("Enter or h/m/j/c writes it · Esc cancels"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_pick(self, fmt: str) -> None:
        self.dismiss(fmt)

    def action_cancel(self) -> None:
        self.dismiss(None)
