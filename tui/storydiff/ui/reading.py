"""What the reader derives once from an alignment: where folded text sits, which rows differ,
which rows match a search.  Plain Python (no Textual, no Rich) so it is cheap to test and to
rebuild when the user switches the base."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache

from ..model import Alignment, Op, Paragraph, Row
from ..summary import cell_mark
from ..textnorm import visible


@lru_cache(maxsize=64)
def search_pattern(query: str) -> re.Pattern[str] | None:
    """The literal, case-insensitive pattern of a search (never a user regex: a stray ``(``
    must not be an error), over the text as shown (escapes made visible)."""
    q = query.strip()
    return re.compile(re.escape(visible(q)), re.IGNORECASE) if q else None


@dataclass(frozen=True, slots=True)
class Folded:
    """A version's folded paragraphs next to one row: those just before its paragraph(s), and
    for the version's last row, those after it."""

    before: tuple[Paragraph, ...] = ()
    after: tuple[Paragraph, ...] = ()


class _Marks(dict[str, list[str]]):
    """Version id -> its overview mark per row, made when the overview first asks for that
    version (it shows a handful of a hundred; the rest cost the first frame 15 ms)."""

    def __init__(self, al: Alignment) -> None:
        super().__init__()
        self._al = al

    def __missing__(self, vid: str) -> list[str]:
        marks = self[vid] = [cell_mark(self._al, row, vid) for row in self._al.rows]
        return marks


@dataclass
class Reading:
    alignment: Alignment
    folded: dict[tuple[str, int], Folded] = field(default_factory=dict)
    row_of: dict[tuple[str, int, int], int] = field(default_factory=dict)  # (vid, index, part)
    marks: dict[str, list[str]] = field(default_factory=dict)  # vid -> mark per row
    _texts: list[str] = field(default_factory=list)
    _ids: list[str] = field(default_factory=list)  # casefolded text of each row, all copies

    @classmethod
    def of(cls, al: Alignment) -> Reading:
        r = cls(al)
        r._ids = [v.id for v in al.versions]
        for pos, row in enumerate(al.rows):
            for vid, cell in row.cells.items():
                for p in cell.paragraphs:
                    r.row_of[(vid, p.index, p.part)] = pos
        for v in al.versions:
            pending: list[Paragraph] = []
            last: int | None = None
            for p in v.paragraphs:
                if p.folded:
                    pending.append(p)
                    continue
                at = r.row_of.get((v.id, p.index, p.part))
                if at is None:  # not aligned (cannot happen for body text): keep it visible
                    pending.append(p)
                    continue
                if pending:
                    prev = r.folded.get((v.id, at), Folded())
                    r.folded[(v.id, at)] = Folded(prev.before + tuple(pending), prev.after)
                    pending = []
                last = at
            if pending and last is not None:
                prev = r.folded.get((v.id, last), Folded())
                r.folded[(v.id, last)] = Folded(prev.before, prev.after + tuple(pending))
        r.marks = _Marks(al)
        return r

    @property
    def rows(self) -> tuple[Row, ...]:
        return self.alignment.rows

    def differs(
        self, pos: int, shown: Collection[str] | None = None, consensus: bool = False
    ) -> bool:
        """Whether a row has anything to see among the ``shown`` versions (default: all): one
        of them lacks it, moved it or words it otherwise."""
        row = self.rows[pos]
        vids = self.alignment_ids if shown is None else shown
        cells = [row.cells.get(v) for v in vids]
        if all(c is None for c in cells):  # content only versions not compared here have
            return False
        if any(c is None or c.moved for c in cells):
            return True
        if len(row.cells) == 1:
            return True
        ops = (c.consensus_diff if consensus else c.diff for c in cells if c is not None)
        return any(op.op is not Op.EQUAL for d in ops for op in d)

    @property
    def alignment_ids(self) -> list[str]:
        return self._ids

    def next_differing(
        self,
        pos: int,
        step: int,
        shown: Collection[str] | None = None,
        consensus: bool = False,
    ) -> int | None:
        n = len(self.rows)
        i = pos + step
        while 0 <= i < n:
            if self.differs(i, shown, consensus):
                return i
            i += step
        return None

    def matches(self, query: str) -> list[int]:
        """Rows where any copy (shown or not) contains ``query``, ignoring case: the same
        pattern that highlights the hits, so a row found always shows why."""
        pattern = search_pattern(query)
        if pattern is None:
            return []
        if not self._texts:  # made at the first search, not before the first frame
            self._texts = [
                "\n".join(visible(c.text) for c in row.cells.values()) for row in self.rows
            ]
        return [i for i, t in enumerate(self._texts) if pattern.search(t)]

    @staticmethod
    def next_match(matches: list[int], pos: int, step: int) -> int | None:
        """The next matching row after ``pos`` in direction ``step``, wrapping around."""
        if not matches:
            return None
        if step > 0:
            k = bisect.bisect_right(matches, pos)
            return matches[k % len(matches)]
        k = bisect.bisect_left(matches, pos) - 1
        return matches[k % len(matches)]

    def counts(self) -> dict[str, int]:
        """How many rows have each status (same, changed, partial, unique, moved)."""
        out: dict[str, int] = defaultdict(int)
        for row in self.rows:
            out[row.status.value] += 1
        return dict(out)
