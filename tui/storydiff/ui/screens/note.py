"""The note editor (``a``): a small text box over the reader.

Enter saves; Escape cancels without touching the saved note -- and what was typed is not lost
either: the reader keeps it as a draft and the next ``a`` on that row brings it back, so a
slip of the finger never costs a paragraph of notes.  Saving an empty box deletes the note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from ...textnorm import visible_paste

MAX_NOTE = 20_000  # characters: a note, not a document


@dataclass(frozen=True, slots=True)
class NoteResult:
    saved: bool  # False: cancelled (``text`` is the draft to keep)
    text: str


class NoteArea(TextArea):
    """The note's text box. TextArea writes its text to the terminal as it is, so nothing
    with a control character may get in: a paste is escaped as the reader shows text."""

    def on_paste(self, event: events.Paste) -> None:
        # runs before TextArea's own handler (the subclass's first), which then inserts this
        event.text = visible_paste(event.text)


class NoteScreen(ModalScreen[NoteResult]):
    AUTO_FOCUS = "#note-text"  # typing goes into the box from the first key
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Save", priority=True, id="note.save"),
        Binding("ctrl+s", "save", "Save", show=False, priority=True, id="note.save_alt"),
        Binding("escape", "cancel", "Cancel", priority=True, id="note.cancel"),
    ]

    def __init__(self, title: str, text: str, *, draft: bool = False) -> None:
        super().__init__()
        self.heading = title
        self.original = text
        # A note from a review file written elsewhere may hold escape sequences, which the
        # text box would send to the terminal (a \x1b[2J wiped the screen, an OSC retitled
        # it): edit it as the reader shows it, and hand back the original if left unchanged.
        self.initial = visible_paste(text)
        self.draft = draft

    def compose(self) -> ComposeResult:
        with Vertical(id="note-body"):
            yield Static(Text(self.heading, style="bold", no_wrap=True, overflow="ellipsis"))
            if self.draft:
                yield Static(
                    Text("unsaved draft brought back (Esc again drops it)", style="italic"),
                    id="note-draft",
                )
            area = NoteArea(
                self.initial,
                soft_wrap=True,
                show_line_numbers=False,
                tab_behavior="focus",
                id="note-text",
            )
            yield area
            yield Static(
                Text("Enter save · Esc cancel (kept as a draft) · empty = no note"),
                id="note-help",
            )

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def _text(self) -> str:
        text = self.query_one(TextArea).text[:MAX_NOTE]
        return self.original if text == self.initial else text

    def action_save(self) -> None:
        self.dismiss(NoteResult(True, self._text()))

    def action_cancel(self) -> None:
        text = self._text()
        # Esc on a draft left as it was drops it; otherwise what was typed is kept
        keep = text if text != self.original or not self.draft else ""
        self.dismiss(NoteResult(False, keep))
