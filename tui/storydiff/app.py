"""The storydiff reader: a Textual app over the engine's alignment.

Kept thin on purpose: the theme and palette choice, the global keys, the user keymap, and the
loading worker.  The reading itself is :class:`~storydiff.ui.screens.reader.ReaderScreen`.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState, get_current_worker

from .errors import StorydiffError
from .model import Alignment
from .options import StoryOptions
from .prefetch import Prefetch
from .review.background import BackgroundSession
from .textnorm import visible
from .ui.commands import ReaderCommands
from .ui.keymap import load_keymap
from .ui.render import ANSI, COLOUR, MONO, Palette
from .ui.screens.help import HelpScreen
from .ui.screens.loading import LoadingScreen
from .ui.screens.reader import ReaderScreen
from .ui.screens.versions import VersionsScreen


class _Quit(Exception):
    """The user quit while the story was loading."""


LOADING_SCREEN_DELAY = 0.12  # seconds of loading before the progress screen appears
PROGRESS_INTERVAL = 0.05  # seconds between progress updates from the loading worker


class StorydiffApp(App[int]):
    """Loads the story in a worker, then hands the alignment to the reader screen.

    ``alignment`` skips the loading (tests, screenshots, benchmarks); ``prefetch`` is a
    loading process the CLI started before Textual (see :mod:`storydiff.prefetch`);
    ``colours`` forces a palette (``"colour"``, ``"ansi"`` for 16 colours, ``"mono"``)
    instead of asking the terminal."""

    CSS_PATH = Path(__file__).parent / "ui" / "storydiff.tcss"
    COMMANDS: ClassVar = App.COMMANDS | {ReaderCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "quit", tooltip="Quit", id="app.quit"),
    ]
    TITLE = "storydiff"

    def __init__(
        self,
        paths: Sequence[str] = (),
        options: StoryOptions | None = None,
        *,
        alignment: Alignment | None = None,
        colours: str | None = None,
        prefetch: Prefetch | None = None,
    ) -> None:
        super().__init__()
        self.paths = list(paths)
        self.options = options or StoryOptions()
        self.alignment = alignment
        self.forced_colours = colours
        self.prefetch = prefetch
        self.error: StorydiffError | None = None
        self._last_progress = 0.0
        self._last_step: tuple[str, int, int] | None = None  # shown when the screen comes
        self.keymap_problems: list[str] = []
        self.review: BackgroundSession | None = None  # the story's review, opening or open
        self._quit_while_loading = False

    # ------------------------------------------------------------------ theme
    def palette(self) -> Palette:
        """The word-diff palette for this terminal: full colour, the 16 ANSI colours, or none
        (``NO_COLOR``): each keeps underline and strike-through, so meaning survives."""
        if self.forced_colours == "mono" or (self.forced_colours is None and self.no_color):
            return MONO
        if self.forced_colours == "ansi":
            return ANSI
        if self.forced_colours == "colour":
            return COLOUR
        system = self.console.color_system
        return COLOUR if system in ("truecolor", "256") else ANSI

    def on_mount(self) -> None:
        # 16 colours: the ANSI theme, whose colours the terminal draws itself (Textual's
        # tints would collapse to one grey).  NO_COLOR: Textual's monochrome filter was set up
        # for the default theme; an ANSI theme under it turns text black on black.
        palette = self.palette()
        self.theme = "ansi-dark" if palette is ANSI else "textual-dark"
        screens = (ReaderScreen, StorydiffApp, HelpScreen, VersionsScreen, LoadingScreen)
        known = {b.id for s in screens for b in _bindings(s) if b.id}
        keymap, problems = load_keymap(known=known)
        if keymap:
            self.set_keymap(keymap)
        self.keymap_problems = problems
        if self.alignment is not None:
            self._open(self.alignment)
        else:
            self._load()
            # A small story is ready before a progress screen would be worth drawing; a
            # large one gets it after a moment.
            self.set_timer(LOADING_SCREEN_DELAY, self._show_loading)

    def _show_loading(self) -> None:
        if self.alignment is None and self.error is None:
            screen = LoadingScreen()
            if self._last_step is not None:  # e.g. "fetching (0/3)", sent before it existed
                screen.progress(*self._last_step)
            self.push_screen(screen)

    def _open(self, alignment: Alignment) -> None:
        first = self.alignment is None
        self.alignment = alignment
        opened = self.review is not None  # by the loading worker
        if self.review is None:
            self.review = BackgroundSession(
                alignment, problem=self._review_problem, ready=self._review_opened
            )
        screen = ReaderScreen(alignment, self.palette(), self.review)
        if first:
            # The story lives as long as the reader: keep the collector's full passes (70+ ms
            # with a hundred versions, felt as a stutter on a keypress) from walking it.
            gc.freeze()
        if isinstance(self.screen, LoadingScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)
        for problem in self.keymap_problems:
            self.notify(problem, severity="warning", timeout=8, markup=False)
        if opened:
            self._show_review()
        else:  # it opens once the first frame is out (a review key opens it at once)
            self.call_after_refresh(self.review.start)

    # ------------------------------------------------------------------ review
    def _review_opened(self) -> None:
        """From the review's thread once it is open (or failed): back on the app's."""
        with suppress(RuntimeError):  # the app is already gone
            self.call_from_thread(self._show_review)

    def _show_review(self) -> None:
        review = self.review
        if review is None:
            return
        if review.error is not None:
            message = f"{review.error.message}; review marks are off"
            self.notify(visible(message), severity="error", markup=False)
            return
        session = review.session
        assert session is not None
        for warning in session.warnings:
            self.notify(visible(warning), severity="warning", timeout=10, markup=False)
        orphans = len(session.review.orphans)
        if orphans:
            self.notify(
                f"{orphans} saved mark{'s' if orphans > 1 else ''} on passages no longer in "
                "the story: L lists them",
                timeout=8,
                markup=False,
            )
        for screen in self.screen_stack:
            if isinstance(screen, ReaderScreen):
                screen.review_opened()

    def _review_problem(self, message: str) -> None:
        """From the saver's thread: a write failed or moved to the user data directory."""
        with suppress(RuntimeError):  # the app is already gone
            self.call_from_thread(
                self.notify, visible(message), severity="warning", timeout=10, markup=False
            )

    def on_unmount(self) -> None:
        # the last change must be on disk before the process ends
        if self.review is not None and not self.review.close():
            self.error = StorydiffError(
                "the last review change may not be saved (the disk did not answer)"
            )

    # ------------------------------------------------------------------ loading
    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def _load(self) -> Alignment:
        # The review's code loads while the story does (it is needed right after), then the
        # review opens here, off the UI thread, so the first frame already shows its marks.
        import storydiff.review.session  # noqa: F401

        if self.prefetch is not None:
            alignment = self.prefetch.result(self._progress)
        else:
            alignment = self._load_here()
        review = BackgroundSession(alignment, problem=self._review_problem)
        review.open_now()
        self.review = review
        return alignment

    def _load_here(self) -> Alignment:
        """Load in this process (no loading process could be forked), on a daemon thread
        this worker waits for: a user who quits mid-load is not kept waiting for it (the
        interpreter would join a worker's thread at exit, not a daemon one)."""
        from .story import load_story

        done = threading.Event()
        outcome: list[Alignment | BaseException] = []

        def run() -> None:
            try:
                outcome.append(load_story(self.paths, self.options, self._progress))
            except BaseException as exc:  # handed to the worker, which raises it
                outcome.append(exc)
            finally:
                done.set()

        threading.Thread(target=run, name="storydiff-load", daemon=True).start()
        worker = get_current_worker()
        while not done.wait(0.05):
            if worker.is_cancelled:
                raise _Quit
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    async def action_quit(self) -> None:
        """Quit; while the story is still loading, stop the loading at once (the loading
        process is killed, an in-process load is left to die with the process)."""
        if self.alignment is None:
            self._quit_while_loading = True
            if self.prefetch is not None:
                self.prefetch.kill()
            self.workers.cancel_group(self, "load")
        self.exit(return_code=0)

    def _progress(self, stage: str, done: int, total: int) -> None:
        """Called from the loading thread: forward at most every 50 ms (and the last step).
        Fetching steps always: they are few, and one dropped before a slow page would stay
        on screen, wrong, for as long as that page takes."""
        now = time.monotonic()
        throttled = stage != "fetching" and done + 1 < total
        if throttled and now - self._last_progress < PROGRESS_INTERVAL:
            return
        self._last_progress = now
        with suppress(RuntimeError):  # the app has gone (the user quit mid-load)
            self.call_from_thread(self._show_progress, stage, done, total)

    def _show_progress(self, stage: str, done: int, total: int) -> None:
        self._last_step = (stage, done, total)
        if isinstance(self.screen, LoadingScreen):
            self.screen.progress(stage, done, total)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "load":
            return
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, Alignment):
            self._open(event.worker.result)
        elif event.state is WorkerState.ERROR:
            err = event.worker.error
            if self._quit_while_loading:
                return  # the loading was stopped on purpose: nothing went wrong
            if isinstance(err, StorydiffError):
                self.error = err
            elif isinstance(err, OSError):
                where = f"{err.filename}: " if err.filename else ""
                self.error = StorydiffError(f"{where}{err.strerror or err}")
            else:
                if os.environ.get("STORYDIFF_DEBUG"):
                    raise err  # type: ignore[misc]
                self.error = StorydiffError(
                    f"internal error: {type(err).__name__}: {err} (a bug: please report it; "
                    "STORYDIFF_DEBUG=1 shows the traceback)"
                )
                self.error.exit_code = 70
            self.exit(return_code=self.error.exit_code)


def _bindings(cls: type) -> list[Binding]:
    return [b for b in getattr(cls, "BINDINGS", []) if isinstance(b, Binding)]
