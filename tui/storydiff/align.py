"""N-way paragraph alignment: group the paragraphs of every copy that carry the same content.

How (see ``../shared/ALIGNMENT.md`` for the field):

1. Pick the base, the most central and most complete copy, by a content rule (never by the
   order files were given), and order the other copies by closeness to it.
2. Start one row per base paragraph, then add the copies one at a time, matching each copy's
   paragraphs against *rows* (every copy already in a row can vouch for it), without an order
   constraint so a moved paragraph costs nothing.
3. Candidates come from an inverted index of content-word stems; only a handful of rows per
   paragraph are scored, so the cost grows with the copies, not with their square.
4. Matching runs in passes: exact keys; strong one-to-one matches; splits (a piece of a row's
   paragraph next to a sibling already in it); merges (one paragraph holding two or three rows,
   which are then united); run-together blocks (a paragraph holding four or more rows is cut
   into sentence segments); then a "sandwich" pass that accepts weaker matches between two
   matched neighbours.  What is left is content of its own and becomes a new row next to its
   neighbour.
5. Moves are found afterwards: in each copy, the cells outside the longest run of rows in
   reading order are the moved ones.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain

from rapidfuzz import fuzz

from .features import (
    MIN_CONTAINED,
    Feat,
    Score,
    compare,
    content_stems,
    idf_table,
    shared_weight,
    split_sentences,
)
from .model import Paragraph, Version
from .recache import digest
from .textnorm import match_key

# Thresholds, on the 0..1 scores of features.compare.
T_FULL = 0.5  # one-to-one: the same paragraph, perhaps copy-edited
T_NEAR_IDENTICAL = 0.9  # so close to one row that no other row needs scoring
T_INSIDE = 0.62  # a piece of a row's paragraph (split or trimmed copy)
T_HOLDS = 0.62  # a row's paragraph inside this one (merge)
T_SANDWICH = 0.34  # weaker match accepted between two matched neighbours
T_LOOSE = 0.5  # match accepted anywhere for a paragraph nothing else placed
T_SENTENCE = 0.55  # a sentence of a run-together block inside a row
MERGE_MAX_ROWS = 3  # a paragraph holding more rows than this is a run-together block
BLOCK_LENGTH = 3.5  # a paragraph this many times the median length may be such a block
LOST_BREAKS_MIN = 3  # a copy with at least this many multi-row paragraphs ...
LOST_BREAKS_SHARE = 0.3  # ... making up this share of its paragraphs lost its breaks
MERGE_WINDOW = 3  # rows united by a merge lie at most this far apart in reading order
CANDIDATES = 8  # rows scored per paragraph
SIBLING_REACH = 6  # how far a split piece may sit from its sibling (past the copy's own)
VERBATIM_WORDS = 6  # a piece found word for word in a row's paragraph: long enough to be sure
COVER_GAIN = 0.08  # share of a row's paragraph a piece must add to its copy's cell there
SMALL_HELD = 8  # content words under which a row's paragraph must be held nearly verbatim
# Below all three of these a row is no candidate for any pass (the lowest bars: a bridge's
# containment 0.25, the sandwich's 0.34 on a minimum of containments, character similarity
# computed only above a dice of 0.2).
LOW_DICE = 0.2
LOW_INSIDE = 0.25
LOW_HOLDS = 0.3
REPRESENTATIVES = 4  # copies per row that new paragraphs are compared with
COMMON_ROWS = 0.15  # a stem found in more than this share of rows is not used to find rows


@dataclass(slots=True)
class Unit:
    """A body paragraph (or a segment of one) taking part in the alignment."""

    version: int
    para: Paragraph
    rank: int  # position among the version's body paragraphs
    feat: Feat


@dataclass(slots=True)
class _Row:
    id: int
    cells: dict[int, list[Unit]] = field(default_factory=dict)
    reps: list[int] = field(default_factory=list)  # versions compared against
    _cache: dict[int, Feat] = field(default_factory=dict)
    _distinct: list[Feat] | None = None
    _least: float | None = None
    _crosshead: bool | None = None

    def rep_feats(self) -> list[Feat]:
        """The representatives' texts, each once: most copies carry a row's paragraph word
        for word, and scoring the same text four times was a third of the aligner's work."""
        if self._distinct is not None:
            return self._distinct
        out: list[Feat] = []
        seen: set[str] = set()
        for v in self.reps:
            f = self._cache.get(v)
            if f is None:
                f = Feat.join([u.feat for u in sorted(self.cells[v], key=_unit_order)])
                self._cache[v] = f
            if f.key not in seen:
                seen.add(f.key)
                out.append(f)
        self._distinct = out
        return out

    def least_total(self) -> float:
        """The smallest content weight among the representatives' texts (for bounds)."""
        if self._least is None:
            self._least = min(rep.total for rep in self.rep_feats())
        return self._least

    def changed(self, version: int) -> None:
        """Forget what was cached about the version's cell (a unit joined it)."""
        self._cache.pop(version, None)
        self._distinct = None
        self._least = None
        self._crosshead = None

    @property
    def crosshead(self) -> bool:
        """A row of crossheads: a few words that recur inside paragraphs, so they are
        matched only as a whole, never by containment."""
        if self._crosshead is None:
            self._crosshead = all(
                u.para.role == "crosshead" for us in self.cells.values() for u in us
            )
        return self._crosshead

    def add(self, unit: Unit) -> None:
        self.cells.setdefault(unit.version, []).append(unit)
        self.changed(unit.version)
        if unit.version not in self.reps and len(self.reps) < REPRESENTATIVES:
            self.reps.append(unit.version)


