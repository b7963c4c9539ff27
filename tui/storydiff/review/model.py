"""Review marks (reviewed, flagged, a note) and how they find their row again.

A mark belongs to a passage of the story, not to a row number: row numbers shift when a copy
is added or removed, or when the aligner groups paragraphs differently.  So a saved mark
carries the fingerprints of the paragraphs its row held (a hash of each paragraph's match key,
the same typographic normalisation the aligner compares with) plus the row's text for people,
and on the next run it is attached to the row that shares the most of those fingerprints.  A
mark whose passage has gone is kept as an *orphan*: listed, saved again, never dropped.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from ..model import Alignment, Row
from ..textnorm import match_key

FUZZY_CUTOFF = 90.0  # rapidfuzz ratio (0..100) for a passage re-worded since it was marked


def now() -> str:
    """The time of a change, ISO 8601 in UTC to the second (sorts as text)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Mark:
    """What the reviewer said about one row."""

    reviewed: bool = False
    flagged: bool = False
    note: str = ""
    updated: str = ""  # when it last changed (ISO 8601, UTC)

    @property
    def empty(self) -> bool:
        return not (self.reviewed or self.flagged or self.note)


@dataclass(frozen=True, slots=True)
class Entry:
    """A mark as it is saved: what it says and what it is on."""

    fingerprints: tuple[str, ...]  # one per paragraph of the row when it was saved
    text: str  # the row's text then (the base's reading, else the first copy's), for people
    mark: Mark
    row: int | None = None  # 1-based row number then: a hint for people, never for matching


def fingerprint(text: str) -> str | None:
    """A short stable hash of a paragraph's match key; None for a paragraph with no words
    (a lone dash matches everything and identifies nothing)."""
    key = match_key(text)
    if not key:
        return None
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def row_fingerprints(row: Row) -> tuple[str, ...]:
    """Every distinct paragraph fingerprint of a row, in a stable order."""
    fps = {
        fp
        for cell in row.cells.values()
        for p in cell.paragraphs
        if (fp := fingerprint(p.text)) is not None
    }
    return tuple(sorted(fps))


def row_text(al: Alignment, row: Row) -> str:
    """The reading a person would recognise the row by: the base's, else the first copy's."""
    cell = row.cells.get(al.base) or next(iter(row.cells.values()))
    return cell.text


@dataclass
class Review:
    """The marks of one story as attached to the current alignment.

    ``marks`` maps ``Row.id`` to a non-empty :class:`Mark`; ``orphans`` are saved entries
    whose passage is not in this alignment (kept and saved again as they were)."""

    marks: dict[int, Mark] = field(default_factory=dict)
    orphans: list[Entry] = field(default_factory=list)

    def get(self, row_id: int) -> Mark:
        return self.marks.get(row_id, Mark())

    def set(self, row_id: int, mark: Mark) -> None:
        if mark.empty:
            self.marks.pop(row_id, None)
        else:
            self.marks[row_id] = mark

    def toggle_reviewed(self, row_id: int) -> Mark:
        old = self.get(row_id)
        new = replace(old, reviewed=not old.reviewed, updated=now())
        self.set(row_id, new)
        return new

    def toggle_flagged(self, row_id: int) -> Mark:
        old = self.get(row_id)
        new = replace(old, flagged=not old.flagged, updated=now())
        self.set(row_id, new)
        return new

    def set_note(self, row_id: int, note: str) -> Mark:
        old = self.get(row_id)
        new = replace(old, note=note.strip(), updated=now())
        self.set(row_id, new)
        return new

    @property
    def reviewed(self) -> int:
        return sum(1 for m in self.marks.values() if m.reviewed)

    @property
    def flagged(self) -> int:
        return sum(1 for m in self.marks.values() if m.flagged)

    @property
    def notes(self) -> int:
        return sum(1 for m in self.marks.values() if m.note)

    def entries(self, al: Alignment) -> list[Entry]:
        """What to save: every mark with its row's current fingerprints, then the orphans."""
        by_id = {row.id: (n, row) for n, row in enumerate(al.rows)}
        out: list[Entry] = []
        for row_id in sorted(self.marks, key=lambda rid: by_id[rid][0] if rid in by_id else 0):
            if row_id not in by_id:
                continue
            n, row = by_id[row_id]
            out.append(Entry(row_fingerprints(row), row_text(al, row), self.marks[row_id], n + 1))
        out.extend(self.orphans)
        return out

    @classmethod
    def attach(cls, al: Alignment, entries: Sequence[Entry]) -> Review:
        """Put saved entries back on the rows that hold their passages.

        Each entry goes to the row sharing the largest share of its fingerprints (ties: the
        row nearest its old number).  Two entries landing on one row (the aligner now groups
        their passages together) are merged, keeping every note.  An entry none of whose
        paragraphs survived word for word may still find a re-worded row by a fuzzy match of
        its text; the rest become orphans."""
        review = cls()
        fp_rows: dict[str, list[int]] = defaultdict(list)
        for n, row in enumerate(al.rows):
            for fp in row_fingerprints(row):
                fp_rows[fp].append(n)
        placed: dict[int, int] = {}  # entry index -> row position
        for i, entry in enumerate(entries):
            shared: dict[int, int] = defaultdict(int)
            for fp in set(entry.fingerprints):
                for n in fp_rows.get(fp, ()):
                    shared[n] += 1
            if shared:
                placed[i] = min(shared, key=lambda n: (-shared[n], _distance(entry, n), n))
        left = [(i, entries[i]) for i in range(len(entries)) if i not in placed]
        if left:
            placed.update(_fuzzy(al, left))
        for i, entry in enumerate(entries):
            if i in placed:
                row_id = al.rows[placed[i]].id
                review.marks[row_id] = _merge(review.marks.get(row_id), entry.mark)
            else:
                review.orphans.append(entry)
        return review


def _distance(entry: Entry, n: int) -> int:
    return abs(n + 1 - entry.row) if entry.row is not None else 0


def _fuzzy(al: Alignment, entries: Iterable[tuple[int, Entry]]) -> dict[int, int]:
    """Entries whose text is still (nearly) there, re-worded: entry index -> row position."""
    from rapidfuzz import fuzz, process  # only when a mark lost its paragraphs

    choices: list[str] = []
    owners: list[int] = []
    for n, row in enumerate(al.rows):
        for cell in row.cells.values():
            choices.append(match_key(cell.text))
            owners.append(n)
    out: dict[int, int] = {}
    if not choices:
        return out
    for i, entry in entries:
        key = match_key(entry.text)
        if not key:
            continue
        best = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if best is None:
            continue
        out[i] = owners[best[2]]
    return out


def _merge(old: Mark | None, new: Mark) -> Mark:
    """Two entries on one row (a re-run merged their passages): keep everything said."""
    if old is None:
        return new
    notes = [n for n in (old.note, new.note) if n]
    return Mark(
        reviewed=old.reviewed or new.reviewed,
        flagged=old.flagged or new.flagged,
        note="\n\n".join(dict.fromkeys(notes)),
        updated=max(old.updated, new.updated),
    )
