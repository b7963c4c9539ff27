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
from collections.abc import Iterator, Sequence

from rapidfuzz import fuzz

from .signals import BlockInfo

# A word 3-gram, by its hash: sets of ints are built and intersected several times faster
# than sets of tuples, and a collision (one in 2**64) could only call one paragraph shared.
Shingle = int

SHARED_FRACTION = 0.5  # at least this share of a paragraph's shingles in other copies
BORDERLINE_FRACTION = 0.2  # from here up, let rapidfuzz decide
POSTINGS_CAP = 8  # remembered holders per shingle: enough to find candidates, bounded memory
FUZZY_RATIO = 80.0
FUZZY_PARTIAL = 90.0


def _hashed(tokens: Sequence[str]) -> Iterator[Shingle]:
    """The text's word 3-grams in order (a text of one or two words: itself), hashed."""
    if len(tokens) < 3:
        return iter([hash(tuple(tokens))] if tokens else [])
    return map(hash, zip(tokens, tokens[1:], tokens[2:], strict=False))


def shingles(tokens: Sequence[str]) -> set[Shingle]:
    return set(_hashed(tokens))


def _in_order(tokens: Sequence[str]) -> list[Shingle]:
    """The shingles of :func:`shingles`, each once, in the order of the text (a set's order
    follows the hashes, which change from one run of the program to the next)."""
    return list(dict.fromkeys(_hashed(tokens)))


def mark_shared(docs: Sequence[Sequence[BlockInfo]]) -> None:
    """Set ``shared`` on every block that another document carries, in O(total words).

    Most paragraphs of syndicated copies are verbatim: a text found in two documents is
    shared outright, and each distinct text is shingled only once.  Which shingles occur in
    two documents comes from set operations on each document's shingles; the inverted index
    (which blocks hold a shingle) is built only for the few borderline paragraphs."""
    key_owner: dict[str, int] = {}
    key_multi: set[str] = set()
    for infos in docs:
        for info in infos:
            if key_owner.setdefault(info.key, info.doc) != info.doc:
                key_multi.add(info.key)
    # Each distinct text is indexed once, by its first block; a text in two documents is in
    # key_multi, so any other block is in the document of the one indexed.
    indexed: list[tuple[BlockInfo, set[Shingle]]] = []
    by_key: dict[str, set[Shingle]] = {}
    per_doc: dict[int, set[Shingle]] = {}
    for infos in docs:
        for info in infos:
            if info.key in by_key:
                continue
            sh = by_key[info.key] = shingles(info.tokens)
            indexed.append((info, sh))
            held = per_doc.get(info.doc)
            if held is None:
                per_doc[info.doc] = set(sh)
            else:
                held |= sh
    multi: set[Shingle] = set()  # held by two or more documents
    seen: set[Shingle] = set()
    for held in per_doc.values():
        multi |= held & seen
        seen |= held
    borderline: list[tuple[BlockInfo, list[Shingle]]] = []
    for infos in docs:
        for info in infos:
            if info.key in key_multi:
                info.shared = True
                continue
            sh = by_key[info.key]
            if not sh:
                continue
            # every shingle of sh is in this document: it is elsewhere iff held twice
            n_hits = len(sh & multi)
            frac = n_hits / len(sh)
            if len(info.tokens) < 3:
                info.shared = n_hits > 0
            elif frac >= SHARED_FRACTION:
                info.shared = True
            elif frac >= BORDERLINE_FRACTION:  # (the hits in text order: it settles ties)
                hits = [sg for sg in _in_order(info.tokens) if sg in multi]
                borderline.append((info, hits))
    if borderline:
        blocks = [info for info, _ in indexed]
        postings = _postings(indexed, {sg for _, hits in borderline for sg in hits})
        alike: dict[tuple[str, str], bool] = {}
        for info, hits in borderline:
            info.shared = _fuzzy_shared(info, hits, postings, blocks, alike)


def _postings(
    indexed: list[tuple[BlockInfo, set[Shingle]]], wanted: set[Shingle]
) -> dict[Shingle, list[int]]:
    """The first POSTINGS_CAP indexed blocks (their positions, in order) holding each wanted
    shingle.  A shingle whose list is full is no longer looked for (the shingles that
    matter recur in most copies)."""
    postings: dict[Shingle, list[int]] = {}
    wanted = set(wanted)
    for j, (_, sh) in enumerate(indexed):
        if not wanted:
            break
        for sg in sh & wanted if len(sh) > len(wanted) else wanted & sh:
            held = postings.setdefault(sg, [])
            held.append(j)
            if len(held) == POSTINGS_CAP:
                wanted.discard(sg)
    return postings


def _fuzzy_shared(
    info: BlockInfo,
    hits: list[Shingle],
    postings: dict[Shingle, list[int]],
    blocks: list[BlockInfo],
    alike: dict[tuple[str, str], bool],
) -> bool:
    """Confirm a borderline paragraph against the other copies' best candidates.

    ``alike`` remembers the comparisons made (a repeated paragraph meets the same
    candidates again)."""
    doc = info.doc
    counts = Counter(
        j for s in hits for j in postings.get(s, ()) if blocks[j].doc != doc
    )  # in order of first sight, which settles ties
    for j, _ in counts.most_common(3):
        pair = (info.key, blocks[j].key)
        found = alike.get(pair)
        if found is None:
            found = alike[pair] = _alike(*pair)
        if found:
            return True
    return False


def _alike(key: str, other: str) -> bool:
    ratio = fuzz.ratio(key, other)
    if ratio >= FUZZY_RATIO:
        return True
    short, long_ = sorted((key, other), key=len)
    if len(short.split()) < 5:
        return False
    # partial_ratio is the ratio of short to the best window of long_ (at most as long as
    # short): such a window has no more characters in common with short, in order, than
    # long_ as a whole (ratio tells how many: the indel ratio is 2 * common / total), so it
    # can reach at best 2 * common / (len(short) + common).  Below the threshold (with a
    # margin for rounding), the costly search is skipped; its answer would be no.
    common = min(ratio * (len(short) + len(long_)) / 200 + 0.01, len(short))
    if 200 * common / (len(short) + common) < FUZZY_PARTIAL - 0.01:
        return False
    # the cutoff (a point below, so that it only prunes) lets rapidfuzz skip the windows that
    # cannot reach it; above it the score is the same
    return fuzz.partial_ratio(short, long_, score_cutoff=FUZZY_PARTIAL - 1) >= FUZZY_PARTIAL
