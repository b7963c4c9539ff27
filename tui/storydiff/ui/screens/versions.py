"""Choose which versions are shown (``V``): the way through a story of 20, 100 or 500 copies
without a single unreadable screen.  Changes apply as they are made; Esc closes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from ...model import Version
from ...textnorm import visible


class VersionsScreen(ModalScreen[list[str]]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,V", "done", "Done", id="versions.done"),
        Binding("a", "all", "Show all", id="versions.all"),
        Binding("x", "none", "Show only the base", id="versions.none"),
    ]

    def __init__(self, versions: Sequence[Version], shown: Sequence[str], base: str) -> None:
        super().__init__()
        self.versions = versions
        self.shown = set(shown)
        self.base = base

    def compose(self) -> ComposeResult:
        with Vertical(id="versions-body"):
            yield Static(
                Text("Versions shown: space toggles, a all, x only the base, Esc done", "bold")
            )
            yield SelectionList[str](
                *(
                    Selection(
                        Text(
                            f"{n:>3} {visible(v.badge):<6} {visible(v.outlet)}"
                            + (" (base)" if v.id == self.base else "")
                        ),
                        v.id,
                        v.id in self.shown,
                    )
                    for n, v in enumerate(self.versions, 1)
                ),
                id="versions-list",
            )

    def _list(self) -> SelectionList[str]:
        return self.query_one("#versions-list", SelectionList)

    def action_all(self) -> None:
        self._list().select_all()

    def action_none(self) -> None:
        lst = self._list()
        lst.deselect_all()
        lst.select(self.base)

    def action_done(self) -> None:
        chosen = set(self._list().selected)
        self.dismiss([v.id for v in self.versions if v.id in chosen])
