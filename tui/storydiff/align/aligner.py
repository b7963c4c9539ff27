"""The aligner: choose the base, add the copies one at a time, fix what only the whole story
shows, and read off the rows and the moved cells."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from itertools import chain

from ..features import Feat, compare
from ..model import Version
from .blocks import with_segments
from .placing import Placer
from .rows import T_HOLDS, AlignedRow, Grouping, RowGroup, Unit, fingerprint, unit_order


class Aligner(Placer):
    """Aligns the body paragraphs of many versions; see the package docstring."""

    def __init__(
        self,
        versions: Sequence[Version],
        base: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        super().__init__(versions, progress)
        self._vectors: list[dict[str, float]] | None = None
        self._fingerprints: list[str] | None = None
        self.base = base if base is not None else self.choose_base()

    # ----------------------------------------------------------------- base and order
    def _prints(self) -> list[str]:
        """Content fingerprints, the order-independent tie-break (computed once)."""
        if self._fingerprints is None:
            self._fingerprints = [fingerprint(v) for v in self.versions]
        return self._fingerprints

    def _doc_vectors(self) -> list[dict[str, float]]:
        if self._vectors is not None:
            return self._vectors
        vecs = []
        idf = self.idf
        for us in self.units:
            # (one C loop over all the copy's stems; a stem's weight is its idf)
            counts = Counter(chain.from_iterable(u.feat.stems for u in us))
            c = {s: k * idf.get(s, 1.0) for s, k in counts.items()}
            norm = math.sqrt(math.fsum([x * x for x in c.values()])) or 1.0
            vecs.append({s: x / norm for s, x in c.items()})
        self._vectors = vecs
        return vecs

    def choose_base(self) -> int:
        """The copy most like all the others and most complete: the one whose words the
        other copies share most.  A copy with run-together blocks is a poor base (its rows
        would swallow everybody's paragraphs), so blocks much longer than usual count
        against it.  Ties are broken by content, never by the order of the inputs."""
        vecs = self._doc_vectors()
        prints = self._prints()
        sample = sorted(range(len(vecs)), key=lambda i: prints[i])[:48]
        in_sample = set(sample)
        # Σ_j vec_i·vec_j over the sample is vec_i·(Σ_j vec_j): one sum of the sample, then
        # one dot product per copy (n x 48 dot products took a third of aligning 100 copies).
        # The sum runs in content order, so the result never depends on the input order.
        centroid: dict[str, float] = defaultdict(float)
        for j in sample:
            for s, x in vecs[j].items():
                centroid[s] += x
        best: tuple[float, str] | None = None
        best_i = 0
        for i, vec in enumerate(vecs):
            # (fsum: exact, so independent of the order a dict built from a set yields)
            total = math.fsum([x * centroid[s] for s, x in vec.items() if s in centroid])
            if i in in_sample:
                total -= math.fsum([x * x for x in vec.values()])
            words = sum(len(u.feat.key) for u in self.units[i]) or 1
            blob = sum(len(u.feat.key) for u in self.units[i] if self._is_block(u))
            score = total * (1.0 - 0.8 * blob / words)
            cand = (round(score, 9), prints[i])
            if best is None or cand > best:
                best, best_i = cand, i
        return best_i

    def _has_blob(self, vi: int) -> bool:
        return any(self._is_block(u) for u in self.units[vi])

    def _insertion_order(self) -> list[int]:
        vecs = self._doc_vectors()
        base_vec = vecs[self.base]
        prints = self._prints()

        def closeness(i: int) -> tuple[bool, float, str]:
            # Copies with run-together blocks go last, so that every row their blocks hold
            # already exists when the blocks are cut.
            vec = vecs[i]
            sim = math.fsum([vec[s] * base_vec[s] for s in vec.keys() & base_vec.keys()])
            return (self._has_blob(i), -round(sim, 9), prints[i])

        rest = sorted((i for i in range(len(self.versions)) if i != self.base), key=closeness)
        return [self.base, *rest]

    # ----------------------------------------------------------------- the passes
    def run(self) -> Grouping:
        order = self._insertion_order()
        base = order[0]
        # The base seeds one row per paragraph, except its run-together blocks: a block as a
        # row would swallow every copy's paragraphs.  They are cut like any other copy's
        # blocks once all rows exist.
        deferred = [u for u in self.units[base] if self._is_block(u)]
        for done, vi in enumerate(order):
            if done == 0:
                for unit in self.units[vi]:
                    if unit in deferred:
                        continue
                    row = self._new_row()
                    row.add(unit)
                    self.order.append(row.id)
                    self._index_unit(row, unit)
            else:
                self.units[vi] = self._place(self.units[vi])
            if self.progress is not None:
                self.progress(done + 1, len(order))
        if deferred:
            seeded = [u for u in self.units[base] if u not in deferred]
            placed = self._place(deferred)
            self.units[base] = sorted(seeded + placed, key=unit_order)
            self._follow_base(base, placed)
            self._late_merges(base, placed)
        return self._grouping()

    def _late_merges(self, base: int, placed: list[Unit]) -> None:
        """Merges the copies could not see: a copy that joined a paragraph to a long one of
        the base's was placed before that paragraph had a row (a long paragraph is deferred
        as a possible run-together block).  A copy's cell next to the row the base's
        paragraph went to, holding that paragraph, means one row for both."""
        for u in placed:
            rid = self.find(self._row_holding(base, u))
            index = {r: p for p, r in enumerate(self.order)}
            for nb in self._story_neighbours(rid, index):
                if self._holds_across(base, rid, nb) or self._holds_across(base, nb, rid):
                    keep, gone = sorted((nb, rid), key=index.__getitem__)
                    self._unite(keep, gone)
                    break

    def _holds_across(self, base: int, rid: int, other: int) -> bool:
        """Does a copy with a cell in row ``rid`` and none in ``other`` hold, in that cell,
        the base's paragraph of ``other``?"""
        row, far = self.rows[rid], self.rows[other]
        if base not in far.cells:
            return False
        target = Feat.join([x.feat for x in sorted(far.cells[base], key=unit_order)])
        return any(
            v != base
            and v not in far.cells
            and compare(Feat.join([x.feat for x in us]), target).holds >= T_HOLDS
            for v, us in row.cells.items()
        )

    def _row_holding(self, vi: int, unit: Unit) -> int:
        return next(
            rid for rid in self.order if any(x is unit for x in self.rows[rid].cells.get(vi, ()))
        )

    def _follow_base(self, base: int, placed: list[Unit]) -> None:
        """Put the rows the base's deferred blocks went to back in the base's order.  Such a
        row may have been made by a copy's piece of the block, next to that copy's
        neighbour, before the base's previous paragraph's row; the story's order is the
        base's, and the base must never read as moved."""
        moved = {(u.para.index, u.para.part) for u in placed}
        row_of: dict[tuple[int, int], int] = {}
        for rid in self.order:
            for u in self.rows[rid].cells.get(base, ()):
                row_of[(u.para.index, u.para.part)] = rid
        keys = [(u.para.index, u.para.part) for u in sorted(self.units[base], key=unit_order)]
        rows = [row_of[key] for key in keys]
        for k, (key, rid) in enumerate(zip(keys, rows, strict=True)):
            if key not in moved:
                continue
            before = next((r for r in reversed(rows[:k]) if r != rid), None)
            after = next((r for r in rows[k + 1 :] if r != rid), None)
            at = self.order.index(rid)
            lo = self.order.index(before) if before is not None else -1
            hi = self.order.index(after) if after is not None else len(self.order)
            if lo < at < hi:
                continue  # between the base's neighbours (past other copies' own rows)
            self.order.remove(rid)
            if before is not None:
                self.order.insert(self.order.index(before) + 1, rid)
            else:  # the story's opening
                self.order.insert(self.order.index(after) if after is not None else 0, rid)

    # ----------------------------------------------------------------- result
    def _grouping(self) -> Grouping:
        rows = [self.rows[rid] for rid in self.order]
        versions = []
        for vi, v in enumerate(self.versions):
            units = self.units[vi]
            if any(u.para.part and u.para.kind.value == "body" for u in units):
                versions.append(with_segments(v, units))
            else:
                versions.append(v)
        # ranks: reading position of each unit within its version (after segmenting)
        rank_of: dict[tuple[int, int, int], int] = {}
        for vi, units in enumerate(self.units):
            for r, u in enumerate(sorted(units, key=unit_order)):
                rank_of[(vi, u.para.index, u.para.part)] = r
        moved = moved_cells(rows, rank_of, len(self.versions))
        groups = []
        for row in rows:
            cells = {
                v: tuple(u.para for u in sorted(us, key=unit_order)) for v, us in row.cells.items()
            }
            ranks = {v: rank_of[(v, ps[0].index, ps[0].part)] for v, ps in cells.items()}
            groups.append(
                RowGroup(cells, ranks, frozenset(v for v in cells if (row.id, v) in moved))
            )
        return Grouping(tuple(groups), self.base, tuple(versions))


