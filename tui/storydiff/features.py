"""Matching features of a paragraph: its key, its weighted content words, its sentences.

The aligner compares paragraphs through these features only.  Content words are lightly
stemmed and weighted by inverse document frequency over every paragraph of the story, so that
the rare words a rewrite keeps (names, places, numbers) count for more than the common ones it
changes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz

from .recache import recompile
from .textnorm import typographic

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves said says say told tell according also however would could may might
    one two three last its it's mr mrs ms""".split()
)

_WORDS = recompile(r"\w+(?:[.,]\d+)*", re.UNICODE)
# A sentence ends at . ! ? (and any closing quotes) before whitespace and a capital or digit;
# or, where a scrape lost the space ("per euro.Yields"), between a lower-case word and a
# capitalised one.
_SENTENCE_END = recompile(
    r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]*[A-Z0-9])"
    r"|(?<=[A-Za-z%][.!?])(?=[\"\u201c]?[A-Z][a-z])"
)


STEM_LENGTH = 6


@lru_cache(maxsize=131072)
def stem(word: str) -> str:
    """A deliberately crude stemmer: strip a common suffix, then keep the first six letters.

    Truncation makes the word families a rewrite moves between meet (``intensified`` /
    ``intensity``, ``Russian`` / ``Russia``, ``observation`` / ``observers``) at the price of
    a few collisions that the IDF weights dampen; and it is cheap enough to run on every word
    of hundreds of copies."""
    if word.isdigit() or len(word) <= 4:
        return word
    for suffix in ("ings", "ing", "edly", "ed", "ies", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:STEM_LENGTH]


# word -> the term it counts as ("" for a stop word): one dict lookup per word of every
# paragraph, where a stop-word test, a digit test and a cached call each cost as much.
TERMS: dict[str, str] = {}
TERMS_MAX = 262144


def _term(word: str) -> str:
    if word in STOPWORDS:
        term = ""
    elif word[0].isdigit():
        term = word.replace(",", "")
    else:
        term = stem(word.replace("'s", ""))
    if len(TERMS) < TERMS_MAX:
        TERMS[word] = term
    return term


@lru_cache(maxsize=65536)
def content_stems(text: str) -> tuple[str, ...]:
    """Stems of the words that carry content (numbers kept whole: ``60,000`` -> ``60000``)."""
    out: list[str] = []
    known = TERMS.get
    for w in _WORDS.findall(typographic(text).casefold()):
        term = known(w)
        if term is None:
            term = _term(w)
        if term:
            out.append(term)
    return tuple(out)


# Words after which a full stop does not end a sentence: initialisms ("U.S.", "D.C.") and
# the abbreviations of titles, months and companies that news copy is full of.
_ABBREVIATION = recompile(
    r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|Prof|Gov|Sen|Rep|Gen|Lt|Col|Capt|Sgt|Adm|Cmdr"
    r"|Supt|Insp|Det|Rev|Hon|St|Mt|Ft|Jr|Sr|Inc|Co|Corp|Ltd|Bros|No|vs|Vol|Jan|Feb|Mar|Apr"
    r"|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Ave|Blvd|Rd|approx|est|etc|al)\.)[\"'\u201d\u2019)\]]*\s*$"
)


def split_sentences(text: str) -> list[str]:
    """Exact slices of ``text``, one per sentence (the separating whitespace stays with the
    sentence before it), so that joining them gives the text back."""
    cuts = [
        m.end()
        for m in _SENTENCE_END.finditer(text)
        if not _ABBREVIATION.search(text, max(0, m.start() - 24), m.end())
    ]
    pieces: list[str] = []
    start = 0
    for cut in cuts:
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return [p for p in pieces if p]


# A stem's weight is its idf in whole 1/65536ths: sums of integers are exact in any order, and
# a set of strings yields its words in an order that changes with PYTHONHASHSEED.  With float
# weights the last bits of a sum, and so a tie between two rows, could differ from one run of
# the program to the next; with these, the same story aligns the same every time.
WEIGHT_SCALE = 1 << 16


@dataclass(slots=True)
class Feat:
    """Comparison features of one text (a paragraph, or a version's cell in a row)."""

    key: str
    stems: frozenset[str]
    weights: dict[str, int]  # stem -> idf in WEIGHT_SCALE units
    total: float  # the sum of the weights (an int; a tiny float for a text without words)

    @classmethod
    def of(cls, key: str, stems: Iterable[str], idf: dict[str, float]) -> Feat:
        unique = frozenset(stems)
        weights = {s: round(idf.get(s, 1.0) * WEIGHT_SCALE) for s in unique}
        return cls(key, unique, weights, sum(weights.values()) or 1e-9)

    @classmethod
    def join(cls, parts: Sequence[Feat]) -> Feat:
        if len(parts) == 1:
            return parts[0]
        weights: dict[str, int] = {}
        for p in parts:
            weights.update(p.weights)
        return cls(
            " ".join(p.key for p in parts),
            frozenset(weights),
            weights,
            sum(weights.values()) or 1e-9,
        )


def shared_weight(a: Feat, b: Feat) -> int:
    weights = a.weights
    return sum([weights[s] for s in a.stems & b.stems])


class Score(NamedTuple):
    """How two texts relate: ``full`` says they are the same paragraph; ``inside`` that the
    first lies within the second (a split piece or a trimmed copy); ``holds`` that the second
    lies within the first (the first is a merge).  A tuple: thousands are made per copy."""

    full: float
    inside: float
    holds: float


MIN_CONTAINED = 4  # a text with fewer content words is too small to be found inside another


def compare(a: Feat, b: Feat) -> Score:
    weights = a.weights
    shared = sum([weights[s] for s in a.stems & b.stems])  # (shared_weight, inlined: hot)
    dice = 2.0 * shared / (a.total + b.total)
    # containment says nothing about a one-word crosshead that happens to recur in a paragraph
    inside = shared / a.total if len(a.stems) >= MIN_CONTAINED else 0.0
    holds = shared / b.total if len(b.stems) >= MIN_CONTAINED else 0.0
    full = dice
    # Character similarity catches copy-edits that change many short words; only worth
    # computing when the word evidence leaves the question open.
    if 0.2 < dice < 0.85:
        # (a cutoff at the dice: below it the ratio changes nothing, and rapidfuzz can stop
        # early, from the lengths alone when they differ enough)
        full = max(full, fuzz.ratio(a.key, b.key, score_cutoff=100.0 * dice) / 100.0)
    return Score(full, inside, holds)


def idf_table(stem_lists: Iterable[Iterable[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    n = 0
    for stems in stem_lists:
        n += 1
        df.update(set(stems))
    return {s: math.log((n + 1) / (c + 0.5)) for s, c in df.items()}
