"""The reading screen: header, overview map, column heads, the story, search bar, footer.

State lives in a handful of plain attributes and every change goes through one of two paths:
:meth:`_relayout` (rebuild every block: a new view, base, width or option) or :meth:`_goto`
(swap the two row blocks the cursor leaves and enters, then update the header and the map).
The second is what a keypress costs, which keeps it well inside a frame even with a hundred
versions.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from ...model import Alignment
from ...review.background import BackgroundSession
from ...textnorm import visible
from ..layout import (
    VIEW_ORDER,
    Block,
    Columns,
    Layout,
    Options,
    View,
    columns_for,
    paging_note,
    review_char,
)
from ..reading import Reading
from ..render import ANSI, MONO, Palette, colourless_terminal
from ..widgets.overview import Overview
from ..widgets.search_box import SearchBox
from ..widgets.story_header import Part, StoryHeader
from ..widgets.story_view import StoryView
from .help import HelpScreen
from .reviewing import REVIEW_BINDINGS, Reviewing
from .versions import VersionsScreen

MIN_SIZE = (30, 8)  # below this the screen only says it is too small
MANY_VERSIONS = 20  # from here the reader starts on a chosen few
EXACT_ROWS = 80  # rows rendered at once around the cursor; the rest follow in slices
FILL_SLICE = 12


def _toggle_bindings() -> list[Binding]:
    return [
        Binding(
            str(n),
            f"toggle_version({n})",
            f"Show/hide version {n}",
            show=False,
            id=f"version.toggle{n}",
        )
        for n in range(1, 10)
    ]


class ReaderScreen(Reviewing, Screen[None]):
    AUTO_FOCUS = ""  # keys belong to the screen; only the search box ever takes focus
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "next_row", "row", tooltip="Next row", id="row.next"),
        Binding("k,up", "prev_row", "row up", tooltip="Previous row", show=False, id="row.prev"),
        Binding("n", "next_diff", "change", tooltip="Next row that differs", id="row.next_change"),
        Binding(
            "N",
            "prev_diff",
            "change up",
            tooltip="Previous row that differs",
            show=False,
            id="row.prev_change",
        ),
        Binding("g,home", "first_row", "first", tooltip="First row", show=False, id="row.first"),
        Binding("G,end", "last_row", "last", tooltip="Last row", show=False, id="row.last"),
        Binding(
            "pagedown",
            "page(1)",
            "page",
            tooltip="Scroll a page down",
            show=False,
            id="scroll.page_down",
        ),
        Binding(
            "pageup",
            "page(-1)",
            "page up",
            tooltip="Scroll a page up",
            show=False,
            id="scroll.page_up",
        ),
        Binding(
            "tab",
            "focus_version(1)",
            "version",
            tooltip="Focus the next version",
            id="version.next",
        ),
        Binding(
            "shift+tab",
            "focus_version(-1)",
            "version back",
            tooltip="Focus the previous version",
            show=False,
            id="version.prev",
        ),
        Binding(
            "b",
            "make_base",
            "base",
            tooltip="Make the focused version the base",
            show=False,
            id="version.base",
        ),
        Binding(
            "c",
            "toggle_consensus",
            "consensus",
            tooltip="Differences against the base / against the majority reading",
            show=False,
            id="diff.consensus",
        ),
        Binding(
            "m",
            "toggle_markers",
            "markers",
            tooltip="Markers {+added+} [-removed-] around changes",
            show=False,
            id="diff.markers",
        ),
        Binding(
            "v",
            "cycle_view",
            "view",
            tooltip="Next view: columns, pair, stack, as published",
            id="view.cycle",
        ),
        Binding(
            "p",
            "published",
            "published",
            tooltip="The focused version as published, folded parts included",
            show=False,
            id="view.published",
        ),
        Binding(
            "f",
            "toggle_folded",
            "folded",
            tooltip="Show/hide each row's folded boilerplate and metadata",
            show=False,
            id="view.folded",
        ),
        Binding(
            "t",
            "toggle_tags",
            "tags",
            tooltip="Show/hide manifest tags",
            show=False,
            id="view.tags",
        ),
        Binding(
            "V",
            "choose_versions",
            "versions",
            tooltip="Choose the versions shown",
            show=False,
            id="version.choose",
        ),
        *_toggle_bindings(),
        Binding("slash", "search", "search", tooltip="Search all versions", id="search.open"),
        Binding(
            "s",
            "search_step(1)",
            "match",
            tooltip="Next search match",
            show=False,
            id="search.next",
        ),
        Binding(
            "S",
            "search_step(-1)",
            "match up",
            tooltip="Previous search match",
            show=False,
            id="search.prev",
        ),
        Binding(
            "escape",
            "clear_search",
            "clear",
            tooltip="Close / clear the search",
            show=False,
            id="search.clear",
        ),
        *REVIEW_BINDINGS,
        Binding("question_mark", "help", "help", tooltip="All keys", id="help.show"),
    ]

    def __init__(
        self, alignment: Alignment, palette: Palette, review: BackgroundSession | None = None
    ) -> None:
        super().__init__()
        self.review = review
        self.alignment = alignment
        self.reading = Reading.of(alignment)
        if palette is ANSI and self._colourless():
            # TERM=vt100 or xterm-mono: no colour and no strike-through, so the monochrome
            # palette, whose markers ({+ +} [- -]) and reverse video need neither
            palette = MONO
        self.palette = palette
        n = len(alignment.versions)
        ids = [v.id for v in alignment.versions]
        self.shown: tuple[str, ...] = tuple(ids)
        if n >= MANY_VERSIONS:
            few = ids[:9]
            if alignment.base not in few:
                few[-1] = alignment.base
            self.shown = tuple(v for v in ids if v in few)
        others = [v for v in self.shown if v != alignment.base]
        self.focus_id = others[0] if others else alignment.base
        self.pos = 0
        self.view: View | None = None  # None until the first layout picks one
        self.view_chosen = False
        self.consensus = False
        self.markers = palette.name == "mono"
        self.folded = False
        self.tags = False
        self.search_text = ""
        self.matches: list[int] = []
        self._cols: Columns | None = None
        self._layout: Layout | None = None
        self._cache: dict[tuple[int, bool], Block] = {}
        self._too_small = False
        self._laid_out_size: object = None
        self._fill_generation = 0
        self._search_origin: tuple[int, str] | None = None

    def _colourless(self) -> bool:
        """A real terminal without colours, and no palette chosen by the user."""
        app = self.app
        chosen = getattr(app, "forced_colours", None)
        return not app.is_headless and chosen is None and colourless_terminal()

    # ------------------------------------------------------------------ compose
    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            yield StoryHeader(id="header")
            yield Overview(id="overview")
            yield Static(id="heads")
            yield StoryView(id="story")
            yield SearchBox(
                placeholder="search all versions (Enter: next match, Esc: close)", id="search"
            )
            yield Footer(compact=True, show_command_palette=False)
        yield Static(id="too-small")

    def on_mount(self) -> None:
        if len(self.alignment.versions) == 1:
            # opened on one file (or only one could be read): nothing to compare it with
            self.notify(
                "one copy only: shown alone, nothing to compare it with; open two or more "
                "copies of the story to see their differences",
                timeout=10,
                markup=False,
            )
        elif len(self.alignment.versions) > len(self.shown):
            self.notify(
                f"{len(self.alignment.versions)} versions: showing {len(self.shown)}; "
                "V chooses which",
                timeout=6,
                markup=False,
            )
        for w in self.alignment.warnings[:3]:
            self.notify(visible(w), severity="warning", timeout=6, markup=False)

    def on_resize(self, event: Resize) -> None:
        # Textual sends more than one Resize at start-up: rebuild only for a new size
        if event.size != self._laid_out_size:
            self._relayout()

    # ------------------------------------------------------------------ layout
    def _options(self) -> Options:
        assert self.view is not None
        return Options(
            view=self.view,
            shown=self.shown,
            focus=self.focus_id,
            base=self.alignment.base,
            consensus=self.consensus,
            markers=self.markers,
            folded=self.folded,
            tags=self.tags,
            query=self.search_text,
            palette_name=self.palette.name,
        )

    def _auto_view(self, width: int) -> View:
        n = len(self.shown)
        cols = columns_for(width, self._options_for(View.COLUMNS), len(self.reading.rows))
        if len(cols.vids) >= n and n > 2:
            return View.COLUMNS
        if width >= 60:
            return View.PAIR
        return View.STACK

    def _options_for(self, view: View) -> Options:
        saved = self.view
        self.view = view
        try:
            return self._options()
        finally:
            self.view = saved

    def _relayout(self) -> None:
        if not self.is_mounted:
            return
        width, height = self.size
        self._laid_out_size = self.size
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self._too_small = small
        self.set_class(small, "-too-small")
        if small:
            self.query_one("#too-small", Static).update(
                Text(
                    f"storydiff needs at least {MIN_SIZE[0]}x{MIN_SIZE[1]} "
                    f"(this terminal is {width}x{height})"
                )
            )
            return
        self.set_class(height < 20, "-short")
        if self.view is None or not self.view_chosen:
            self.view = self._auto_view(width)
        story = self.query_one(StoryView)
        inner = max(width - 1, 10)  # the vertical scrollbar
        if (
            self._layout is None
            or self._layout.reading is not self.reading
            or self._layout.base_style != story.rich_style
        ):
            self._layout = Layout(self.reading, self.app.console, self.palette, story.rich_style)
            self._layout.mark_of = self.mark_at
        self._cache.clear()
        opts = self._options()
        heads = self.query_one("#heads", Static)
        if self.view in (View.COLUMNS, View.PAIR):
            cols = columns_for(inner, opts, len(self.reading.rows))
            self._cols = cols
            blocks = self._row_blocks(cols)
            heads.display = True
            heads.update(self._layout.heads(cols, opts))
        else:
            self._cols = None
            heads.display = False
            blocks = self._view_blocks(inner, opts)
        story.set_blocks(blocks, inner)
        self._show_cursor(top=True)
        self._update_chrome()

    def _row_blocks(self, cols: Columns) -> list[Block]:
        """Every row's block: exact near the cursor, estimated further off and filled in
        shortly after, a slice at a time, so that no keypress pays for wrapping the text of
        hundreds of rows and versions at once."""
        n = len(self.reading.rows)
        self._fill_generation += 1
        if n <= EXACT_ROWS:
            return [self._block(i, i == self.pos) for i in range(n)]
        assert self._layout is not None
        lo, hi = max(0, self.pos - EXACT_ROWS // 2), min(n, self.pos + EXACT_ROWS // 2)
        blocks = [
            self._block(i, i == self.pos)
            if lo <= i < hi or self.hidden(i)
            else self._layout.estimate(i, cols)
            for i in range(n)
        ]
        pending = [i for i in range(n) if not lo <= i < hi]
        generation = self._fill_generation
        self.call_later(self._fill, pending, generation)
        return blocks

    def _fill(self, pending: list[int], generation: int) -> None:
        """Replace estimated blocks with real ones, a slice per turn of the event loop, so
        keys typed meanwhile are handled first."""
        if generation != self._fill_generation or self.view not in (View.COLUMNS, View.PAIR):
            return
        now, rest = pending[:FILL_SLICE], pending[FILL_SLICE:]
        story = self.query_one(StoryView)
        story.update_blocks({i: self._block(i, i == self.pos) for i in now})
        if rest:
            self.call_later(self._fill, rest, generation)

    def _block(self, pos: int, current: bool) -> Block:
        if self.hidden(pos):  # a review filter leaves it out
            return Block(("row", pos), pos, [])
        key = (pos, current)
        block = self._cache.get(key)
        if block is None:
            assert self._layout is not None and self._cols is not None
            block = self._layout.row_block(pos, self._cols, self._options(), current)
            self._cache[key] = block
        return block

    def _refresh_row(self, pos: int) -> None:
        """Redraw one row after its review mark changed."""
        self._cache.pop((pos, True), None)
        self._cache.pop((pos, False), None)
        if self._too_small:
            return
        story = self.query_one(StoryView)
        if self.view in (View.COLUMNS, View.PAIR):
            story.update_blocks({pos: self._block(pos, pos == self.pos)})
            self._show_cursor()
            self._update_chrome()
        else:
            self._goto(self.pos)

    def _view_blocks(self, width: int, opts: Options) -> list[Block]:
        assert self._layout is not None
        if self.view is View.STACK:
            return self._layout.stack_blocks(self.pos, width, opts)
        return self._layout.published_blocks(self.focus_id, width, opts, self.pos)

    def _show_cursor(self, top: bool = False) -> None:
        story = self.query_one(StoryView)
        if self.view in (View.COLUMNS, View.PAIR):
            story.show_block(self.pos, top=False)
        elif self.view is View.STACK:
            # from the top (the base first), then the focused version if it is further down
            story.scroll_to(y=0, animate=False, immediate=True)
            i = story.index_of(("cell", self.focus_id))
            story.show_block(i if i is not None else 0)
        else:
            for i, b in enumerate(story.blocks):
                if b.row == self.pos:
                    story.show_block(i)
                    break

    def _update_chrome(self) -> None:
        if self._too_small or self._layout is None:
            return
        al = self.alignment
        base = al.version(al.base)
        n = len(self.reading.rows)
        row = self.reading.rows[self.pos] if n else None
        p = self.palette
        # on a narrow terminal the header drops the highest priority numbers first
        parts: list[Part] = [Part(f"row {self.pos + 1 if n else 0}/{n}", "bold")]
        if row is not None and len(al.versions) > 1:  # alone, every row is "unique"
            parts.append(Part(row.status.value, "bold", 4, glue=" "))
        mark = self.mark_at(self.pos)
        if mark is not None:
            state = ("✓" if mark.reviewed else "") + ("⚑" if mark.flagged else "")
            state += "✎" if mark.note else ""
            parts.append(Part(state, p.flag if mark.flagged else p.reviewed))
        filtered = self.filter_note()
        if filtered:
            parts.append(Part(filtered, "bold"))
        if self.consensus:
            parts.append(Part("vs majority", "bold"))
        if self.view is View.PUBLISHED:
            v = al.version(self.focus_id)
            parts.append(Part(f"published ({visible(v.badge)})", "", 1))
            if row is not None and self.focus_id not in row.cells:
                parts.append(Part("not in this copy", p.missing))
        if self.search_text:
            parts.append(Part(f"/{visible(self.search_text)} {len(self.matches)} rows", p.meta))
        progress = self.review_progress()
        if progress:
            parts.append(Part(progress, "", 1, short=self.review_progress(short=True)))
        parts.append(Part(f"base {visible(base.badge)}", "", 2))
        if self._cols is not None:
            note = paging_note(self._cols, self.view or View.COLUMNS)
            if note:
                parts.append(Part(note, p.meta, 5))
        many = len(al.versions)
        count = f"{many} versions" if many > 1 else "1 copy alone"
        parts.append(Part(count, "", 3, short=f"{many} v"))
        if self.view is not None and self.view is not View.PUBLISHED:
            parts.append(Part(self.view.value, "", 6))
        self.query_one(StoryHeader).show(visible(al.title or base.title or "(untitled)"), parts)
        height = self.size.height
        lines = 8 if height >= 36 else 5 if height >= 20 else 3
        marked = self.session is not None and self.session.review.marks
        review = [review_char(self.mark_at(i)) for i in range(n)] if marked else []
        lines += 1 if review else 0  # the review line costs the story a line, not a version
        self.query_one(Overview).show(
            self.reading, p, self.shown, self.focus_id, self.pos, lines, review
        )

    # ------------------------------------------------------------------ moving
    def _goto(self, pos: int) -> None:
        n = len(self.reading.rows)
        if not n:
            return
        pos = max(0, min(pos, n - 1))
        if self.hidden(pos):
            self.leave_filter_for(pos)
            return
        old, self.pos = self.pos, pos
        story = self.query_one(StoryView)
        if self._too_small:
            return
        if self.view in (View.COLUMNS, View.PAIR):
            if old != pos:
                story.update_blocks({old: self._block(old, False), pos: self._block(pos, True)})
        else:
            assert self._layout is not None
            inner = story._width
            story.set_blocks(self._view_blocks(inner, self._options()), inner)
        self._show_cursor()
        self._update_chrome()

    def action_next_row(self) -> None:
        self._goto(self._next(self.pos, 1))

    def action_prev_row(self) -> None:
        self._goto(self._next(self.pos, -1))

    def _next(self, pos: int, step: int) -> int:
        """The next row shown (a review filter may hide some), or ``pos`` at the end."""
        nxt = self.step_visible(pos, step)
        return pos if nxt is None else nxt

    def action_first_row(self) -> None:
        self._goto(self._next(-1, 1))

    def action_last_row(self) -> None:
        self._goto(self._next(len(self.reading.rows), -1))

    def action_next_diff(self) -> None:
        self._diff_step(1)

    def action_prev_diff(self) -> None:
        self._diff_step(-1)

    def _diff_step(self, step: int) -> None:
        nxt: int | None = self.pos
        while True:
            assert nxt is not None
            nxt = self.reading.next_differing(nxt, step, self._compared(), self.consensus)
            if nxt is None or not self.hidden(nxt):
                break
        if nxt is None:
            where = "below" if step > 0 else "above"
            self.notify(f"no more changes {where}", timeout=2, markup=False)
        else:
            self._goto(nxt)

    def _compared(self) -> tuple[str, ...]:
        """The versions a "change" is looked for in: the two of the pair view, else those
        shown."""
        if self.view is View.PAIR and self._cols is not None:
            return self._cols.vids
        return self.shown

    def action_page(self, step: int) -> None:
        story = self.query_one(StoryView)
        if step > 0:
            story.scroll_page_down(animate=False)
        else:
            story.scroll_page_up(animate=False)

    @on(StoryView.RowClicked)
    @on(Overview.Jump)
    def _jump(self, event: StoryView.RowClicked | Overview.Jump) -> None:
        self._goto(event.row)

    # ------------------------------------------------------------------ versions
    def action_focus_version(self, step: int) -> None:
        pool = list(self.shown)
        if self.view is View.PAIR:
            pool = [v for v in pool if v != self.alignment.base] or pool
        if not pool:
            return
        at = pool.index(self.focus_id) if self.focus_id in pool else -1
        self.focus_id = pool[(at + step) % len(pool)]
        self._relayout()

    def action_toggle_version(self, n: int) -> None:
        versions = self.alignment.versions
        if n > len(versions):
            self.notify(f"there is no version {n}", timeout=2, markup=False)
            return
        vid = versions[n - 1].id
        if vid in self.shown:
            if len(self.shown) == 1:
                self.notify("the last shown version stays", timeout=2, markup=False)
                return
            self._set_shown([v for v in self.shown if v != vid])
        else:
            self._set_shown([*self.shown, vid])

    def _set_shown(self, shown: list[str]) -> None:
        order = [v.id for v in self.alignment.versions]
        self.shown = tuple(v for v in order if v in set(shown)) or (self.alignment.base,)
        if self.focus_id not in self.shown:
            others = [v for v in self.shown if v != self.alignment.base]
            self.focus_id = others[0] if others else self.shown[0]
        self._relayout()

    def action_choose_versions(self) -> None:
        def chosen(result: list[str] | None) -> None:
            if result:
                self._set_shown(result)

        self.app.push_screen(
            VersionsScreen(self.alignment.versions, self.shown, self.alignment.base), chosen
        )

    def action_make_base(self) -> None:
        if self.focus_id == self.alignment.base:
            self.notify("this version is already the base", timeout=2, markup=False)
            return
        self._rebase(self.focus_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="rebase")
    def _rebase(self, vid: str) -> tuple[Alignment, Reading]:
        from ...build import rebase

        al = rebase(self.alignment, vid)
        return al, Reading.of(al)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "export":
            self.export_state_changed(event)
            return
        if event.worker.group != "rebase":
            return
        if event.state is WorkerState.SUCCESS and event.worker.result is not None:
            old_base = self.alignment.base
            self.alignment, self.reading = event.worker.result
            if self.session is not None:
                self.session.rebased(self.alignment)  # (review_opened does it if it is later)
            self.focus_id = old_base if old_base in self.shown else self.focus_id
            if self.alignment.base not in self.shown:
                self._set_shown([*self.shown, self.alignment.base])
            v = self.alignment.version(self.alignment.base)
            self.notify(f"base: {visible(v.outlet)}", timeout=2, markup=False)
            self._relayout()
        elif event.state is WorkerState.ERROR:
            self.notify(  # the error may quote a copy's text or path: shown, never obeyed
                f"could not change the base: {visible(str(event.worker.error))}",
                severity="error",
                markup=False,
            )

    # ------------------------------------------------------------------ options
    def action_cycle_view(self) -> None:
        at = VIEW_ORDER.index(self.view) if self.view in VIEW_ORDER else -1
        self.view = VIEW_ORDER[(at + 1) % len(VIEW_ORDER)]
        self.view_chosen = True
        self._relayout()

    def action_published(self) -> None:
        self.view = View.PUBLISHED
        self.view_chosen = True
        self._relayout()

    def action_toggle_consensus(self) -> None:
        self.consensus = not self.consensus
        self._relayout()

    def action_toggle_markers(self) -> None:
        self.markers = not self.markers
        self._relayout()

    def action_toggle_folded(self) -> None:
        self.folded = not self.folded
        self._relayout()

    def action_toggle_tags(self) -> None:
        self.tags = not self.tags
        self._relayout()

    # ------------------------------------------------------------------ search
    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        # where the search started and what it was: Esc goes back to both
        self._search_origin = (self.pos, self.search_text)
        box.display = True
        box.value = self.search_text
        box.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        origin = self._search_origin[0] if self._search_origin else self.pos
        if event.value == self.search_text:
            return
        self._set_query(event.value, jump_from=origin - 1)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._search_origin = None
        self._close_search()
        if self.matches and self.pos in self.matches:
            return
        self.action_search_step(1)

    def _set_query(self, query: str, jump_from: int | None = None) -> None:
        self.search_text = query
        self.matches = self.reading.matches(query)
        nxt = Reading.next_match(self.matches, jump_from, 1) if jump_from is not None else None
        if nxt is not None:
            self.pos = nxt
            if self.hidden(nxt):  # the search found a row the review filter hides
                self.review_filter = None
                self._compute_filter()
        self._relayout()

    def _close_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = False
        self.set_focus(None)

    def action_search_step(self, step: int) -> None:
        if not self.search_text:
            self.notify("no search: / starts one", timeout=2, markup=False)
            return
        nxt = Reading.next_match(self.matches, self.pos, step)
        if nxt is None:
            self.notify(f"{visible(self.search_text)!r} is in no version", timeout=2, markup=False)
            return
        self._goto(nxt)

    def action_clear_search(self) -> None:
        box = self.query_one("#search", Input)
        if box.display:  # Esc while typing: cancel, back to where the search started
            self._close_search()
            if self._search_origin is not None:
                pos, text = self._search_origin
                self._search_origin = None
                if text != self.search_text:
                    self._set_query(text)
                self._goto(pos)
            return
        if self.search_text:
            self._set_query("")

    # ------------------------------------------------------------------ help
    def action_help(self) -> None:
        rows: dict[str, tuple[list[str], str, str]] = {}
        for active in self.active_bindings.values():
            b = active.binding
            if not b.description:
                continue
            keys, desc, bid = rows.get(b.action, ([], b.tooltip or b.description, ""))
            keys.append(self.app.get_key_display(b))
            rows[b.action] = (keys, desc, bid or b.id or "")  # the remappable id, if any has one
        table = [(", ".join(dict.fromkeys(k)), d, i) for k, d, i in rows.values()]
        self.app.push_screen(HelpScreen(table))
