"""Turn a paragraph grouping into the public :class:`~storydiff.model.Alignment`.

The aligner only decides which paragraphs belong together; this module adds what readers and
reports need on top: word diffs against the base and against the row's majority reading, each
cell's similarity to the base, and a status per row.  It is the one place those are computed,
so the app and every report show the same thing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache

from .align import Grouping, group_paragraphs
from .diff import consensus_index, similarity, word_diff
from .model import Alignment, Cell, DiffOp, Op, Row, RowStatus, Version


def build_alignment(
    versions: Sequence[Version],
    base: str | None = None,
    *,
    title: str = "",
    warnings: Sequence[str] = (),
    base_reason: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> Alignment:
    """Align ``versions`` (base: a version id, or None to let the content decide)."""
    t0 = time.perf_counter()
    ids = [v.id for v in versions]
    base_index = ids.index(base) if base is not None else None
    grouping = group_paragraphs(versions, base_index, progress)
    t1 = time.perf_counter()
    rows = _rows(grouping)
    t2 = time.perf_counter()
    versions_out = grouping.versions
    base_id = versions_out[grouping.base].id
    if not base_reason:
        base_reason = "named by the user" if base is not None else "most central copy"
    if not title:
        title = versions_out[grouping.base].title or ""
    return Alignment(
        versions=versions_out,
        base=base_id,
        rows=rows,
        title=title,
        warnings=tuple(warnings),
        base_reason=base_reason,
        timings={"align": t1 - t0, "diff": t2 - t1},
    )


def _rows(grouping: Grouping) -> tuple[Row, ...]:
    versions = grouping.versions
    n = len(versions)
    out: list[Row] = []
    for rid, group in enumerate(grouping.rows):
        texts = {vi: "\n\n".join(p.text for p in ps) for vi, ps in group.cells.items()}
        order = sorted(texts)
        base_text = texts.get(grouping.base)
        cons_vi = order[consensus_index([texts[vi] for vi in order])]
        cons_text = texts[cons_vi]
        cells: dict[str, Cell] = {}
        all_same = True
        for vi in order:
            text = texts[vi]
            cons: tuple[DiffOp, ...]
            sim, diff = _against(base_text, text)
            if cons_vi == grouping.base and base_text is not None:
                cons = diff
            elif text == cons_text:
                cons = _same(text)
            else:
                cons = word_diff(cons_text, text)
            if any(op.op is not Op.EQUAL for op in cons):
                all_same = False
            cells[versions[vi].id] = Cell(
                version=versions[vi].id,
                paragraphs=group.cells[vi],
                position=group.ranks[vi],
                moved=vi in group.moved,
                similarity=sim,
                diff=diff,
                consensus_diff=cons,
            )
        kind = (
            "crosshead"
            if all(p.role == "crosshead" for ps in group.cells.values() for p in ps)
            else "body"
        )
        if len(cells) == 1:
            status = RowStatus.UNIQUE
        elif group.moved:
            status = RowStatus.MOVED
        elif len(cells) < n:
            status = RowStatus.PARTIAL
        elif all_same:
            status = RowStatus.SAME
        else:
            status = RowStatus.CHANGED
        out.append(Row(rid, status, cells, kind, versions[cons_vi].id))
    return tuple(out)


def rebase(al: Alignment, base: str) -> Alignment:
    """The same alignment compared against another version.

    Only the base-relative parts change (each cell's diff and similarity): the rows, moves and
    consensus readings stay as they are, so a reader who switches the base keeps their place
    and sees the same rows.  Re-aligning from scratch could regroup borderline paragraphs under
    the reader's cursor."""
    al.version(base)  # KeyError for an unknown id, before any work
    if base == al.base:
        return al
    rows: list[Row] = []
    for row in al.rows:
        base_cell = row.cells.get(base)
        base_text = base_cell.text if base_cell is not None else None
        cells: dict[str, Cell] = {}
        for vid, cell in row.cells.items():
            sim, diff = _against(base_text, cell.text)
            cells[vid] = replace(cell, similarity=sim, diff=diff)
        rows.append(replace(row, cells=cells))
    return replace(al, base=base, rows=tuple(rows), base_reason="chosen in the app")


def _against(base_text: str | None, text: str) -> tuple[float, tuple[DiffOp, ...]]:
    """A cell's similarity to the base cell and its word diff against it (none without one)."""
    if base_text is None:
        return 0.0, ()
    if text == base_text:  # most cells of syndicated copies: skip the diff
        return 1.0, _same(text)
    return similarity(base_text, text), word_diff(base_text, text)


@lru_cache(maxsize=4096)
def _same(text: str) -> tuple[DiffOp, ...]:
    """(One tuple per distinct text: copies that agree share it, in memory and in the pickle
    the reader receives.)"""
    return (DiffOp(Op.EQUAL, text, text),)
