"""One story's review as the app works on it: load, change, save as you go.

Plain Python (no Textual), so the app stays a thin layer of keys over it and tests can drive
a review without a terminal.  Every change is handed to a background :class:`Saver` at once:
quitting, a crash or a lost SSH connection costs at most the change being written.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Alignment
from .codec import encode
from .model import Mark, Review
from .store import Location, Saver, load, locate


class ReviewSession:
    """The review of the story in ``alignment``, attached to its rows.

    ``warnings`` says what happened at start-up (a file kept aside); ``problem`` is called
    from the saver's thread when a write fails or moves to the user data directory."""

    def __init__(
        self,
        alignment: Alignment,
        location: Location | None = None,
        problem: Callable[[str], None] | None = None,
    ) -> None:
        self.alignment = alignment
        self.location = location or locate(alignment.story_dir, one_folder=alignment.one_folder)
        entries, self.warnings = load(self.location)
        self.review = Review.attach(alignment, entries) if entries else Review()
        self.saver = Saver(self.location, problem)
        self.drafts: dict[int, str] = {}  # row id -> a note typed and cancelled, kept for `a`

    @property
    def path(self) -> str:
        """Where the review is being saved (it may move to the fallback on a refused write)."""
        return str(self.saver.path)

    def mark(self, pos: int) -> Mark:
        return self.review.get(self.alignment.rows[pos].id)

    def toggle_reviewed(self, pos: int) -> Mark:
        return self._changed(self.review.toggle_reviewed(self.alignment.rows[pos].id))

    def toggle_flagged(self, pos: int) -> Mark:
        return self._changed(self.review.toggle_flagged(self.alignment.rows[pos].id))

    def set_note(self, pos: int, note: str) -> Mark:
        row_id = self.alignment.rows[pos].id
        self.drafts.pop(row_id, None)
        return self._changed(self.review.set_note(row_id, note))

    def rebased(self, alignment: Alignment) -> None:
        """The reader switched the base: same rows (same ids), another reading to quote."""
        self.alignment = alignment

    def positions(self, keep: Callable[[Mark], bool]) -> list[int]:
        """Row positions whose mark passes ``keep`` (an unmarked row is an empty Mark)."""
        return [n for n, row in enumerate(self.alignment.rows) if keep(self.review.get(row.id))]

    def save(self) -> None:
        self.saver.submit(encode(self.alignment, self.review, self.location.folder))

    def close(self, timeout: float = 10.0) -> bool:
        """Wait for the last write (at quit); False if the disk did not answer in time."""
        return self.saver.close(timeout)

    def _changed(self, mark: Mark) -> Mark:
        self.save()
        return mark
