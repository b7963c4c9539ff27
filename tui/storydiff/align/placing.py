"""Placing one copy's paragraphs against the rows, in passes from the surest match to the
weakest (see the package docstring), and committing them in the copy's reading order."""

from __future__ import annotations

from .blocks import BlockCutter
from .rows import (
    HEAD,
    MERGE_WINDOW,
    SIBLING_REACH,
    T_FULL,
    T_HOLDS,
    T_INSIDE,
    T_LOOSE,
    T_NEAR_IDENTICAL,
    T_SANDWICH,
    VERBATIM_WORDS,
    Known,
    Unit,
)


class Placer(BlockCutter):
    """Places a copy's units (the third layer of :class:`~.aligner.Aligner`)."""

    def _place(self, units: list[Unit]) -> list[Unit]:
        """Match one copy's units (all of them, or the base's deferred blocks) against the
        rows, add them, and return them as placed (blocks cut into segments)."""
        known: dict[int, Known] = {}  # id(unit) -> what _cut_blocks found
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
                after = dict(zip([HEAD, *self.order], self.order, strict=False))
            prev = self.find(assigned[i - 1]) if i > 0 else self._head_anchor(assigned)
            row = self._new_row()
            row.add(unit)
            self._index_unit(row, unit)
            if prev in after:
                after[row.id] = after[prev]
            after[prev] = row.id
            assigned[i] = row.id
        if after is not None:
            order, rid = [], after.get(HEAD)
            while rid is not None:
                order.append(rid)
                rid = after.get(rid)
            self.order = order
        return units

    def _head_anchor(self, assigned: dict[int, int]) -> int:
        """The row a copy's own opening paragraphs follow: the one before the first row the
        copy shares (``HEAD``: the very start), or the last row if it shares none."""
        first = next((assigned[j] for j in sorted(assigned)), None)
        if first is None:
            return self.order[-1] if self.order else HEAD
        at = self.order.index(self.find(first))
        return self.order[at - 1] if at > 0 else HEAD