def moved_cells(
    rows: list[AlignedRow], rank_of: dict[tuple[int, int, int], int], n_versions: int
) -> set[tuple[int, int]]:
    """(row id, version) of cells out of reading order: in each version, the cells outside
    the longest increasing run of its paragraph positions, read in row order.  A row only
    one copy has is left out: its place was taken from that copy's own order (next to its
    neighbour), so it cannot be out of it, and a copy's opening paragraph of its own is
    not "moved" because the story's opening sits elsewhere."""
    seqs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in rows:
        if len(row.cells) < 2:
            continue
        for v, units in row.cells.items():
            first = min(units, key=unit_order)
            seqs[v].append((rank_of[(v, first.para.index, first.para.part)], row.id))
    moved: set[tuple[int, int]] = set()
    for v, seq in seqs.items():
        keep = longest_run([r for r, _ in seq])
        for k, (_, rid) in enumerate(seq):
            if k not in keep:
                moved.add((rid, v))
    return moved


def longest_run(values: list[int]) -> set[int]:
    """Indices of one longest strictly increasing subsequence (patience sorting)."""
    import bisect

    tails: list[int] = []
    tails_idx: list[int] = []
    prev: list[int] = [-1] * len(values)
    for i, x in enumerate(values):
        j = bisect.bisect_left(tails, x)
        if j == len(tails):
            tails.append(x)
            tails_idx.append(i)
        else:
            tails[j] = x
            tails_idx[j] = i
        prev[i] = tails_idx[j - 1] if j > 0 else -1
    out: set[int] = set()
    k = tails_idx[-1] if tails_idx else -1
    while k != -1:
        out.add(k)
        k = prev[k]
    return out


def group_paragraphs(
    versions: Sequence[Version],
    base: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Grouping:
    return Aligner(versions, base, progress).run()
