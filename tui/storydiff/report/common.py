"""What every report says, decided once; the format modules only choose the syntax.

The header facts, each row's cells in display order with their differences cut into marked
pieces, the rows only one copy has and the notes whose passage has gone are computed here, so
Markdown, HTML and CSV cannot drift apart in what they count or in which reference a cell is
marked against.

Everything here is the copies' raw text: each format escapes (and passes through
:func:`storydiff.textnorm.visible`) at its one output choke point, which is easier to check
than escaping done halfway here and halfway there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from .. import __version__
from ..model import Alignment, Cell, DiffOp, Op, Row, RowStatus, Version
from ..review import Entry, Mark, Review, row_text
from ..web import display_name
from .stats import percent

UNTITLED = "(untitled story)"
MISSING = "not in this copy"
ORPHANS_TITLE = "Notes on passages no longer in the story"
UNIQUE_TITLE = "Only in one copy"

PieceKind = Literal["same", "del", "ins"]


def now() -> str:
    """The default generation time: UTC, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of a cell's text: unchanged, lost from the reference (``del``) or added (``ins``).

    A marked piece keeps its trailing whitespace apart in ``gap``: the markup must close
    before the space (``**word** ``), or Markdown does not render it."""

    kind: PieceKind
    text: str
    gap: str = ""


def pieces(ops: tuple[DiffOp, ...]) -> tuple[Piece, ...]:
    """A diff as pieces in reading order; a REPLACE is the lost words, then the new ones."""
    out: list[Piece] = []

    def marked(kind: PieceKind, s: str) -> None:
        lead = s[: len(s) - len(s.lstrip())]  # space before a text's first word: outside
        if lead:
            out.append(Piece("same", lead))
            s = s[len(lead) :]
        core = s.rstrip()
        last = out[-1] if out else None
        if core and last is not None and not (last.gap or last.text)[-1:].isspace():
            # A change right after a word with no space (the base's lost "drawn ..." after
            # this cell's last word "militants."; a REPLACE's new word after its old one).
            out.append(Piece("same", " "))
        if core:
            out.append(Piece(kind, core, s[len(core) :]))
        elif s:
            out.append(Piece("same", s))

    for op in ops:
        if op.op is Op.EQUAL:
            if op.text:
                out.append(Piece("same", op.text))
            continue
        if op.op is not Op.INSERT:
            marked("del", op.ref)
        if op.op is not Op.DELETE:
            marked("ins", op.text)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class CellView:
    """One version's slot in a row: its text in pieces, or ``cell is None`` (not in it)."""

    number: int  # 1-based position of the version in the alignment (the versions table's #)
    version: Version
    cell: Cell | None
    pieces: tuple[Piece, ...]
    remarks: tuple[str, ...]  # "base", "moved: paragraph 15 of its copy", "92% similar" ...

    @property
    def label(self) -> str:
        return f"{self.version.badge} · {self.version.outlet}"


@dataclass(frozen=True, slots=True)
class RowView:
    """A row as reports show it: 1-based number, review mark, cells in display order."""

    number: int
    row: Row
    mark: Mark | None  # None without a review
    reference: str  # how the cells are marked when the base lacks the row ("" when it has it)
    cells: tuple[CellView, ...]

    @property
    def heading(self) -> str:
        kind = "" if self.row.kind == "body" else f" ({self.row.kind})"
        return f"Row {self.number} · {self.row.status.value}{kind}"

    @property
    def states(self) -> tuple[str, ...]:
        """The review state in words, each with its symbol: never colour alone."""
        return mark_states(self.mark)

    @property
    def flagged(self) -> bool:
        return self.mark is not None and self.mark.flagged


def mark_states(mark: Mark | None) -> tuple[str, ...]:
    if mark is None:
        return ()
    out = []
    if mark.reviewed:
        out.append("✓ reviewed")
    if mark.flagged:
        out.append("⚑ flagged")
    return tuple(out)


def title(al: Alignment) -> str:
    return al.title or al.version(al.base).title or UNTITLED


