"""Run-together blocks: a paragraph holding many rows (a scrape that lost its breaks) is cut
into sentence segments, one per row it holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from ..features import MIN_CONTAINED, Feat, Score, content_stems, shared_weight, split_sentences
from ..model import Paragraph, Version
from ..textnorm import match_key
from .index import RowIndex
from .rows import (
    CANDIDATES,
    LOST_BREAKS_MIN,
    LOST_BREAKS_SHARE,
    MERGE_MAX_ROWS,
    T_HOLDS,
    T_SANDWICH,
    T_SENTENCE,
    Known,
    Unit,
    near_identical,
)


class BlockCutter(RowIndex):
    """Finds and cuts run-together blocks (the second layer of :class:`~.aligner.Aligner`)."""

    def _cut_blocks(self, units: list[Unit], known: dict[int, Known]) -> list[Unit]:
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
                if near_identical(sc) and not held:
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


def with_segments(v: Version, units: list[Unit]) -> Version:
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
