"""The reader's review keys: mark reviewed, flag, note, filter, list, export.

A mixin of :class:`~storydiff.ui.screens.reader.ReaderScreen` (its bindings are listed there,
with the others, so help and the footer keep one order).  The review itself is engine code
(:class:`~storydiff.review.session.ReviewSession`): this module only turns keys into calls
and redraws the row.

Filters (``F`` flagged, ``U`` not yet reviewed) hide the other rows and keep the cursor on
the rows they show; a row that stops matching while the reader is on it (``space`` under
``U``) hands the cursor to the next one, which is the natural way to work through a story.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from ...textnorm import visible

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from ...model import Alignment
    from ...review import Mark
    from ...review.background import BackgroundSession
    from ...review.session import ReviewSession
    from ..layout import View
    from ..reading import Reading
    from .note import NoteResult

FILTERS = {
    "flagged": ("flagged", lambda m: m.flagged),
    "unreviewed": ("not reviewed", lambda m: not m.reviewed),
}

REVIEW_BINDINGS = [
    Binding(
        "space",
        "toggle_reviewed",
        "reviewed",
        tooltip="Mark the row reviewed / not reviewed",
        id="review.toggle",
    ),
    Binding(
        "exclamation_mark",
        "toggle_flag",
        "flag",
        tooltip="Flag the row / take the flag off",
        show=False,
        id="review.flag",
    ),
    Binding(
        "a",
        "edit_note",
        "note",
        tooltip="Add or edit a note on the row",
        show=False,
        id="review.note",
    ),
    Binding(
        "F",
        "filter('flagged')",
        "flagged only",
        tooltip="Only flagged rows (again: every row)",
        show=False,
        id="review.filter_flagged",
    ),
    Binding(
        "U",
        "filter('unreviewed')",
        "unreviewed only",
        tooltip="Only rows not yet reviewed (again: every row)",
        show=False,
        id="review.filter_unreviewed",
    ),
    Binding(
        "L",
        "list_marks",
        "review list",
        tooltip="List reviewed, flagged and noted rows, and notes whose passage is gone",
        show=False,
        id="review.list",
    ),
    Binding(
        "e",
        "export",
        "export",
        tooltip="Write a report (HTML, Markdown, JSON or CSV) next to the story",
        show=False,
        id="report.export",
    ),
]


class Reviewing:
    """Review state and actions of the reader (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the reader screen
        app: App[object]
        alignment: Alignment
        reading: Reading
        pos: int
        view: View | None
        is_mounted: bool

        def _goto(self, pos: int) -> None: ...
        def _relayout(self) -> None: ...
        def _update_chrome(self) -> None: ...
        def _refresh_row(self, pos: int) -> None: ...
        def notify(
            self,
            message: str,
            *,
            title: str = "",
            severity: SeverityLevel = "information",
            timeout: float | None = None,
            markup: bool = True,
        ) -> None: ...

    review: BackgroundSession | None = None
    review_filter: str | None = None
    _filter_rows: frozenset[int] | None = None

    # ------------------------------------------------------------------ state
    @property
    def session(self) -> ReviewSession | None:
        """The review if it is open yet (drawing never waits for it)."""
        return self.review.peek() if self.review is not None else None

    def review_opened(self) -> None:
        """The review arrived after the first frame: draw its marks."""
        session = self.session
        if session is None:
            return
        session.rebased(self.alignment)  # the user may have switched the base meanwhile
        if not self.is_mounted:  # its first layout will draw the marks
            return
        if session.review.marks:
            self._relayout()
        else:
            self._update_chrome()

    def mark_at(self, pos: int) -> Mark | None:
        if self.session is None or not 0 <= pos < len(self.alignment.rows):
            return None
        mark = self.session.mark(pos)
        return None if mark.empty else mark

    def hidden(self, pos: int) -> bool:
        """Whether a filter hides this row."""
        return self._filter_rows is not None and pos not in self._filter_rows

    def review_progress(self, short: bool = False) -> str:
        if self.session is None:
            return ""
        r = self.session.review
        n = len(self.alignment.rows)
        if short:
            return f"{r.reviewed}/{n} ✓ {r.flagged} ⚑"
        text = f"{r.reviewed}/{n} reviewed, {r.flagged} flagged"
        return text + (f", {len(r.orphans)} gone" if r.orphans else "")

    def filter_note(self) -> str:
        if self.review_filter is None or self._filter_rows is None:
            return ""
        return f"only {FILTERS[self.review_filter][0]} ({len(self._filter_rows)})"

    def _compute_filter(self) -> None:
        if self.review_filter is None or self.session is None:
            self._filter_rows = None
            return
        keep = FILTERS[self.review_filter][1]
        self._filter_rows = frozenset(self.session.positions(keep))

    def step_visible(self, pos: int, step: int) -> int | None:
        """The next row a filter shows from ``pos`` in direction ``step`` (None: none)."""
        n = len(self.alignment.rows)
        i = pos + step
        while 0 <= i < n:
            if not self.hidden(i):
                return i
            i += step
        return None

    # ------------------------------------------------------------------ actions
    def _session(self) -> ReviewSession | None:
        """The review for a review key: waits for it if it is still opening (the first
        keys typed at start-up are not lost)."""
        session = self.review.wait() if self.review is not None else None
        if session is None:
            self.notify("review marks are off for this story", timeout=3, markup=False)
            return None
        if not self.alignment.rows:
            self.notify("no rows to review", timeout=2, markup=False)
            return None
        if self.session is session and session.alignment is not self.alignment:
            session.rebased(self.alignment)
        return session

    def action_toggle_reviewed(self) -> None:
        if (session := self._session()) is not None:
            session.toggle_reviewed(self.pos)
            self._marked(self.pos)

    def action_toggle_flag(self) -> None:
        if (session := self._session()) is not None:
            session.toggle_flagged(self.pos)
            self._marked(self.pos)

    def action_edit_note(self) -> None:
        session = self._session()
        if session is None:
            return
        pos = self.pos
        row_id = self.alignment.rows[pos].id
        draft = session.drafts.get(row_id)
        text = draft if draft is not None else session.mark(pos).note

        from .note import NoteScreen  # the editor (TextArea) loads when first wanted

        def done(result: NoteResult | None) -> None:
            if result is None:
                return
            if result.saved:
                session.set_note(pos, result.text)
                self._marked(pos)
            elif result.text and result.text != session.mark(pos).note:
                session.drafts[row_id] = result.text
                self.notify("note not saved; a brings it back", timeout=3, markup=False)
            else:
                session.drafts.pop(row_id, None)

        self.app.push_screen(
            NoteScreen(f"Note on row {pos + 1}", text, draft=draft is not None), done
        )

    def _marked(self, pos: int) -> None:
        """Redraw after a change to the row at ``pos``: its block, the header, the map, and
        under a filter the cursor's place if the row no longer belongs."""
        if self.review_filter is not None:
            self._compute_filter()
            if self.hidden(pos):
                nxt = self.step_visible(pos, 1)
                if nxt is None:
                    nxt = self.step_visible(pos, -1)
                if nxt is None:
                    label = FILTERS[self.review_filter][0]
                    self.review_filter = None
                    self._compute_filter()
                    self.notify(f"no rows left that are {label}: every row shown", markup=False)
                    self._relayout()
                    return
                self._relayout_at(nxt)
                return
        self._refresh_row(pos)

    def _relayout_at(self, pos: int) -> None:
        self.pos = pos
        self._relayout()

    def action_filter(self, which: str) -> None:
        if self._session() is None:
            return
        if self.review_filter == which:
            self.review_filter = None
            self._compute_filter()
            self.notify("every row shown", timeout=2, markup=False)
            self._relayout()
            return
        old = self.review_filter
        self.review_filter = which
        self._compute_filter()
        assert self._filter_rows is not None
        if not self._filter_rows:
            self.review_filter = old
            self._compute_filter()
            self.notify(f"no rows are {FILTERS[which][0]}", timeout=3, markup=False)
            return
        if self.hidden(self.pos):
            nxt = self.step_visible(self.pos, 1)
            if nxt is None:
                nxt = self.step_visible(self.pos, -1)
            assert nxt is not None
            self.pos = nxt
        self._relayout()

    def leave_filter_for(self, pos: int) -> None:
        """A jump (search, click, the review list) to a row the filter hides: show all."""
        if self.hidden(pos):
            self.review_filter = None
            self._compute_filter()
            self.notify("filter off: that row is hidden by it", timeout=2, markup=False)
            self._relayout_at(pos)

    def action_list_marks(self) -> None:
        session = self._session()
        if session is None:
            return
        rows = self.alignment.rows
        marked = [
            (n, mark, row.cells.get(self.alignment.base, next(iter(row.cells.values()))).text)
            for n, row in enumerate(rows)
            if not (mark := session.review.get(row.id)).empty
        ]

        from .marks import MarksScreen

        def chosen(pos: int | None) -> None:
            if pos is not None:
                self.leave_filter_for(pos)
                self._goto(pos)

        self.app.push_screen(
            MarksScreen(marked, session.review.orphans, self.review_progress()), chosen
        )

    # ------------------------------------------------------------------ export
    def action_export(self) -> None:
        from ...review.store import report_folder
        from .export import ExportScreen

        al = self.alignment
        folder = report_folder(al.story_dir, one_folder=al.one_folder)

        def chosen(fmt: str | None) -> None:
            if fmt is not None:
                self._export(fmt)

        self.app.push_screen(ExportScreen(str(folder)), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def _export(self, fmt: str) -> Path:
        from ...report import render
        from ...review import Review
        from ...review.store import report_path, write_atomic

        al = self.alignment
        session = self.review.wait() if self.review is not None else None
        review = session.review if session is not None else Review()
        text = render(al, review, fmt)
        path = report_path(al.story_dir, fmt, one_folder=al.one_folder)
        write_atomic(path, text.encode("utf-8"))
        return path

    def export_state_changed(self, event: Worker.StateChanged) -> None:
        """The export worker's end (called by the reader's worker handler)."""
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, Path):
            # a path holds the story folder's name, which may carry escape sequences
            where = visible(str(event.worker.result))
            self.notify(f"report written: {where}", timeout=8, markup=False)
        elif event.state is WorkerState.ERROR:
            err = event.worker.error
            detail = err.strerror if isinstance(err, OSError) and err.strerror else err
            self.notify(
                f"could not write the report: {visible(str(detail))}",
                severity="error",
                markup=False,
            )
