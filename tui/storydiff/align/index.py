"""The rows being built and the index that finds them: candidates, scores, and the tests the
passes share (a piece that completes a cell, a paragraph that bridges two rows...)."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz

from ..features import MIN_CONTAINED, Feat, Score, compare, content_stems, idf_table, shared_weight
from ..model import Version
from ..textnorm import match_key
from .rows import (
    BLOCK_LENGTH,
    CANDIDATES,
    COMMON_ROWS,
    COVER_GAIN,
    LOW_DICE,
    LOW_HOLDS,
    LOW_INSIDE,
    REPRESENTATIVES,
    SIBLING_REACH,
    SMALL_HELD,
    T_NEAR_IDENTICAL,
    AlignedRow,
    Known,
    Unit,
    near_identical,
    unit_order,
)


class RowIndex:
    """The rows, their order and the inverted index of their content words; every way of
    scoring a paragraph against a row.  (The first layer of :class:`~.aligner.Aligner`.)"""

    base: int  # the base version's index (set by the aligner once chosen)

    def __init__(
        self,
        versions: Sequence[Version],
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.versions = list(versions)
        self.progress = progress
        stem_lists = [[content_stems(p.text) for p in v.body] for v in self.versions]
        self.idf = idf_table(s for lists in stem_lists for s in lists)
        self.units: list[list[Unit]] = []
        # one Feat per distinct text (most copies share most paragraphs word for word); a
        # Feat is never changed once made
        feats: dict[str, Feat] = {}
        for vi, (v, lists) in enumerate(zip(self.versions, stem_lists, strict=True)):
            units = []
            for rank, (p, stems) in enumerate(zip(v.body, lists, strict=True)):
                feat = feats.get(p.text)
                if feat is None:
                    feat = feats[p.text] = Feat.of(match_key(p.text), stems, self.idf)
                units.append(Unit(vi, p, rank, feat))
            self.units.append(units)
        lengths = [len(u.feat.key) for us in self.units for u in us]
        lengths.sort()
        self.median_len = float(lengths[len(lengths) // 2]) if lengths else 1.0
        self.rows: dict[int, AlignedRow] = {}
        self.order: list[int] = []
        self.index: dict[str, set[int]] = defaultdict(set)
        self.exact: dict[str, int] = {}
        self.row_stems: dict[int, set[str]] = {}  # row id -> the stems it is indexed under
        self.parent: dict[int, int] = {}
        self._next_id = 0

    def find(self, rid: int) -> int:
        while rid in self.parent:
            rid = self.parent[rid]
        return rid

    def _new_row(self) -> AlignedRow:
        row = AlignedRow(self._next_id)
        self._next_id += 1
        self.rows[row.id] = row
        return row

    def _index_unit(self, row: AlignedRow, unit: Unit) -> None:
        known = self.exact.get(unit.feat.key)
        if known is not None and self.find(known) == row.id:
            return  # a verbatim copy of a paragraph this row already indexed
        stems = self.row_stems.setdefault(row.id, set())
        for s in unit.feat.stems:
            if s not in stems:
                stems.add(s)
                self.index[s].add(row.id)
        self.exact.setdefault(unit.feat.key, row.id)

    def _ranked(self, feat: Feat, k: int) -> list[tuple[int, float]]:
        """The ``k`` rows sharing the most weight of content words with ``feat`` (ties: the
        older row), each with a bound on the weight ``feat`` can share with any of its
        paragraphs (what it shares with the row's words, plus the stems too common to look
        up).  The postings hold live rows only (:meth:`_unite` moves them), so this inner
        loop, run for every paragraph that is not verbatim, stays a plain sum."""
        limit = max(3.0, COMMON_ROWS * len(self.order))
        score: dict[int, int] = defaultdict(int)
        index = self.index
        common = 0
        for s, w in feat.weights.items():
            posting = index.get(s)
            if not posting:
                continue
            if len(posting) > limit:
                common += w
                continue
            for rid in posting:
                score[rid] += w
        ranked = heapq.nsmallest(k, [(-w, rid) for rid, w in score.items()])
        return [(rid, common - w) for w, rid in ranked]

    def _best(self, feat: Feat, rid: int) -> Score:
        scores = [compare(feat, rep) for rep in self.rows[rid].rep_feats()]
        if len(scores) == 1:
            return scores[0]
        full, inside, holds = zip(*scores, strict=True)
        return Score(max(full), max(inside), max(holds))

    def _scores(self, unit: Unit, known: Known | None = None) -> dict[int, Score]:
        """Scores against the candidate rows, best candidates first.  A near-identical match
        whose words lie almost all in that row ends the search: such a paragraph has no room
        to hold another row too (later passes score any other row they need on demand).
        A candidate whose words cannot reach the lowest bar any pass sets is left out, as a
        row outside the candidates is (the passes that want it score it on demand).
        ``known``: the candidates and scores :meth:`_cut_blocks` found for this unit."""
        out: dict[int, Score] = {}
        ranked, scored = known or (self._ranked(unit.feat, CANDIDATES), {})
        feat = unit.feat
        contained = len(feat.stems) >= MIN_CONTAINED
        for rid, bound in ranked[:CANDIDATES]:
            sc = scored.get(rid)
            if sc is None:
                least = self.rows[rid].least_total()
                if (
                    2.0 * bound <= LOW_DICE * (feat.total + least)
                    and (not contained or bound < LOW_INSIDE * feat.total)
                    and bound < LOW_HOLDS * least
                ):
                    continue
                sc = self._score(unit, rid)
            out[rid] = sc
            if near_identical(sc):
                break
        return out

    def _score(self, unit: Unit, rid: int) -> Score:
        """Scores of a unit against a row; containment is void between a crosshead and a
        paragraph (a crosshead's words recur in the paragraphs under it)."""
        sc = self._best(unit.feat, rid)
        if (unit.para.role == "crosshead") != self.rows[rid].crosshead:
            return Score(sc.full, 0.0, 0.0)
        return sc

    def _tiny_inside(self, unit: Unit, rid: int) -> float:
        """Containment of a piece too small for :func:`compare` to judge (a few words cut
        off a paragraph): trusted only next to its sibling, and never for crossheads."""
        if len(unit.feat.stems) >= MIN_CONTAINED or unit.para.role == "crosshead":
            return 0.0
        if self.rows[rid].crosshead:
            return 0.0
        return max(
            shared_weight(unit.feat, rep) / unit.feat.total for rep in self.rows[rid].rep_feats()
        )

    def _really_holds(self, unit: Unit, rid: int) -> bool:
        """A row's paragraph of a few content words is "held" by chance by any long
        paragraph that happens to use those words: for such a row, demand its text, nearly
        word for word, inside this one."""
        reps = self.rows[rid].rep_feats()
        if any(len(rep.stems) >= SMALL_HELD for rep in reps):
            return True
        return any(fuzz.partial_ratio(rep.key, unit.feat.key, score_cutoff=85) > 0 for rep in reps)

    def _story_neighbours(self, rid: int, index: dict[int, int]) -> list[int]:
        """The rows of the story next to ``rid`` in the order, one each way, past the rows
        of a single copy's own paragraphs (``index``: row id -> place in the order)."""
        at = index[rid]
        out = []
        for step in (-1, 1):
            p = at + step
            while 0 <= p < len(self.order) and abs(p - at) <= SIBLING_REACH:
                if self._of_story(self.order[p]):
                    out.append(self.order[p])
                    break
                p += step
        return out

    def _story_ranks(self) -> dict[int, int]:
        """Row id -> its place among the story's rows: a single copy's own paragraphs add
        no distance (a merge window counts the story's paragraphs, not an outlet's)."""
        ranks, k = {}, 0
        for rid in self.order:
            k += self._of_story(rid)
            ranks[rid] = k
        return ranks

    def _of_story(self, rid: int) -> bool:
        """A row of the story, not one copy's own paragraph: shared, or the base's."""
        row = self.rows[rid]
        return len(row.cells) > 1 or self.base in row.cells

    def _verbatim_held(
        self, unit: Unit, anchor: int, pos: dict[int, int], taken: set[int]
    ) -> list[int]:
        """Rows next to ``anchor`` whose paragraph this unit holds word for word: a merge
        the scores miss when that paragraph is too small to score (two or three content
        words) or small beside the anchor's (the search stops at a near-identical match)."""
        key = unit.feat.key
        out = []
        for rid in self._story_neighbours(anchor, pos):
            row = self.rows[rid]
            if rid in taken or row.crosshead:
                continue
            for rep in row.rep_feats():
                if len(rep.key) < len(key) and rep.key.count(" ") >= 3 and rep.key in key:
                    out.append(rid)
                    break
        return out

    def _completes(self, units: list[Unit], assigned: dict[int, int], i: int, rid: int) -> bool:
        """Does unit ``i`` complete its copy's cell in row ``rid``: does the cell, with it,
        cover clearly more of the row's paragraph than without it?  (A lightly rewritten
        part of a paragraph whose other part is in the row: a few changed words leave a
        short piece under the containment bar, and only the words the cell still lacks
        count, so a paragraph of the copy's own that shares a few common words does not.)"""
        near = [k for k in range(max(0, i - 3), min(len(units), i + 4)) if k != i and k in assigned]
        cell = [units[k] for k in near if self.find(assigned[k]) == rid]
        if not cell:
            return False
        without = self._best(Feat.join([u.feat for u in cell]), rid).holds
        joined = sorted([*cell, units[i]], key=unit_order)
        with_it = self._best(Feat.join([u.feat for u in joined]), rid).holds
        return with_it >= without + COVER_GAIN

    def _continues(self, piece: Unit, sibling: Unit, before: bool, rid: int) -> bool:
        """Does ``piece`` joined to its neighbour ``sibling`` (which it comes ``before`` or
        after) read word for word inside a paragraph of row ``rid``?  Then it is the other
        half of that paragraph, whatever its scores say: a short first half without final
        punctuation looks like a crosshead (containment is void between a crosshead and a
        paragraph), and one of two or three words is too small to score."""
        a, b = (piece, sibling) if before else (sibling, piece)
        if not a.feat.key or not b.feat.key:
            return False
        joined = f"{a.feat.key} {b.feat.key}"
        return any(joined in rep.key for rep in self.rows[rid].rep_feats())

    def _bridges(self, feat: Feat, x: int, y: int) -> bool:
        """Does this paragraph hold part of row ``x`` and part of the neighbouring row ``y``,
        near verbatim, with neither alone explaining it?"""
        pos = {rid: p for p, rid in enumerate(self.order)}
        if abs(pos[x] - pos[y]) > 1 or self.rows[x].crosshead or self.rows[y].crosshead:
            return False
        rx, ry = self.rows[x].rep_feats()[0], self.rows[y].rep_feats()[0]
        in_x, in_y = compare(feat, rx), compare(feat, ry)
        if max(in_x.inside, in_y.inside) > 0.8 or max(in_x.full, in_y.full) >= T_NEAR_IDENTICAL:
            return False  # one row explains it (a copy-edit of a short paragraph, say)
        both = compare(feat, Feat.join([rx, ry]) if pos[x] < pos[y] else Feat.join([ry, rx]))
        if both.inside < 0.92:
            return False
        share_y = shared_weight(feat, ry) / feat.total
        share_x = shared_weight(feat, rx) / feat.total
        return min(share_x, share_y) >= 0.25

    def _unite(self, keep: int, gone: int) -> None:
        """Merge row ``gone`` into row ``keep`` (a copy has one paragraph for both)."""
        if keep == gone:
            return
        a, b = self.rows[keep], self.rows.pop(gone)
        for v, units in b.cells.items():
            a.cells.setdefault(v, []).extend(units)
            a.changed(v)
            if v not in a.reps and len(a.reps) < REPRESENTATIVES:
                a.reps.append(v)
        self.parent[gone] = keep
        stems = self.row_stems.setdefault(keep, set())
        for s in self.row_stems.pop(gone, ()):
            posting = self.index[s]
            posting.discard(gone)
            posting.add(keep)
            stems.add(s)
        if self.base in b.cells and self.base not in a.cells:
            # the united row stands where the base paragraph stood: the story's order is
            # the base's, not that of a copy's piece that made a row of its own first
            self.order.remove(keep)
            self.order[self.order.index(gone)] = keep
        else:
            self.order.remove(gone)

    def _is_block(self, unit: Unit) -> bool:
        return len(unit.feat.key) > BLOCK_LENGTH * self.median_len
