"""The aligner's vocabulary: its thresholds, the units it places, the rows it builds and the
grouping it returns (no logic beyond a row's cached representatives)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..features import Feat, Score
from ..model import Paragraph, Version
from ..recache import digest

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
class AlignedRow:
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
                f = Feat.join([u.feat for u in sorted(self.cells[v], key=unit_order)])
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
Known = tuple[list[tuple[int, float]], dict[int, Score]]
HEAD = -1  # the start of the row order, for the commit's linked list (row ids are >= 0)


def near_identical(sc: Score) -> bool:
    """The same paragraph, nearly word for word, with almost all its words in the row."""
    return sc.full >= T_NEAR_IDENTICAL and sc.inside >= T_NEAR_IDENTICAL


def unit_order(u: Unit) -> tuple[int, int]:
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


def fingerprint(v: Version) -> str:
    """Content, then the (file-name based) id: a tie-break independent of input order."""
    return digest("\n".join(p.text for p in v.body)) + v.id
