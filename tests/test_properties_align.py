"""Property tests of the engine on stories with a planted structure.

A hypothesis strategy (:func:`planted_stories`) writes a base story (the synthetic generator's
Zipf-like words, from a drawn seed), then derives each copy from it by the edits outlets make:
cuts from the bottom and in the middle, one merge of two neighbours (from a few "house"
merges shared by the story, as outlets merge by house style), word substitutions (light and
heavy), splits (at a sentence end or inside a sentence), one far move, local paragraphs and
boilerplate lines.  Copy ``v0`` is the base text itself (with boilerplate of its own).  Every
paragraph of every copy remembers where it came from (:class:`Planted`), so the alignment can
be checked against the truth, not just for consistency.

What the strategy bounds, so that each property is one the engine promises:

* a *light* rewrite substitutes at most 15 % of a paragraph's words; heavier rewrites are
  drawn too, but only the invariants are asserted for them (a rewrite that keeps half the
  words may legitimately land in a row of its own);
* a move goes at least three paragraphs away, and no local paragraph is added right after the
  moved one: a move by one place is a swap, and "moved" is then ambiguous (either paragraph
  may be the one out of order), as is a local paragraph following the moved one;
* moved, split and merged paragraphs are never rewritten heavily, and a merge joins two
  untouched neighbours (a merge hidden under a heavy rewrite is not recoverable);
* local paragraphs are written in a vocabulary of their own (syllables that start no word of
  the base story), so that they share no content word with the story: a local paragraph
  that shares words with a dropped one may legitimately take its row (the "sandwich" pass);
* boilerplate lines are ones the cleaner folds by a strong pattern wherever they stand
  ("Advertisement", newsletter and "Read more:" promos); the cleaner promises nothing about
  other unique lines, so nothing else is asserted about folding.

The default hypothesis profile is deterministic (tests/conftest.py); the example counts keep
the whole file well under 30 s.  ``HYPOTHESIS_PROFILE=explore`` runs 500 fresh examples each.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storydiff.build import build_alignment
from storydiff.model import Alignment, Block, Document, Format, Kind, Paragraph, Version
from storydiff.options import StoryOptions
from storydiff.story import load_story, make_versions
from storydiff.synthetic import _paragraph, _Words

Key = tuple[str, int, int]  # (version id, paragraph index, part)

BOILERPLATE = (
    "Advertisement",
    "ADVERTISEMENT",
    "Story continues below advertisement",
    "Subscribe to our newsletter",
    "Sign up for our morning newsletter and get the day's headlines in your inbox.",
    "Read more: the week's other big stories",
    "Related: Ministers meet again on Tuesday",
)
# Syllables that start no word of the synthetic base vocabulary (see synthetic._SYLLABLES):
# local paragraphs share no content word with the story.
_LOCAL_SYLLABLES = ("xa", "xe", "xi", "xu", "ix", "ex", "ax")
_LOCAL_TAIL = ("ra", "lo", "ven", "dar", "mi", "to", "sul", "ber")
_COPY_MARK = ("qa", "qe", "qi", "qo", "qu", "qy", "zq", "wq")  # in no base word either
_LOCAL_FUNCTION = "the of and to in a that for on with as was by at from is".split()


@dataclass(frozen=True, slots=True)
class Out:
    """One paragraph of a planted copy and where it came from."""

    text: str
    origin: frozenset[int] = frozenset()  # base paragraphs; empty: local or boilerplate
    boiler: bool = False
    heavy: bool = False  # rewritten heavily: only the invariants are asserted
    verbatim: bool = True  # the base paragraph's exact text (or a boilerplate line)
    split: bool = False  # one half of a split paragraph
    moved: bool = False


@dataclass(frozen=True, slots=True)
class Planted:
    base: tuple[str, ...]
    copies: tuple[tuple[Out, ...], ...]  # copy 0 is the base text (plus boilerplate)

    def __repr__(self) -> str:
        """The plan in brief (hypothesis prints it for a failing example): per copy, each
        paragraph as its base number(s), ``~`` light / ``!`` heavy rewrite, ``/`` split half,
        ``>`` moved, ``L`` local, ``B`` boilerplate."""
        copies = []
        for copy in self.copies:
            marks = []
            for o in copy:
                if o.boiler:
                    marks.append("B")
                elif not o.origin:
                    marks.append("L")
                else:
                    m = "+".join(str(b) for b in sorted(o.origin))
                    if o.heavy:
                        m += "!"
                    elif not o.verbatim and not o.split:
                        m += "~"
                    m += "/" * o.split + ">" * o.moved
                    marks.append(m)
            copies.append(" ".join(marks))
        return f"Planted({len(self.base)} paragraphs: " + " | ".join(copies) + ")"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))  # hypothesis's printer would spell out every Out

    def versions(self) -> tuple[Version, ...]:
        """Versions as the cleaner would give them, boilerplate already folded."""
        out = []
        for n, copy in enumerate(self.copies):
            paras = tuple(
                Paragraph(i, o.text, Kind.BOILERPLATE, "advert", "planted")
                if o.boiler
                else Paragraph(i, o.text)
                for i, o in enumerate(copy)
            )
            vid = f"v{n}"
            out.append(Version(vid, f"{vid}.txt", Format.TEXT, vid, vid, "#888888", paras))
        return tuple(out)

    def documents(self) -> list[Document]:
        """The copies as a loader would give them, for the cleaner to classify."""
        return [
            Document(
                f"v{n}.txt",
                Path(f"v{n}.txt"),
                Format.TEXT,
                tuple(Block(i, o.text) for i, o in enumerate(copy)),
            )
            for n, copy in enumerate(self.copies)
        ]

    def groups(self) -> dict[int, int]:
        """Base paragraph -> planted row: base paragraphs a copy merged share one row."""
        parent = list(range(len(self.base)))

        def find(x: int) -> int:
            while parent[x] != x:
                x = parent[x]
            return x

        for copy in self.copies:
            for o in copy:
                if len(o.origin) > 1:
                    a, *rest = sorted(o.origin)
                    for b in rest:
                        parent[find(b)] = find(a)
        return {i: find(i) for i in range(len(self.base))}

    def out(self, vid: str, index: int) -> Out:
        return self.copies[int(vid[1:])][index]


def _local_paragraph(rng: random.Random, copy: int) -> str:
    """A paragraph of one copy's own, in words of that copy's own (an outlet's additions
    share no content word with the story nor with another outlet's additions)."""
    words = []
    for _ in range(rng.randint(12, 24)):
        if rng.random() < 0.4:
            words.append(rng.choice(_LOCAL_FUNCTION))
        else:
            tail = "".join(rng.choice(_LOCAL_TAIL) for _ in range(rng.randint(1, 2)))
            words.append(rng.choice(_LOCAL_SYLLABLES) + _COPY_MARK[copy] + tail)
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _substitute(words: _Words, text: str, share: float) -> str:
    """Replace ``share`` of the words (at least one) by words of the story's vocabulary."""
    tokens = text.split()
    k = max(1, round(share * len(tokens)))
    for i in words.rng.sample(range(len(tokens)), k=min(k, len(tokens))):
        tokens[i] = words.content(1)[0]
    return " ".join(tokens)


def _split_text(rng: random.Random, text: str, mid_sentence: bool) -> tuple[str, str] | None:
    """Two halves at a sentence end (or, with ``mid_sentence``, inside the middle third)."""
    if not mid_sentence:
        ends = [i + 1 for i in range(len(text) - 1) if text[i : i + 2] == ". "]
        if not ends:
            return None
        cut = rng.choice(ends)
        return text[:cut], text[cut + 1 :]
    tokens = text.split()
    if len(tokens) < 12:
        return None
    cut = rng.randrange(len(tokens) // 3, 2 * len(tokens) // 3)
    return " ".join(tokens[:cut]), " ".join(tokens[cut:])


OPS = ("same", "same", "same", "light", "heavy", "split", "split-mid")


@st.composite
def planted_stories(draw: st.DrawFn, max_copies: int = 5, max_paragraphs: int = 12) -> Planted:
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(4, max_paragraphs))
    n_copies = draw(st.integers(2, max_copies))
    rng = random.Random(seed)
    words = _Words(rng)
    base = tuple(_paragraph(words) for _ in range(n))
    house = sorted(draw(st.sets(st.integers(0, n - 2), max_size=2)))
    house = [a for k, a in enumerate(house) if k == 0 or a > house[k - 1] + 1]
    in_merge = {a for a in house} | {a + 1 for a in house}
    copies: list[tuple[Out, ...]] = []
    for c in range(n_copies):
        items: list[Out] = [Out(t, frozenset({i})) for i, t in enumerate(base)]
        if c > 0:
            items = _edit_copy(draw, rng, words, items, house, in_merge, c)
        for pos, line in draw(
            st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(BOILERPLATE)), max_size=3)
        ):
            items.insert(pos % (len(items) + 1), Out(line, boiler=True))
        copies.append(tuple(items))
    return Planted(base, tuple(copies))