def generation_line(al: Alignment, generated: str) -> str:
    """Who made the report, when, and against which copy the differences are marked."""
    base = al.version(al.base)
    reason = f", {al.base_reason}" if al.base_reason else ""
    return (
        f"storydiff {__version__}, generated {generated}. "
        f"Base: {base.outlet} ({display_name(base.source)}){reason}."
    )


def progress(al: Alignment, review: Review) -> str:
    """``12/31 reviewed, 3 flagged, 2 notes`` (plus the orphaned marks, if any)."""
    out = (
        f"{review.reviewed}/{len(al.rows)} reviewed, {review.flagged} flagged, "
        f"{review.notes} {'note' if review.notes == 1 else 'notes'}"
    )
    if review.orphans:
        n = len(review.orphans)
        out += f", {n} {'mark' if n == 1 else 'marks'} on passages no longer in the story"
    return out


def _ordered(al: Alignment) -> list[tuple[int, Version]]:
    """The base first (the text the others are read against), then the alignment's order."""
    numbered = list(enumerate(al.versions, 1))
    return sorted(numbered, key=lambda nv: nv[1].id != al.base)


def reference_ops(al: Alignment, row: Row, vid: str) -> tuple[DiffOp, ...]:
    """The diff a cell is shown with: none for the base (it is the reference), against the
    base when the row has it, else against the row's majority reading; none for a row only
    one copy has (there is nothing to compare it with)."""
    cell = row.cells[vid]
    if vid == al.base:
        return ()
    if al.base in row.cells:
        return cell.diff
    return cell.consensus_diff if len(row.cells) > 1 else ()


def _cell_view(al: Alignment, row: Row, number: int, v: Version) -> CellView:
    cell = row.cells.get(v.id)
    if cell is None:
        return CellView(number, v, None, (), ())
    remarks: list[str] = []
    ops = reference_ops(al, row, v.id)
    if v.id == al.base:
        remarks.append("base")
    elif al.base in row.cells:
        if all(op.op is Op.EQUAL for op in ops):
            remarks.append("same words as the base")
        else:
            remarks.append(f"{percent(cell.similarity)} similar to the base")
    elif len(row.cells) > 1 and v.id == row.consensus:
        remarks.append("majority reading")
    if cell.moved:
        remarks.append(f"moved: paragraph {cell.position + 1} of its copy")
    shown = pieces(ops) if ops else (Piece("same", cell.text),)
    return CellView(number, v, cell, shown, tuple(remarks))


def _reference(al: Alignment, row: Row) -> str:
    if al.base in row.cells:
        return ""
    if len(row.cells) == 1:
        return "Not in the base; only this copy has it."
    v = al.version(row.consensus) if row.consensus in row.cells else None
    who = f" ({v.badge} · {v.outlet})" if v is not None else ""
    return f"Not in the base: differences are marked against the majority reading{who}."


def row_views(al: Alignment, review: Review | None) -> Iterator[RowView]:
    order = _ordered(al)
    for n, row in enumerate(al.rows, 1):
        mark = review.get(row.id) if review is not None else None
        cells = tuple(_cell_view(al, row, number, v) for number, v in order)
        yield RowView(n, row, mark, _reference(al, row), cells)


def unique_groups(al: Alignment) -> list[tuple[int, Version, list[tuple[int, str]]]]:
    """Rows only one copy has, by copy (alignment order): (version #, version, [(row, text)])."""
    out = []
    for number, v in enumerate(al.versions, 1):
        rows = [
            (n, row_text(al, row))
            for n, row in enumerate(al.rows, 1)
            if row.status is RowStatus.UNIQUE and v.id in row.cells
        ]
        if rows:
            out.append((number, v, rows))
    return out


def orphans(review: Review | None) -> list[Entry]:
    return list(review.orphans) if review is not None else []


def was_row(entry: Entry) -> str:
    return f"Was row {entry.row}" if entry.row is not None else "Row unknown"
