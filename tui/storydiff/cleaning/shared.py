"""Which paragraphs another copy also carries: the strongest evidence that text is story.

Chrome differs from site to site while the story repeats across copies, so "shared" protects a
paragraph from being folded.  The test must stay linear in the number of copies (there may be
hundreds), so there is no all-pairs comparison: every paragraph is cut into word 3-grams
(short lines are kept whole), an inverted index remembers which copies hold each shingle, and
a paragraph is shared when most of its shingles occur in some other copy.  Only borderline
paragraphs are confirmed with rapidfuzz against the few blocks that share the most shingles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rapidfuzz import fuzz

from .signals import BlockInfo

Shingle = tuple[str, ...]

SHARED_FRACTION = 0.5  # at least this share of a paragraph's shingles in other copies
BORDERLINE_FRACTION = 0.2  # from here up, let rapidfuzz decide
POSTINGS_CAP = 8  # remembered holders per shingle: enough to find candidates, bounded memory
FUZZY_RATIO = 80.0
FUZZY_PARTIAL = 90.0


def shingles(tokens: Sequence[str]) -> set[Shingle]:
    if not tokens:
        return set()
    if len(tokens) < 3:
        return {tuple(tokens)}
    return {(tokens[i], tokens[i + 1], tokens[i + 2]) for i in range(len(tokens) - 2)}


def mark_shared(docs: Sequence[Sequence[BlockInfo]]) -> None:
    """Set ``shared`` on every block that another document carries, in O(total words)."""
    owner: dict[Shingle, int] = {}  # first document holding the shingle
    multi: set[Shingle] = set()  # held by two or more documents
    postings: dict[Shingle, list[BlockInfo]] = {}
    all_sh: list[list[set[Shingle]]] = []
    for infos in docs:
        per_doc: list[set[Shingle]] = []
        for info in infos:
            sh = shingles(info.tokens)
            per_doc.append(sh)
            for s in sh:
                first = owner.setdefault(s, info.doc)
                if first != info.doc:
                    multi.add(s)
                held = postings.setdefault(s, [])
                if len(held) < POSTINGS_CAP:
                    held.append(info)
        all_sh.append(per_doc)
    for infos, per_doc in zip(docs, all_sh, strict=True):
        for info, sh in zip(infos, per_doc, strict=True):
            if not sh:
                continue
            hits = [s for s in sh if s in multi or owner[s] != info.doc]
            frac = len(hits) / len(sh)
            if len(info.tokens) < 3:
                info.shared = bool(hits)
            elif frac >= SHARED_FRACTION:
                info.shared = True
            elif frac >= BORDERLINE_FRACTION:
                info.shared = _fuzzy_shared(info, hits, postings)


def _fuzzy_shared(
    info: BlockInfo, hits: list[Shingle], postings: dict[Shingle, list[BlockInfo]]
) -> bool:
    """Confirm a borderline paragraph against the other copies' best candidates."""
    counts: Counter[int] = Counter()
    by_id: dict[int, BlockInfo] = {}
    for s in hits:
        for other in postings.get(s, ()):
            if other.doc != info.doc:
                counts[id(other)] += 1
                by_id[id(other)] = other
    for oid, _ in counts.most_common(3):
        other = by_id[oid]
        if fuzz.ratio(info.key, other.key) >= FUZZY_RATIO:
            return True
        short, long_ = sorted((info.key, other.key), key=len)
        if len(short.split()) >= 5 and fuzz.partial_ratio(short, long_) >= FUZZY_PARTIAL:
            return True
    return False
