"""The search box: an Input that never holds a control character.

Textual's Input writes its value to the terminal as it is, and a bracketed paste arrives
with whatever the clipboard held: a search pasted from a hostile page would send its escape
sequences to the terminal (an OSC retitling it, a half-written one swallowing the next
frame).  A paste is taken as the reader shows text (``\\x1b``), which is also the text a
search is matched against, so what is found does not change.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from ...textnorm import visible_paste


class SearchBox(Input):
    def on_paste(self, event: events.Paste) -> None:
        # runs before Input's own handler (the subclass's first), which then inserts this
        event.text = visible_paste(event.text)
