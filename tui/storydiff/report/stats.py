"""How much of the base each copy keeps: the per-outlet summary of every report.

The figures are counted from the alignment the reader shows (rows, cells and their word diffs
against the base), never from a second comparison, so a report and the app cannot disagree.
Each figure's definition is written once, in :data:`EXPLAIN`, and the reports print it under
their summary table: a reader must be able to tell what "kept 18" counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Alignment, Op, Version

# The user-facing definition of each figure, in the order the reports show them.
EXPLAIN: tuple[tuple[str, str], ...] = (
    ("paragraphs", "body paragraphs of the copy (folded boilerplate and metadata not counted)"),
    ("kept", "rows that both the base and this copy have"),
    ("cut", "rows the base has and this copy lacks"),
    ("changed", "kept rows whose words differ from the base's in any way"),
    ("added", "rows this copy has and the base lacks"),
    ("moved", "this copy's passages that stand out of the base's order"),
    (
        "base words kept",
        "share of all the base's words (in every row the base has) that this copy carries "
        "unchanged, in the same or a moved passage",
    ),
    (
        "similarity",
        "mean word similarity to the base over the kept rows (0% when none are kept)",
    ),
)


@dataclass(frozen=True, slots=True)
class OutletStats:
    """The summary of one copy against the base (for the base itself: itself, complete).

    Counts are of alignment rows, not of paragraphs: a row may hold two paragraphs of one copy
    when that copy split or merged them."""

    version: str
    """The version id."""
    paragraphs: int
    """Body paragraphs of the copy (folded boilerplate and metadata not counted)."""
    kept: int
    """Rows where both the base and this copy have a cell (for the base: every row it has)."""
    cut: int
    """Rows where the base has a cell and this copy has none."""
    changed: int
    """Kept rows whose word diff against the base has any op other than EQUAL; typographic
    variants (curly quotes, dashes) are no change, as in the reader."""
    added: int
    """Rows where this copy has a cell and the base has none (including rows only it has)."""
    moved: int
    """This copy's cells marked moved: out of the base's order, in any row."""
    words_kept: float
    """0..1: the words of the EQUAL ops (counted on the base's side, ``ref``) of this copy's
    diffs, divided by all the words of the base's cells; words are whitespace-separated.  1.0
    for the base, 0.0 when the base has no words."""
    similarity: float
    """0..1: the mean of the cells' similarity to the base over the kept rows; 0.0 when no row
    is kept, 1.0 for the base."""


def _words(text: str) -> int:
    return len(text.split())


def version_stats(al: Alignment, version: Version) -> OutletStats:
    """The figures of one copy, counted as the attribute docstrings of :class:`OutletStats`
    say."""
    vid, base = version.id, al.base
    moved = sum(1 for row in al.rows if (c := row.cells.get(vid)) is not None and c.moved)
    if vid == base:
        kept = sum(1 for row in al.rows if base in row.cells)
        return OutletStats(vid, len(version.body), kept, 0, 0, 0, moved, 1.0, 1.0)
    kept = cut = changed = added = 0
    base_words = equal_words = 0
    similarity = 0.0
    for row in al.rows:
        base_cell = row.cells.get(base)
        cell = row.cells.get(vid)
        if base_cell is not None:
            base_words += _words(base_cell.text)
        if base_cell is None:
            added += cell is not None
        elif cell is None:
            cut += 1
        else:
            kept += 1
            similarity += cell.similarity
            changed += any(op.op is not Op.EQUAL for op in cell.diff)
            equal_words += sum(_words(op.ref) for op in cell.diff if op.op is Op.EQUAL)
    return OutletStats(
        version=vid,
        paragraphs=len(version.body),
        kept=kept,
        cut=cut,
        changed=changed,
        added=added,
        moved=moved,
        words_kept=equal_words / base_words if base_words else 0.0,
        similarity=similarity / kept if kept else 0.0,
    )


def outlet_stats(al: Alignment) -> tuple[OutletStats, ...]:
    """One :class:`OutletStats` per version, in the alignment's order."""
    return tuple(version_stats(al, v) for v in al.versions)


def percent(share: float) -> str:
    """A 0..1 share as a whole percentage; never rounds a partial share up to 100% or down
    to 0%, which would read as "all" or "none"."""
    value = round(share * 100)
    if value == 100 and share < 1.0:
        value = 99
    elif value == 0 and share > 0.0:
        value = 1
    return f"{value}%"
