"""Shown while the story loads and aligns in a worker thread, so the terminal answers (and
``q`` quits) even on a story of hundreds of copies."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Label, ProgressBar


class LoadingScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "app.quit", "Quit", id="loading.quit")]

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Label("storydiff: loading the story…", id="loading-label")
            yield ProgressBar(id="loading-bar", show_eta=False)

    _last: tuple[str, int, int] | None = None

    def progress(self, stage: str, done: int, total: int) -> None:
        """Show a step; one that arrives before the screen is composed waits for it."""
        self._last = (stage, done, total)
        if self.is_mounted:
            self._show()

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        if self._last is None:
            return
        stage, done, total = self._last
        label = f"storydiff: loading the story… {stage} ({done}/{total})"
        self.query_one("#loading-label", Label).update(label)
        self.query_one("#loading-bar", ProgressBar).update(total=max(total, 1), progress=done)
