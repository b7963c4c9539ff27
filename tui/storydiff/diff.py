"""Word-level differences between two cells, and the row statistics built on them.

Tokens are whitespace-delimited chunks of the user's own text compared by a typographic key
(:func:`storydiff.textnorm.token_key`), so ``Syria's`` and ``Syria’s`` are no difference while
the shown text keeps each copy's characters.  The edit script comes from rapidfuzz's Indel
(LCS) opcodes on cached token lists; a deletion next to an insertion is reported as a
replacement, which is how a reader thinks of a changed word.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import cast

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from .model import DiffOp, Op
from .textnorm import has_digit, match_key, tokenize


def word_diff(ref: str, text: str) -> tuple[DiffOp, ...]:
    """The edits that turn ``ref`` into ``text``, word by word, in ``text``'s order."""
    (rt, rk), (tt, tk) = tokenize(ref), tokenize(text)
    ops: list[DiffOp] = []
    gone, added = "", ""  # unmatched text of the reference and of this cell since the last equal

    def flush() -> None:
        nonlocal gone, added
        if gone and added:
            ops.append(_op(Op.REPLACE, added, gone))
        elif gone:
            ops.append(_op(Op.DELETE, "", gone))
        elif added:
            ops.append(_op(Op.INSERT, added, ""))
        gone, added = "", ""

    # (as plain tuples: the opcode objects' attributes cost more than the edits they hold)
    script = cast("list[tuple[str, int, int, int, int]]", Indel.opcodes(rk, tk).as_list())
    for tag, i1, i2, j1, j2 in script:
        ref_part = "".join(rt[i1:i2])
        own_part = "".join(tt[j1:j2])
        if tag == "equal":
            flush()
            ops.append(DiffOp(Op.EQUAL, own_part, ref_part))
        else:
            gone += ref_part
            added += own_part
    flush()
    return tuple(_coalesce(ops))


def _op(op: Op, text: str, ref: str) -> DiffOp:
    return DiffOp(op, text, ref, number=has_digit(text) or has_digit(ref))


def _coalesce(ops: list[DiffOp]) -> list[DiffOp]:
    """Join neighbouring ops of one kind, so a run of changed words reads as one change."""
    out: list[DiffOp] = []
    for op in ops:
        if out and out[-1].op is op.op:
            last = out[-1]
            number = last.number or op.number
            out[-1] = DiffOp(op.op, last.text + op.text, last.ref + op.ref, number)
        else:
            out.append(op)
    return out


def similarity(a: str, b: str) -> float:
    """0..1 similarity of two cells' texts, blind to typography."""
    return round(fuzz.ratio(match_key(a), match_key(b)) / 100.0, 4)


def consensus_index(texts: Sequence[str], sample: int = 16) -> int:
    """Index of the row's majority reading: the most common wording (by typographic key);
    when every copy words it differently, the medoid of (a sample of) the cells."""
    keys = [match_key(t) for t in texts]
    counts = Counter(keys)
    _, n = counts.most_common(1)[0]
    if n > 1:
        best = max(c for c in counts.values())
        winners = sorted(k for k, c in counts.items() if c == best)
        return keys.index(winners[0])
    pool = list(range(len(keys)))[:sample]
    scores = [(sum(fuzz.ratio(keys[i], keys[j]) for j in pool if j != i), -i) for i in pool]
    return -max(scores)[1]
