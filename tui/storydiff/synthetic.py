"""Synthetic stories with a planted structure, for property tests and benchmarks.

A base story is generated, then each version is derived from it by the edits outlets make:
cuts from the bottom, dropped and moved paragraphs, splits, merges, copy-edits, rewrites, local
additions and boilerplate.  Every paragraph remembers which base paragraphs it came from, so an
alignment can be scored against the truth (:func:`planted_f1`).  Fixed seeds make it
reproducible.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .model import Format, Kind, Paragraph, Version

_SYLLABLES = (
    "ka ra to mi sen lo dar vel qui nor bes tan fri gol hem pra sul wen zor bal cre dum "
    "fen gar hil jor kel lun mar nes opa pel ris sta tor ulm var wex yor zen"
).split()
_FUNCTION = (
    "the the the of of and and to in in a a that for on with as was by at from is said "
    "has had were its their after which but it an have not been who this"
).split()
_BOILER = (
    "Story continues below advertisement",
    "Advertisement",
    "Sign up for our morning newsletter and get the day's headlines in your inbox.",
    "Read more: the week's other big stories",
    "Share this article on Facebook, Twitter and by e-mail",
    "To view this site properly, enable cookies in your browser.",
)


@dataclass(slots=True)
class _Para:
    text: str
    origin: frozenset[int]  # base paragraph numbers (>= 10_000: added by this version)
    kind: Kind = Kind.BODY


@dataclass(frozen=True, slots=True)
class SyntheticStory:
    versions: tuple[Version, ...]
    # (version id, paragraph index, part) -> planted group it belongs to
    truth: dict[tuple[str, int, int], int] = field(default_factory=dict)
    moved: frozenset[tuple[str, int]] = frozenset()  # (version id, paragraph index)


class _Words:
    def __init__(self, rng: random.Random, size: int = 3000) -> None:
        self.rng = rng
        vocab: set[str] = set()
        while len(vocab) < size:
            n = rng.choice((2, 2, 3, 3, 4))
            vocab.add("".join(rng.choice(_SYLLABLES) for _ in range(n)))
        # shuffled before ranking, so the frequent words do not all share a prefix (which
        # real language does not do, and which a prefix stemmer would conflate)
        self.vocab = sorted(vocab)
        rng.shuffle(self.vocab)
        # Zipf-like weights: a few content words recur across the story, most are rare
        self.weights = [1.0 / (r + 1) ** 0.9 for r in range(len(self.vocab))]

    def content(self, k: int) -> list[str]:
        return self.rng.choices(self.vocab, self.weights, k=k)

    def sentence(self) -> str:
        words: list[str] = []
        for _ in range(self.rng.randint(12, 26)):
            words.append(
                self.rng.choice(_FUNCTION) if self.rng.random() < 0.45 else self.content(1)[0]
            )
        if self.rng.random() < 0.4:
            words.insert(self.rng.randrange(len(words)), f"{self.rng.randint(2, 990):,}")
        if self.rng.random() < 0.5:
            name = " ".join(w.capitalize() for w in self.content(2))
            words.insert(self.rng.randrange(len(words)), name)
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."


def _paragraph(words: _Words) -> str:
    return " ".join(words.sentence() for _ in range(words.rng.choice((1, 1, 2, 2, 3))))


def _edit(words: _Words, text: str, share: float) -> str:
    """Copy-edit or (with a large share) rewrite: replace, drop and insert words."""
    rng = words.rng
    out: list[str] = []
    for w in text.split():
        r = rng.random()
        if r < share * 0.5:
            out.append(words.content(1)[0])
        elif r < share * 0.7:
            continue
        else:
            out.append(w)
            if rng.random() < share * 0.2:
                out.append(rng.choice(_FUNCTION))
    return " ".join(out) if out else text


def make_story(
    n_versions: int,
    n_paragraphs: int = 50,
    seed: int = 0,
    *,
    boilerplate: bool = True,
    rewrites: bool = True,
) -> SyntheticStory:
    rng = random.Random(seed)
    words = _Words(rng)
    base = [_Para(_paragraph(words), frozenset({i})) for i in range(n_paragraphs)]
    added = itertools.count(10_000)
    versions: list[Version] = []
    truth: dict[tuple[str, int, int], int] = {}
    moved: set[tuple[str, int]] = set()
    merges: list[tuple[int, int]] = []
    plans: list[tuple[str, list[_Para], set[int]]] = []
    # Outlets merge paragraphs by house style, not at random: the same few short pairs.
    house_merges = rng.sample(range(0, n_paragraphs - 1, 3), k=min(2, n_paragraphs // 6))
    for vn in range(n_versions):
        paras = [_Para(p.text, p.origin) for p in base]
        moved_origins: set[int] = set()
        if vn > 0:
            if rng.random() < 0.5:  # cut from the bottom
                paras = paras[: max(3, int(len(paras) * rng.uniform(0.55, 0.95)))]
            for _ in range(rng.randint(0, 3)):  # drop paragraphs
                if len(paras) > 4:
                    paras.pop(rng.randrange(len(paras)))
            for _ in range(rng.randint(0, 2)):  # move a paragraph far away
                if len(paras) > 6:
                    i = rng.randrange(len(paras))
                    p = paras.pop(i)
                    j = rng.choice([k for k in range(len(paras)) if abs(k - i) > 3] or [0])
                    paras.insert(j, p)
                    moved_origins |= p.origin
            for p in paras:  # copy-edits and rewrites
                r = rng.random()
                if r < 0.3:
                    p.text = _edit(words, p.text, 0.08)
                elif rewrites and r < 0.38:
                    p.text = _edit(words, p.text, 0.3)
            for first in house_merges:  # merge two neighbours
                at = [i for i, p in enumerate(paras[:-1]) if p.origin == {first}]
                if at and rng.random() < 0.3 and paras[at[0] + 1].origin == {first + 1}:
                    i = at[0]
                    a, b = paras[i], paras[i + 1]
                    paras[i : i + 2] = [_Para(a.text + " " + b.text, a.origin | b.origin)]
            if rng.random() < 0.5:  # split one with several sentences
                multi = [
                    i for i, p in enumerate(paras) if p.text.count(". ") >= 1 and len(p.origin) == 1
                ]
                if multi:
                    i = rng.choice(multi)
                    cut = paras[i].text.index(". ") + 1
                    p = paras[i]
                    paras[i : i + 1] = [
                        _Para(p.text[:cut], p.origin),
                        _Para(p.text[cut + 1 :], p.origin),
                    ]
            for _ in range(rng.randint(0, 2)):  # local additions
                paras.insert(
                    rng.randrange(len(paras) + 1),
                    _Para(_paragraph(words), frozenset({next(added)})),
                )
        if boilerplate:
            for _ in range(rng.randint(0, 3)):
                paras.insert(
                    rng.randrange(len(paras) + 1),
                    _Para(rng.choice(_BOILER), frozenset(), Kind.BOILERPLATE),
                )
        # the truth: base paragraphs that one final paragraph holds together share a row
        merges.extend((min(p.origin), max(p.origin)) for p in paras if len(p.origin) > 1)
        plans.append((f"v{vn:03d}", paras, moved_origins))
    group = _groups(n_paragraphs, merges)
    for vid, paras, moved_origins in plans:
        out: list[Paragraph] = []
        for i, p in enumerate(paras):
            if p.kind is Kind.BODY:
                out.append(Paragraph(i, p.text))
                truth[(vid, i, 0)] = min(group.get(o, o) for o in p.origin)
                if p.origin & moved_origins:
                    moved.add((vid, i))
            else:
                out.append(Paragraph(i, p.text, Kind.BOILERPLATE, "advert", "synthetic chrome"))
        versions.append(
            Version(
                id=vid,
                source=f"{vid}.txt",
                format=Format.TEXT,
                outlet=f"Outlet {vid}",
                badge=vid,
                colour="#888888",
                paragraphs=tuple(out),
            )
        )
    return SyntheticStory(tuple(versions), truth, frozenset(moved))


def _groups(n: int, merges: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Base paragraphs joined by a merge in any version belong to one planted row."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in merges:
        parent[find(a)] = find(b)
    return {i: find(i) for i in range(n)}


def planted_f1(
    truth: dict[tuple[str, int, int], int], rows: Sequence[Iterable[tuple[str, int, int]]]
) -> float:
    """Pair-F1 of the rows against the planted groups (the scorer's measure)."""
    found: dict[tuple[str, int, int], int] = {}
    for r, members in enumerate(rows):
        for m in members:
            found[(m[0], m[1], 0)] = r
    by_truth: dict[int, list[tuple[str, int, int]]] = {}
    for k, g in truth.items():
        by_truth.setdefault(g, []).append(k)
    by_found: dict[int, list[tuple[str, int, int]]] = {}
    for k in truth:
        by_found.setdefault(found.get(k, -1 - len(by_found)), []).append(k)
    tp = 0.0
    for members in by_found.values():
        counts: dict[int, int] = {}
        for k in members:
            counts[truth[k]] = counts.get(truth[k], 0) + 1
        tp += sum(c * (c - 1) // 2 for c in counts.values())
    true_pairs = sum(len(m) * (len(m) - 1) // 2 for m in by_truth.values())
    found_pairs = sum(len(m) * (len(m) - 1) // 2 for m in by_found.values())
    if true_pairs == 0 or found_pairs == 0:
        return 1.0 if true_pairs == found_pairs else 0.0
    p = tp / found_pairs
    rec = tp / true_pairs
    return 2 * p * rec / (p + rec) if p + rec else 0.0