def _edit_copy(
    draw: st.DrawFn,
    rng: random.Random,
    words: _Words,
    items: list[Out],
    house: list[int],
    in_merge: set[int],
    copy: int,
) -> list[Out]:
    n = len(items)
    items = items[: n - draw(st.integers(0, n - 3))]  # cut from the bottom
    for x in draw(st.lists(st.integers(0, 10**6), max_size=2)):  # cut in the middle
        if len(items) > 3:
            items.pop(x % len(items))
    for a in house:  # a house merge of two untouched neighbours
        at = [k for k, o in enumerate(items[:-1]) if o.origin == {a}]
        if at and items[at[0] + 1].origin == {a + 1} and draw(st.booleans()):
            k = at[0]
            merged = Out(items[k].text + " " + items[k + 1].text, frozenset({a, a + 1}))
            items[k : k + 2] = [merged]
    ops = draw(st.lists(st.sampled_from(OPS), min_size=len(items), max_size=len(items)))
    # one far move of a paragraph that no merge touches
    move = draw(st.none() | st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)))
    moved_at: int | None = None
    if move is not None:
        free = [k for k, o in enumerate(items) if len(o.origin) == 1 and not o.origin & in_merge]
        if free:
            src = free[move[0] % len(free)]
            dests = [d for d in range(len(items)) if abs(d - src) >= 3]
            if dests:
                dst = dests[move[1] % len(dests)]
                o = items.pop(src)
                op = ops.pop(src)
                items.insert(dst, Out(o.text, o.origin, moved=True))
                ops.insert(dst, "light" if op == "light" else "same")
                moved_at = dst
    out: list[Out] = []
    for k, (o, op) in enumerate(zip(items, ops, strict=True)):
        if len(o.origin) > 1:  # merged: untouched
            out.append(o)
            continue
        if op == "light":
            share = draw(st.floats(0.02, 0.15))
            out.append(
                Out(_substitute(words, o.text, share), o.origin, moved=o.moved, verbatim=False)
            )
        elif op == "heavy" and not o.moved:
            share = draw(st.floats(0.3, 0.6))
            out.append(Out(_substitute(words, o.text, share), o.origin, heavy=True, verbatim=False))
        elif op.startswith("split") and not o.moved:
            halves = _split_text(rng, o.text, op == "split-mid")
            if halves is None:
                out.append(o)
            else:
                out += [Out(h, o.origin, verbatim=False, split=True) for h in halves]
        else:
            out.append(o)
        if k == moved_at:
            moved_at = len(out) - 1
    # local additions, never between split halves nor right after the moved paragraph
    for x in draw(st.lists(st.integers(0, 10**6), max_size=2)):
        pos = x % (len(out) + 1)
        if 0 < pos < len(out) and out[pos - 1].split and out[pos - 1].origin == out[pos].origin:
            pos -= 1  # between the halves of one split paragraph: before them instead
        if moved_at is not None and pos == moved_at + 1:
            pos = moved_at
        out.insert(pos, Out(_local_paragraph(rng, copy)))
        if moved_at is not None and pos <= moved_at:
            moved_at += 1
    return out


