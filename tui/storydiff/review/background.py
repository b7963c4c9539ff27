"""Open a story's review on a thread, so the reader's first frame does not wait for it.

Opening the review means importing the review engine (rapidfuzz, platformdirs), finding the
file, reading it and attaching its marks: tens of milliseconds that the first frame should
not pay.  The reader draws at once and fills the marks in when they arrive; a review key
pressed before then waits for them (a few milliseconds at most), so no key is ever lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import StorydiffError

if TYPE_CHECKING:
    from ..model import Alignment
    from .session import ReviewSession


class BackgroundSession:
    """A :class:`ReviewSession` being opened.  ``ready`` is called (on the opening thread)
    once it is there or has failed; ``error`` then says why there is none."""

    def __init__(
        self,
        alignment: Alignment,
        problem: Callable[[str], None] | None = None,
        ready: Callable[[], None] | None = None,
    ) -> None:
        self.alignment = alignment
        self.session: ReviewSession | None = None
        self.error: StorydiffError | None = None
        self._problem = problem
        self._ready = ready
        self._done = threading.Event()
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin opening (the reader calls it once its first frame is drawn, so the two do
        not compete for the interpreter); idempotent."""
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._open, name="storydiff-review-open", daemon=True
                )
                self._thread.start()

    def open_now(self) -> None:
        """Open it on the calling thread (one that may wait: the app's loading worker)."""
        with self._started:
            if self._thread is not None:
                self._thread.join()
                return
            self._thread = threading.current_thread()
        self._open()

    def _open(self) -> None:
        try:
            from .session import ReviewSession

            self.session = ReviewSession(self.alignment, problem=self._problem)
        except StorydiffError as exc:
            self.error = exc
        except Exception as exc:  # a bug must not cost the reader: say it, read on
            self.error = StorydiffError(f"internal error opening the review: {exc!r}")
        finally:
            self._done.set()
            if self._ready is not None:
                self._ready()

    def peek(self) -> ReviewSession | None:
        """The session if it is open, without waiting (for drawing)."""
        return self.session if self._done.is_set() else None

    def wait(self, timeout: float = 10.0) -> ReviewSession | None:
        """The session, waiting for it if need be (for a review key)."""
        self.start()
        self._done.wait(timeout)
        return self.session

    def close(self, timeout: float = 10.0) -> bool:
        """Wait for the last save (at quit); True when there was nothing to wait for."""
        if self._thread is None:  # never opened: nothing was changed
            return True
        session = self.wait(timeout)
        return session.close(timeout) if session is not None else True