# A unit's candidate rows, best first, and the scores made against some of them.
_Known = tuple[list[tuple[int, float]], dict[int, Score]]
_HEAD = -1  # the start of the row order, for the commit's linked list (row ids are >= 0)


def _near_identical(sc: Score) -> bool:
    """The same paragraph, nearly word for word, with almost all its words in the row."""
    return sc.full >= T_NEAR_IDENTICAL and sc.inside >= T_NEAR_IDENTICAL


def _unit_order(u: Unit) -> tuple[int, int]:
    return (u.para.index, u.para.part)


@dataclass(frozen=True, slots=True)
class RowGroup:
    """One aligned row before diffs: version index -> its paragraphs, and moved flags."""

    cells: dict[int, tuple[Paragraph, ...]]
    ranks: dict[int, int]
    moved: frozenset[int]


@dataclass(frozen=True, slots=True)
class Grouping:
    rows: tuple[RowGroup, ...]
    base: int
    versions: tuple[Version, ...]  # with run-together blocks cut into segments


def _fingerprint(v: Version) -> str:
    """Content, then the (file-name based) id: a tie-break independent of input order."""
    return digest("\n".join(p.text for p in v.body)) + v.id


class Aligner:
    """Aligns the body paragraphs of many versions; see the module docstring."""

    def __init__(
        self,
        versions: Sequence[Version],
        base: int | None = None,
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
        self._vectors: list[dict[str, float]] | None = None
        self._fingerprints: list[str] | None = None
        self.base = base if base is not None else self.choose_base()
        self.rows: dict[int, _Row] = {}
        self.order: list[int] = []
        self.index: dict[str, set[int]] = defaultdict(set)
        self.exact: dict[str, int] = {}
        self.row_stems: dict[int, set[str]] = {}  # row id -> the stems it is indexed under
        self.parent: dict[int, int] = {}
        self._next_id = 0

    # ----------------------------------------------------------------- base and order
    def _prints(self) -> list[str]:
        """Content fingerprints, the order-independent tie-break (computed once)."""
        if self._fingerprints is None:
            self._fingerprints = [_fingerprint(v) for v in self.versions]
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
            total = sum([x * centroid[s] for s, x in vec.items() if s in centroid])
            if i in in_sample:
                total -= sum([x * x for x in vec.values()])
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
            sim = sum([vec[s] * base_vec[s] for s in vec.keys() & base_vec.keys()])
            return (self._has_blob(i), -round(sim, 9), prints[i])

        rest = sorted((i for i in range(len(self.versions)) if i != self.base), key=closeness)
        return [self.base, *rest]

    # ----------------------------------------------------------------- rows and index
    def find(self, rid: int) -> int:
        while rid in self.parent:
            rid = self.parent[rid]
        return rid

    def _new_row(self) -> _Row:
        row = _Row(self._next_id)
        self._next_id += 1
        self.rows[row.id] = row
        return row

    def _index_unit(self, row: _Row, unit: Unit) -> None:
        known = self.exact.get(unit.feat.key)
        if known is not None and self.find(known) == row.id:
            return  # a verbatim copy of a paragraph this row already indexed
        stems = self.row_stems.setdefault(row.id, set())
        for s in unit.feat.stems:
            if s not in stems:
                stems.add(s)
                self.index[s].add(row.id)
        self.exact.setdefault(unit.feat.key, row.id)

    def _candidates(self, feat: Feat, k: int) -> list[int]:
        return [rid for rid, _ in self._ranked(feat, k)]

    def _ranked(self, feat: Feat, k: int) -> list[tuple[int, float]]:
        """The ``k`` rows sharing the most weight of content words with ``feat`` (ties: the
        older row), each with a bound on the weight ``feat`` can share with any of its
        paragraphs (what it shares with the row's words, plus the stems too common to look
        up).  The postings hold live rows only (:meth:`_unite` moves them), so this inner
        loop, run for every paragraph that is not verbatim, stays a plain sum."""
        limit = max(3.0, COMMON_ROWS * len(self.order))
        score: dict[int, float] = defaultdict(float)
        index = self.index
        common = 0.0
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

    def _scores(self, unit: Unit, known: _Known | None = None) -> dict[int, Score]:
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
            if _near_identical(sc):
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
        joined = sorted([*cell, units[i]], key=_unit_order)
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
            self.units[base] = sorted(seeded + placed, key=_unit_order)
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
        target = Feat.join([x.feat for x in sorted(far.cells[base], key=_unit_order)])
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
        keys = [(u.para.index, u.para.part) for u in sorted(self.units[base], key=_unit_order)]
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

    def _is_block(self, unit: Unit) -> bool:
        return len(unit.feat.key) > BLOCK_LENGTH * self.median_len

    def _place(self, units: list[Unit]) -> list[Unit]:
        """Match one copy's units (all of them, or the base's deferred blocks) against the
        rows, add them, and return them as placed (blocks cut into segments)."""
        known: dict[int, _Known] = {}  # id(unit) -> what _cut_blocks found
        units = self._cut_blocks(units, known)
        n = len(units)
        assigned: dict[int, int] = {}  # unit position -> row id
        taken: set[int] = set()  # rows that already hold a unit of this version

        def assign(i: int, rid: int) -> None:
            assigned[i] = rid
            taken.add(rid)

        # 1. exact keys (most paragraphs of syndicated copies): no scoring needed
        for i, u in enumerate(units):
            rid = self.exact.get(u.feat.key)
            if rid is not None:
                rid = self.find(rid)
                if rid not in taken:
                    assign(i, rid)
        scores = [
            {} if i in assigned else self._scores(u, known.get(id(u))) for i, u in enumerate(units)
        ]
        known.clear()  # (keyed by id: valid only while the copy's units are all alive)
        # 1b. verbatim pieces: a paragraph found word for word inside the paragraph of one
        # row only (a split half, a trimmed copy) belongs there, whatever a fuzzy score with
        # another row says (half of a paragraph scores higher against a rewrite of the whole
        # than against the whole).  Pieces share the row, as split halves do (pass 4).
        for i, u in enumerate(units):
            if i in assigned or u.feat.key.count(" ") < VERBATIM_WORDS - 1:
                continue
            if any(sc.full >= T_NEAR_IDENTICAL for sc in scores[i].values()):
                continue  # a whole paragraph of one row, not a piece: pass 2 places it
            hits = [  # (a row this copy took already is fine: the other half may be in it)
                rid
                for rid in scores[i]
                if any(
                    u.feat.key in rep.key and u.feat.key != rep.key
                    for rep in self.rows[rid].rep_feats()
                )
            ]
            if len(hits) == 1:
                assigned[i] = hits[0]
        # 2. strong one-to-one matches, best first
        pairs = sorted(
            (
                (-sc.full, i, rid)
                for i, row_scores in enumerate(scores)
                for rid, sc in row_scores.items()
                if sc.full >= T_FULL
            ),
        )
        for _, i, rid in pairs:
            if i not in assigned and rid not in taken:
                assign(i, rid)
        # 3. merges: a paragraph holding other rows' paragraphs
        pos: dict[int, int] = {}  # row id -> place in the row order (made when needed)
        ranks: dict[int, int] = {}  # row id -> place among the story's rows (the same)
        for i in range(n):
            held = [
                rid
                for rid, sc in scores[i].items()
                if sc.holds >= T_HOLDS
                and rid not in taken
                and rid != assigned.get(i)
                and self._really_holds(units[i], rid)
            ]
            anchor = assigned.get(i)
            if (anchor is not None or held) and not pos:
                pos = {rid: p for p, rid in enumerate(self.order)}
            if anchor is not None:
                held += self._verbatim_held(units[i], anchor, pos, taken)
            if not held:
                continue
            group = ([anchor] if anchor is not None else []) + held
            if not ranks:
                ranks = self._story_ranks()
            group = sorted(set(group), key=lambda r: pos[r])
            if anchor is None and len(group) < 2:
                # one row inside this paragraph and nothing else matched: an expanded copy
                if scores[i][group[0]].inside >= T_SANDWICH:
                    assign(i, group[0])
                continue
            centre = anchor if anchor is not None else group[0]
            near = [r for r in group if abs(ranks[r] - ranks[centre]) <= MERGE_WINDOW]
            if len(near) < 2:
                continue
            keep = near[0]
            for r in near[1:]:
                self._unite(keep, r)
                taken.discard(r)
            pos, ranks = {}, {}  # the order lost rows
            if anchor is not None and anchor != keep:
                taken.discard(anchor)
            for j, r in list(assigned.items()):
                if self.find(r) != r:
                    assigned[j] = self.find(r)
            assign(i, keep)
            scores = [{self.find(r): sc for r, sc in s.items()} for s in scores]
        # 3b. bridges: a copy that re-paragraphs ("A. B" + "C" -> "A" + "B C") holds the
        # tail of one row and the whole of the next; both rows become one.  Demand near
        # verbatim text, so that a rewrite mixing two facts never unites rows.
        for i in range(n):
            x = assigned.get(i)
            if x is None:
                continue
            for y, sc in list(scores[i].items()):
                if sc.inside < 0.25:  # a bridge needs a quarter of the paragraph in y
                    continue
                y = self.find(y)
                x = self.find(x)
                if y == x or not self._bridges(units[i].feat, x, y):
                    continue
                keep, gone = sorted((x, y), key=self.order.index)
                self._unite(keep, gone)
                taken.discard(gone)
                taken.add(keep)
                for j, r in list(assigned.items()):
                    assigned[j] = self.find(r)
                scores = [{self.find(r): sc for r, sc in s.items()} for s in scores]
                break

        # 4. splits: a piece of a row next to a sibling already in it; run again after
        # the passes below, whose matches are siblings too (a split paragraph whose
        # whole row only a trimmed-copy match finds)
        def attach_pieces() -> None:
            changed = True
            while changed:
                changed = False
                for i in range(n):
                    if i in assigned:
                        continue
                    # the sibling may sit one unit further away, past an inserted paragraph; of
                    # the neighbours' rows, the one holding most of this piece (two split
                    # paragraphs in a row: a half sits between its sibling and the next one's)
                    best: tuple[bool, float, int] | None = None
                    # the best fit among the rows this copy has not used yet
                    free = max(
                        (max(o.full, o.inside) for r, o in scores[i].items() if r not in taken),
                        default=0.0,
                    )
                    # (and the nearest placed paragraph each way, past a few of the copy's own)
                    before = next(
                        (k for k in range(i - 3, i - SIBLING_REACH, -1) if k in assigned), None
                    )
                    after = next(
                        (k for k in range(i + 3, i + SIBLING_REACH) if k in assigned), None
                    )
                    for j in (i - 1, i + 1, i - 2, i + 2, before, after):
                        if j is None or j < 0 or j >= n:
                            continue
                        rid = assigned.get(j)
                        if rid is None:
                            continue
                        rid = self.find(rid)
                        sc = scores[i].get(rid) or self._score(units[i], rid)
                        inside = max(sc.inside, self._tiny_inside(units[i], rid))
                        # word for word the rest of a paragraph of that row: certain, where
                        # scores are void (a half that looks like a crosshead) or unsure (a
                        # few words that both neighbours' rows hold)
                        certain = abs(j - i) == 1 and self._continues(
                            units[i], units[j], j > i, rid
                        )
                        # a rewritten piece belongs if it makes this copy's cell read more
                        # like the row than the cell does without it
                        if (
                            inside < T_INSIDE
                            and not certain
                            and (
                                inside < T_SANDWICH or not self._completes(units, assigned, i, rid)
                            )
                        ):
                            continue
                        # a rewrite's paragraph may sit next to its sibling yet belong to a row
                        # of its own that this copy has not used: leave it to the later passes
                        if free > max(sc.full, sc.inside) + 0.05 and not certain:
                            continue
                        if best is None or (certain, inside) > best[:2]:
                            best = (certain, inside, rid)
                    if best is not None:
                        assigned[i] = best[2]
                        changed = True

        attach_pieces()
        # 5. trimmed copies: mostly inside a row nobody of this version took (best first)
        trimmed = sorted(
            (-sc.inside, i, rid)
            for i, row_scores in enumerate(scores)
            if i not in assigned
            for rid, sc in row_scores.items()
            if rid not in taken and sc.inside >= T_INSIDE + 0.1
        )
        for _, i, rid in trimmed:
            if i not in assigned and rid not in taken:
                assign(i, rid)
        attach_pieces()
        # 6. sandwich: weaker matches between two matched neighbours (best first)
        pos = {rid: p for p, rid in enumerate(self.order)}
        offers: list[tuple[float, int, int]] = []
        # each unit's nearest matched neighbours, in one sweep each way (a scan per unit is
        # quadratic: 50,000 one-line paragraphs took minutes)
        lows: list[int | None] = [None] * n
        highs: list[int | None] = [None] * n
        last: int | None = None
        for i in range(n):
            lows[i] = last
            last = assigned.get(i, last)
        last = None
        for i in range(n - 1, -1, -1):
            highs[i] = last
            last = assigned.get(i, last)
        for i in range(n):
            if i in assigned:
                continue
            lo, hi = lows[i], highs[i]
            lo_p = pos[lo] if lo is not None else -1
            hi_p = pos[hi] if hi is not None else len(self.order)
            for rid in self.order[lo_p + 1 : hi_p]:
                if rid in taken:
                    continue
                sc = scores[i].get(rid) or self._score(units[i], rid)
                value = max(sc.full, min(sc.inside, sc.holds) * 1.1)
                if value >= T_SANDWICH:
                    offers.append((-value, i, rid))
        for _, i, rid in sorted(offers):
            if i not in assigned and rid not in taken:
                assign(i, rid)
        # 6b. rewrites re-order as they please: a paragraph still unplaced takes the free row
        # it fits best wherever that row stands, if it fits well (a stricter bar than the
        # sandwich, which has the neighbours' word for it)
        loose = sorted(
            (-max(sc.full, sc.inside), i, rid)
            for i, row_scores in enumerate(scores)
            if i not in assigned
            for rid, sc in row_scores.items()
            if rid not in taken and max(sc.full, sc.inside) >= T_LOOSE
        )
        for _, i, rid in loose:
            if i not in assigned and rid not in taken:
                assign(i, rid)
        attach_pieces()
        # 7. commit, and new rows for the rest, each right after its predecessor's row (the
        # copy's own opening paragraphs: before the first row it shares).  The row order is
        # a linked list meanwhile: a list insert per new row is quadratic in a long copy.
        after: dict[int, int] | None = None
        for i, unit in enumerate(units):
            rid = assigned.get(i)
            if rid is not None:
                row = self.rows[self.find(rid)]
                row.add(unit)
                self._index_unit(row, unit)
                continue
            if after is None:
                after = dict(zip([_HEAD, *self.order], self.order, strict=False))
            prev = self.find(assigned[i - 1]) if i > 0 else self._head_anchor(assigned)
            row = self._new_row()
            row.add(unit)
            self._index_unit(row, unit)
            if prev in after:
                after[row.id] = after[prev]
            after[prev] = row.id
            assigned[i] = row.id
        if after is not None:
            order, rid = [], after.get(_HEAD)
            while rid is not None:
                order.append(rid)
                rid = after.get(rid)
            self.order = order
        return units

    def _head_anchor(self, assigned: dict[int, int]) -> int:
        """The row a copy's own opening paragraphs follow: the one before the first row the
        copy shares (``_HEAD``: the very start), or the last row if it shares none."""
        first = next((assigned[j] for j in sorted(assigned)), None)
        if first is None:
            return self.order[-1] if self.order else _HEAD
        at = self.order.index(self.find(first))
        return self.order[at - 1] if at > 0 else _HEAD

    def _cut_blocks(self, units: list[Unit], known: dict[int, _Known]) -> list[Unit]:
        """Cut run-together blocks into segments, one per row they hold, as exact slices of
        their text, so each part meets its row.

        A paragraph holding four or more rows is always a block.  One holding two or three
        is an editor's merge (its rows are united later) unless the copy has many of them:
        then the copy lost its paragraph breaks (a bad scrape, hard-wrapped text without
        blank lines) and uniting rows would be wrong, and costly, as every copy's paragraphs
        in those rows would be wrongly paired.

        The candidates and scores found here are left in ``known`` (by ``id`` of the unit)
        for the scoring pass.  A paragraph near-identical to its best candidate is no block
        (the same rule as :meth:`_scores`), which spares scoring the other candidates of
        most long ones."""
        held_by: dict[int, list[int]] = {}
        for i, u in enumerate(units):
            if len(u.feat.key) < 1.5 * self.median_len or u.feat.key in self.exact:
                continue  # short, or verbatim some row's paragraph: not a merge
            ranked = self._ranked(u.feat, 3 * CANDIDATES)
            scored: dict[int, Score] = {}
            known[id(u)] = (ranked, scored)
            held: list[int] = []
            for rid, bound in ranked:
                if bound < T_HOLDS * self.rows[rid].least_total():
                    continue  # cannot hold any of the row's paragraphs: no need to score
                sc = scored[rid] = self._score(u, rid)
                if _near_identical(sc) and not held:
                    break
                if sc.holds >= T_HOLDS:
                    held.append(rid)
            if len(held) >= 2:
                held_by[i] = held
        lost_breaks = len(held_by) >= LOST_BREAKS_MIN and len(held_by) >= LOST_BREAKS_SHARE * len(
            units
        )
        out: list[Unit] = []
        for i, u in enumerate(units):
            held = held_by.get(i, [])
            if len(held) > MERGE_MAX_ROWS or (lost_breaks and held):
                out.extend(self._segments(u, held))
            else:
                out.append(u)
        return out

    def _segments(self, u: Unit, held: list[int]) -> list[Unit]:
        sentences = split_sentences(u.para.text)
        labels: list[int | None] = []
        for s in sentences:
            feat = Feat.of(match_key(s), content_stems(s), self.idf)
            best = max(((self._best(feat, rid).inside, -rid) for rid in held), default=(0.0, 0))
            labels.append(-best[1] if best[0] >= T_SENTENCE else None)
        # A run of sentences no row holds is content of its own: it becomes a segment (and
        # later a row) unless it reads as the tail of the sentence before it.  Fragments too
        # short to judge ("U.S.", a three-word quote opening) wait, then join the neighbour
        # whose row holds their words.
        fresh = -1
        tiny: list[int] = []
        for i in range(len(labels)):
            if labels[i] is not None:
                continue
            prev = labels[i - 1] if i > 0 else None
            feat = Feat.of(match_key(sentences[i]), content_stems(sentences[i]), self.idf)
            if len(feat.stems) < MIN_CONTAINED:
                tiny.append(i)
            elif prev is not None and (prev < 0 or self._best(feat, prev).inside >= T_SANDWICH):
                labels[i] = prev
            else:
                labels[i] = fresh
                fresh -= 1
        for i in tiny:
            feat = Feat.of(match_key(sentences[i]), content_stems(sentences[i]), self.idf)
            near = [labels[j] for j in (i + 1, i - 1) if 0 <= j < len(labels)]
            options = [lab for lab in near if lab is not None]
            if not options:
                labels[i] = fresh
                fresh -= 1
                continue

            def holds_words(lab: int, feat: Feat = feat) -> float:
                if lab < 0:
                    return 0.0
                reps = self.rows[lab].rep_feats()
                return max(shared_weight(feat, rep) / feat.total for rep in reps)

            labels[i] = max(options, key=holds_words)  # ties: the next sentence's segment
        pieces: list[str] = []
        current: int | None = None
        for s, lab in zip(sentences, labels, strict=True):
            if pieces and lab == current:
                pieces[-1] += s
            else:
                pieces.append(s)
                current = lab
        out = []
        for part, text in enumerate(pieces):
            stripped = text.rstrip()
            para = replace(u.para, text=stripped, part=u.para.part + part)
            feat = Feat.of(match_key(stripped), content_stems(stripped), self.idf)
            out.append(Unit(u.version, para, u.rank, feat))
        return out

    # ----------------------------------------------------------------- result
    def _grouping(self) -> Grouping:
        rows = [self.rows[rid] for rid in self.order]
        versions = []
        for vi, v in enumerate(self.versions):
            units = self.units[vi]
            if any(u.para.part and u.para.kind.value == "body" for u in units):
                versions.append(_with_segments(v, units))
            else:
                versions.append(v)
        # ranks: reading position of each unit within its version (after segmenting)
        rank_of: dict[tuple[int, int, int], int] = {}
        for vi, units in enumerate(self.units):
            for r, u in enumerate(sorted(units, key=_unit_order)):
                rank_of[(vi, u.para.index, u.para.part)] = r
        moved = _moved_cells(rows, rank_of, len(self.versions))
        groups = []
        for row in rows:
            cells = {
                v: tuple(u.para for u in sorted(us, key=_unit_order)) for v, us in row.cells.items()
            }
            ranks = {v: rank_of[(v, ps[0].index, ps[0].part)] for v, ps in cells.items()}
            groups.append(
                RowGroup(cells, ranks, frozenset(v for v in cells if (row.id, v) in moved))
            )
        return Grouping(tuple(groups), self.base, tuple(versions))


def _with_segments(v: Version, units: list[Unit]) -> Version:
    """The version with each run-together block replaced by the segments it was cut into."""
    segs: dict[int, list[Paragraph]] = defaultdict(list)
    for u in units:
        segs[u.para.index].append(u.para)
    out: list[Paragraph] = []
    for p in v.paragraphs:
        if p.kind.value == "body" and p.index in segs and len(segs[p.index]) > 1:
            if not any(q.index == p.index and q.part > p.part for q in out):
                out.extend(sorted(segs[p.index], key=lambda q: q.part))
        else:
            out.append(p)
    return replace(v, paragraphs=tuple(out))


def _moved_cells(
    rows: list[_Row], rank_of: dict[tuple[int, int, int], int], n_versions: int
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
            first = min(units, key=_unit_order)
            seqs[v].append((rank_of[(v, first.para.index, first.para.part)], row.id))
    moved: set[tuple[int, int]] = set()
    for v, seq in seqs.items():
        keep = _lis([r for r, _ in seq])
        for k, (_, rid) in enumerate(seq):
            if k not in keep:
                moved.add((rid, v))
    return moved


def _lis(values: list[int]) -> set[int]:
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