# ---------------------------------------------------------------------------- helpers
def _members(al: Alignment) -> dict[Key, int]:
    """Every aligned paragraph -> its row number; fails on a paragraph in two places."""
    where: dict[Key, int] = {}
    for r, row in enumerate(al.rows):
        for vid, cell in row.cells.items():
            assert cell.version == vid
            for p in cell.paragraphs:
                key = (vid, p.index, p.part)
                assert key not in where, f"{key} in rows {where[key]} and {r}"
                where[key] = r
    return where


def _row_sets(al: Alignment) -> set[frozenset[Key]]:
    return {
        frozenset((vid, p.index, p.part) for vid, c in r.cells.items() for p in c.paragraphs)
        for r in al.rows
    }


def _moved_keys(al: Alignment) -> set[Key]:
    return {
        (vid, c.paragraphs[0].index, c.paragraphs[0].part)
        for r in al.rows
        for vid, c in r.cells.items()
        if c.moved
    }


def check_invariants(given_versions: Sequence[Version], al: Alignment) -> None:
    """Every body paragraph of every version is in exactly one cell of exactly one row, with
    its own text (a run-together block may be cut into segments: exact slices of it); no
    folded paragraph is aligned; cells are ordered and their positions are reading ranks."""
    where = _members(al)
    by_id = {v.id: v for v in al.versions}
    assert sorted(by_id) == sorted(v.id for v in given_versions)
    for v in given_versions:
        out_v = by_id[v.id]
        assert [p for p in out_v.paragraphs if p.folded] == [p for p in v.paragraphs if p.folded]
        for p in v.body:
            parts = [q for q in out_v.body if q.index == p.index]
            assert parts, (v.id, p.index)
            if len(parts) > 1 or parts[0].part != p.part:  # cut into segments by the aligner
                assert all(q.text in p.text for q in parts)
                joined = "".join(q.text for q in parts)
                assert joined.replace(" ", "") == p.text.replace(" ", "")
            else:
                assert parts[0] == p
            for q in parts:
                assert (v.id, q.index, q.part) in where, ("not aligned", v.id, q.index, q.part)
    assert len(where) == sum(len(v.body) for v in al.versions)
    for row in al.rows:
        assert row.cells, "empty row"
        for vid, cell in row.cells.items():
            assert all(p.kind is Kind.BODY for p in cell.paragraphs)
            order = [(p.index, p.part) for p in cell.paragraphs]
            assert order == sorted(order)
            ranks = [(p.index, p.part) for p in by_id[vid].body]
            assert cell.position == ranks.index(order[0])


