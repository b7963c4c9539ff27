"""The help screen (``?``): every key, generated from the active bindings so it never drifts
from what the keys do, including any the user remapped."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close help", id="help.close"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False),
    ]

    def __init__(self, rows: list[tuple[str, str, str]], title: str = "storydiff — Keys") -> None:
        super().__init__()
        self.rows = rows
        self.title_text = title

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column()
        table.add_column(style="dim", no_wrap=True)
        for keys, desc, bid in self.rows:
            table.add_row(Text(keys), Text(desc), Text(bid))
        with VerticalScroll(id="help-body"):
            yield Static(Text(self.title_text, style="bold"), id="help-title")
            yield Static(table)
            yield Static(
                Text(
                    "ctrl+p: every command by name.  Remap keys by id in keys.toml "
                    "(see the README).  Esc closes.",
                    style="dim",
                )
            )

    def action_scroll(self, step: int) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_relative(y=step, animate=False)