def _base_rows(story: Planted, where: dict[Key, int]) -> dict[int, int]:
    """Base paragraph -> the row of v0's copy of it (v0 is the base text with boilerplate)."""
    return {
        min(o.origin): where[("v0", i, 0)]
        for i, o in enumerate(story.copies[0])
        if o.origin and ("v0", i, 0) in where
    }


def check_planted(story: Planted, al: Alignment) -> None:
    """The planted structure is recovered; see the module docstring for what is promised."""
    where = _members(al)
    group = story.groups()
    base_row = _base_rows(story, where)
    # base paragraphs share a row exactly when a copy merged them
    for a in range(len(story.base)):
        for b in range(a + 1, len(story.base)):
            assert (base_row[a] == base_row[b]) == (group[a] == group[b]), (a, b)
    moved = _moved_keys(al)
    for key, r in where.items():
        vid, index, _ = key
        if vid == "v0":
            continue
        o = story.out(vid, index)
        if not o.origin:  # local: content of its own, never in a row of the base's
            assert "v0" not in al.rows[r].cells, ("local paragraph joined a story row", key)
            continue
        if o.heavy:
            continue
        # unchanged, lightly rewritten, split, merged and moved paragraphs: the base row
        assert r == base_row[min(o.origin)], ("not in its base paragraph's row", key, o)
        cell = al.rows[r].cells[vid]
        if o.split:
            halves = [
                p
                for p in cell.paragraphs
                if story.out(vid, p.index).split and story.out(vid, p.index).origin == o.origin
            ]
            assert len(halves) == 2, ("split halves apart", key)
        if o.moved:
            assert key in moved, ("moved paragraph not marked moved", key)
    # no false moves in a copy whose paragraphs were all placed by the plan
    for vid, index, part in moved:
        copy = story.copies[int(vid[1:])]
        if any(o.heavy for o in copy):
            continue
        assert story.out(vid, index).moved, ("marked moved but not moved", vid, index, part)


def check_planted_light(story: Planted, al: Alignment) -> None:
    """Paragraphs the cleaner kept as body and that were not rewritten heavily sit in their
    base paragraph's row (after cleaning, some local lines may be folded: not checked)."""
    where = _members(al)
    base_row = _base_rows(story, where)
    for (vid, index, _), r in where.items():
        o = story.out(vid, index)
        if o.origin and not o.heavy:
            assert r == base_row[min(o.origin)], (vid, index, o)


# ---------------------------------------------------------------------------- properties
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(planted_stories())
def test_invariants_and_planted_structure(story: Planted) -> None:
    """With ``v0`` (the unedited text) as base, every body paragraph is in exactly one row and
    the planted structure comes back: rows, splits, merges, moves."""
    versions = story.versions()
    al = build_alignment(versions, base="v0")
    check_invariants(versions, al)
    check_planted(story, al)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(planted_stories(), st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_input_order(story: Planted, rnd: random.Random) -> None:
    """The same input gives identical rows; any order of the copies gives the same base, the
    same grouping of paragraphs into rows and the same moved cells."""
    versions = story.versions()
    first = build_alignment(versions)
    check_invariants(versions, first)
    assert build_alignment(versions).rows == first.rows
    shuffled = list(versions)
    rnd.shuffle(shuffled)
    other = build_alignment(shuffled)
    assert other.base == first.base
    assert _row_sets(other) == _row_sets(first)
    assert _moved_keys(other) == _moved_keys(first)
    # with the base named, too (the order of the other copies is still free)
    named = build_alignment(versions, base="v0")
    assert _row_sets(build_alignment(shuffled, base="v0")) == _row_sets(named)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(planted_stories(max_copies=4, max_paragraphs=10))
def test_cleaner_folds_planted_boilerplate_and_keeps_the_story(story: Planted) -> None:
    """Through the cleaner: every planted boilerplate line is folded, every verbatim story
    paragraph stays body (another copy shares it), and the alignment of what is left keeps
    the invariants and the planted rows of the paragraphs that stayed body."""
    versions = make_versions(story.documents(), None)
    for v in versions:
        for p in v.paragraphs:
            o = story.out(v.id, p.index)
            if o.boiler:
                assert p.folded, ("boilerplate kept as story", v.id, p.text)
            elif o.verbatim and o.origin:
                assert not p.folded, ("story paragraph folded", v.id, p.text, p.reason)
                assert p.text == o.text
    al = build_alignment(versions, base="v0")
    check_invariants(versions, al)
    check_planted_light(story, al)


@settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow])
@given(planted_stories(max_copies=3, max_paragraphs=8))
def test_load_story_from_files(story: Planted) -> None:
    """End to end from files (one paragraph per blank-line separated block): the loader gives
    the planted paragraphs, and the story aligns as it does in memory."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n, copy in enumerate(story.copies):
            text = "\n\n".join(o.text for o in copy) + "\n"
            (folder / f"v{n}.txt").write_text(text, encoding="utf-8")
        al = load_story([str(folder)], StoryOptions(base="v0"))
    assert sorted(v.id for v in al.versions) == [f"v{n}" for n in range(len(story.copies))]
    check_invariants(make_versions(story.documents(), None), al)
    check_planted_light(story, al)
