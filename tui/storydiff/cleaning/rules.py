"""Site-chrome knowledge as data: loading and compiling ``data/chrome.toml``.

What sites wrap around a story changes faster than code should, so the patterns live in a TOML
file a maintainer can extend without reading the classifier.  This module expands the file's
``<<NAME>>`` definitions and arranges the patterns so that a paragraph costs a handful of
cheap tests instead of hundreds of regex scans (what each pattern needs is read from its
parse tree by :mod:`.prefilter`):

* an anchored pattern (``^...``) that can only start with a few characters is in one
  alternation with the others for each of them, the rest in one alternation for any text;
  each is one ``match``, behind a marker character that tells the patterns' length guards
  how long the text is;
* every other pattern needs some literal text (``\\bsee also\\b`` needs "see also").  Most
  such literals start with a whole word, looked up in the set of the paragraph's words; the
  few others are tested with ``in``.  Only a pattern whose literal is there is tried.

All of that is worked out once per version of the file and kept, as plain data, with the
compiled regex programs (:mod:`storydiff.recache`), so a new process only rebuilds objects.
Patterns are run as before: lower-cased ones on the lower-cased text, the ones with a
``(?-i:...)`` part on the text with IGNORECASE, the length guards checked in Python; the
prefilters only skip patterns that cannot match.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from storydiff.errors import StorydiffError
from storydiff.model import Kind
from storydiff.recache import PatternCache, digest

CHROME_FILE = Path(__file__).resolve().parent.parent / "data" / "chrome.toml"
_MACRO = re.compile(r"<<([A-Z_]+)>>")
_FLAGS = re.IGNORECASE
_PLAN = "rules-plan-1"  # the derived data's name in the cache: change it with its layout
# prefilter.worth of the literals a pattern needs: to try it only where they are at all, and
# to do so for an anchored one (which fails at once on most texts anyway)
_FAIR, _GOOD = 3, 4
_FEW_LITERALS = 8  # ... an anchored one needing one of more literals than this: no test
_MAX_GATE = 32  # any pattern needing one of more literals than this: no test
_FEW_FIRST = 12  # an anchored pattern that can start with no more characters: no test
_NARROW = 4  # an anchored pattern that can start with no more characters is tried only on
# texts that start with one of them (the others on every text)
_FEW_TESTS = 16  # literals to find: up to this many, an ``in`` test each beats a regex scan
TAIL_WINDOW = 200  # end-anchored unanchored patterns (photo credits) look at this many chars


@dataclass(frozen=True, slots=True)
class Category:
    """One kind of chrome or metadata: what to call it and where it applies."""

    id: str
    kind: Kind
    role: str
    reason: str
    prefix: bool = False  # matched at the start of a paragraph and split off (datelines)
    first_body_only: bool = False  # only on the copy's first story paragraph


# Compiled programs of an earlier run (see storydiff.recache), set up by load_rules().
_programs: PatternCache | None = None


def _re(source: str, flags: int = 0) -> re.Pattern[str]:
    return _programs.compile(source, flags) if _programs is not None else re.compile(source, flags)


@cache
def _compiled(source: str, flags: int) -> re.Pattern[str]:
    """Compile on first use: most patterns are needed only for the rare paragraph that has
    what they need, and compiling everything up front doubled the start-up cost."""
    return _re(source, flags)


class _Spec(NamedTuple):
    """One pattern, as it is run (plain data: kept in the cache between processes)."""

    idx: int  # its category
    source: str  # lower-cased unless cased; the length guard taken out
    cased: bool  # run on the text with IGNORECASE, else on the lower-cased text without
    anchored: bool  # use match (position 0) instead of search
    tail: bool  # end-anchored: only the last TAIL_WINDOW characters can match
    max_len: int | None  # the pattern's own length guard, checked in Python
    gate: tuple[str, ...] | None  # literals one of which any match needs
    bounded: bool  # ... at the start of a word
    words: tuple[str, ...] | None  # ... which is one of these whole words
    first: str | None  # characters text.lower() must start with for a match (NON_ASCII:
    # any character outside ASCII)
    free: bool  # anchored, and can be run behind a marker (see _Dispatch)


def _matches(spec: _Spec, text: str, low: str) -> bool:
    """Does the pattern (one tried on its own) match the paragraph?  Once its literal was
    found, or always if it has none."""
    subject = text if spec.cased else low
    if spec.max_len is not None and (len(subject) > spec.max_len or len(text) > spec.max_len + 8):
        return False
    if spec.words is not None:  # found by its first word: the rest of it is needed too
        for lit in spec.gate or ():
            if lit in low:
                break
        else:
            return False
    if spec.tail and len(subject) > TAIL_WINDOW:
        subject = "\x00" + subject[-TAIL_WINDOW:]  # \x00: no false "^" at the cut
    pat = _compiled(spec.source, _FLAGS if spec.cased else 0)
    return (pat.match(subject) if spec.anchored else pat.search(subject)) is not None


_RUN = re.compile(r"\w+")
# ASCII characters that are not word characters, to spaces: for ASCII text, what str.split
# then returns are exactly the runs of word characters (\w+), and much faster (bytes: their
# translate is several times faster than str's).
_NON_WORD = bytes(c for c in range(128) if not (chr(c).isalnum() or chr(c) == "_"))
_NON_WORD_TO_SPACE = bytes.maketrans(_NON_WORD, b" " * len(_NON_WORD))


def words_of(low: str) -> set[str]:
    """The runs of word characters (``\\w+``) of a text: its words, for set lookups."""
    if low.isascii():
        return set(low.encode("ascii").translate(_NON_WORD_TO_SPACE).decode("ascii").split())
    return set(_RUN.findall(low))


_MARKERS = [chr(1 + j) for j in range(32)]
# prefilter.NON_ASCII (prefilter is only imported to make a plan, not on every run)
NON_ASCII = "\x80"  # a text's length class, put in front of it


class _Dispatch:
    """Anchored patterns of one kind (cased or lower-cased), by first character.

    A text is matched with a marker in front saying how long it is (its class among
    ``limits``), and each pattern in an alternation starts with the markers its length limit
    admits: one ``match`` for all lengths.  A pattern that can start with only a few
    characters is in the alternation for each of them (``by_char``), the others in ``broad``;
    a named group per category says which category matched.  (Plain classes here, not
    dataclasses: they are quicker to define, and every run of the command defines them.)"""

    __slots__ = ("alternations", "broad", "by_char", "cased", "compiled", "limits", "specs")

    def __init__(
        self,
        specs: list[_Spec],
        cased: bool,
        limits: list[int],
        alternations: list[tuple[int, ...]],  # indices into specs, in category order
        by_char: dict[str, int],  # a first character of lower-cased text -> its alternation
        broad: int | None,
    ) -> None:
        self.specs = specs
        self.cased = cased
        self.limits = limits
        self.alternations = alternations
        self.by_char = by_char
        self.broad = broad
        self.compiled: list[re.Pattern[str] | None] = [None] * len(alternations)

    def regex(self, k: int) -> re.Pattern[str]:
        pat = self.compiled[k]
        if pat is None:
            pat = self.compiled[k] = self._compile(self.alternations[k])
        return pat

    def _compile(self, members: tuple[int, ...]) -> re.Pattern[str]:
        last = len(self.limits)
        by_cat: dict[int, list[str]] = {}
        for i in members:
            spec = self.specs[i]
            top = last if spec.max_len is None else self.limits.index(spec.max_len)
            branch = f"[\\x01-\\x{top + 1:02x}](?:{spec.source[1:]})"
            by_cat.setdefault(spec.idx, []).append(branch)
        source = "|".join(f"(?P<c{idx}>{'|'.join(ps)})" for idx, ps in by_cat.items())
        return _re(source, _FLAGS if self.cased else 0)

    def first(self, text: str, low: str, key: str, size: int) -> int | None:
        """The lowest category matching; ``key``: the first character of ``low`` (NON_ASCII
        for any outside ASCII, "" for none); ``size``: the length the limits apply to."""
        k = self.by_char.get(key)
        broad = self.broad
        if k is None and broad is None:
            return None
        subject = _MARKERS[bisect_left(self.limits, size)] + (text if self.cased else low)
        best: int | None = None
        if k is not None:
            m = (self.compiled[k] or self.regex(k)).match(subject)
            if m is not None and m.lastgroup is not None:
                best = int(m.lastgroup[1:])
        if broad is not None:
            m = (self.compiled[broad] or self.regex(broad)).match(subject)
            if m is not None and m.lastgroup is not None:
                idx = int(m.lastgroup[1:])
                if best is None or idx < best:
                    best = idx
        return best


class _Tier:
    """All categories' patterns of one strength (see the module's docstring)."""

    __slots__ = ("by_literal", "by_word", "cased", "gated", "lower", "rest", "words")

    def __init__(
        self,
        lower: _Dispatch,
        cased: _Dispatch,
        gated: tuple[_Spec, ...],  # in category order
        by_literal: dict[str, tuple[int, ...]],  # a literal found -> the gated it allows
        by_word: dict[str, tuple[int, ...]],  # a word of the text -> the gated it allows
        rest: tuple[_Spec, ...],  # no literal known: always tried (none in today's file)
    ) -> None:
        self.lower = lower
        self.cased = cased
        self.gated = gated
        self.by_literal = by_literal
        self.by_word = by_word
        self.words = frozenset(by_word)
        self.rest = rest

    def first(self, text: str, low: str, found: Sequence[str], runs: Set[str]) -> int | None:
        """The lowest category index with a match; ``low`` is ``text.lower()``, ``found``
        the literals :meth:`Rules.literals` found in it and ``runs`` its words (``\\w+``)."""
        key = "" if not low else low[0] if low[0] < NON_ASCII else NON_ASCII
        size = len(text)
        best = self.lower.first(text, low, key, max(len(low), size - 8))
        idx = self.cased.first(text, low, key, size)
        if idx is not None and (best is None or idx < best):
            best = idx
        worded = not self.words.isdisjoint(runs)
        if found or worded:
            allowed: set[int] = set()
            for lit in found:
                allowed.update(self.by_literal.get(lit, ()))
            if worded:
                for word in self.words & runs:
                    allowed.update(self.by_word[word])
            for i in sorted(allowed):
                spec = self.gated[i]
                if best is not None and spec.idx >= best:
                    break
                if _matches(spec, text, low):
                    best = spec.idx
        for spec in self.rest:
            if best is not None and spec.idx >= best:
                break
            if _matches(spec, text, low):
                best = spec.idx
        return best


class _Scans:
    """What finds the literals of the gated patterns that have no whole words to look up,
    by the length of the text: ``levels[j]`` serves the patterns whose length limit is at
    least ``limits[j]``.  A level is either a few literals, each tested with ``in``, or
    regexes (sources, compiled on first use), each with a quicker test that must find
    something first (or None)."""

    __slots__ = ("compiled", "levels", "limits")

    def __init__(
        self,
        limits: list[int],
        levels: list[tuple[tuple[str, ...] | None, list[tuple[str | None, str]]]],
    ) -> None:
        self.limits = limits
        self.levels = levels
        self.compiled: dict[int, list[tuple[re.Pattern[str] | None, re.Pattern[str]]]] = {}

    def find(self, low: str, size: int) -> list[str]:
        j = bisect_left(self.limits, size)
        few, sources = self.levels[j]
        if few is not None:
            return [lit for lit in few if lit in low]
        scans = self.compiled.get(j)
        if scans is None:
            scans = self.compiled[j] = [
                (None if test is None else _re(test), _re(scan)) for test, scan in sources
            ]
        found: list[str] = []
        for test, scan in scans:
            if test is None or test.search(low) is not None:
                found += scan.findall(low)
        return found


class _Cue:
    """A word-level cue, with what lets most texts skip it."""

    __slots__ = ("exact", "gate", "leads", "pattern", "words")

    def __init__(
        self,
        pattern: re.Pattern[str],
        gate: tuple[str, ...] | None,  # literals (lower-cased) one of which it needs
        words: frozenset[str] | None,  # a ``\b(?:...)\b`` list: its one-word alternatives
        leads: frozenset[str],  # ... and the first words of its longer ones
        exact: bool,  # the words are its own (lower-case) alternatives, not lower-cased ones
    ) -> None:
        self.pattern = pattern
        self.gate = gate
        self.words = words
        self.leads = leads
        self.exact = exact

    def search(self, text: str, low: str | None = None) -> bool:
        """Does the cue occur in ``text``?  ``low`` is ``text.lower()`` if the caller has it
        (for the lower-cased cues, ``text`` is lower-cased already)."""
        if self.gate is not None:
            subject = text if low is None else low
            for lit in self.gate:
                if lit in subject:
                    break
            else:
                return False
        return self.pattern.search(text) is not None

    def among(self, text: str, runs: set[str] | frozenset[str], whole: bool) -> bool:
        """:meth:`search`, given ``runs``: the runs of word characters (``\\w+``) of a
        lower-cased text that ``text.lower()`` is part of; ``whole``: of ``text`` itself."""
        if self.words is None:
            return self.search(text)
        if not self.words.isdisjoint(runs):
            return (whole and self.exact) or self.pattern.search(text) is not None
        if self.leads and not self.leads.isdisjoint(runs):
            return self.pattern.search(text) is not None
        return False


@dataclass(frozen=True, slots=True)
class Cues:
    """Word-level evidence that a unique paragraph is chrome (or, for the last two, news)."""

    # All run on lower-cased text, except first_person (cased: "US" is not "us").
    imperative: re.Pattern[str]  # one of the imperatives opening the text
    second_person: _Cue
    first_person: _Cue
    reporting: _Cue
    third_person: _Cue
    email: _Cue
    web_address: _Cue


@dataclass(frozen=True, slots=True, eq=False)
class Rules:
    """The compiled file (hashed by identity: it keys the per-text analysis cache)."""

    categories: tuple[Category, ...]
    cues: Cues
    strong_tier: _Tier
    weak_tier: _Tier
    datelines: tuple[tuple[Category, re.Pattern[str], tuple[str, ...] | None], ...]
    scans: _Scans

    def literals(self, low: str, size: int = 0) -> list[str]:
        """The literals needed by patterns that have no whole word to look up, found in the
        lower-cased text (by a scan: at each position the longest, the shorter ones there
        being its prefixes).  ``size``: the length of the text, to leave out the patterns
        for shorter texts."""
        return self.scans.find(low, size - 8)

    def strong(
        self,
        text: str,
        low: str,
        found: Sequence[str] | None = None,
        runs: Set[str] | None = None,
    ) -> Category | None:
        """The first category (file order) whose strong patterns match the paragraph.

        ``text`` is the matching form of the paragraph, ``low`` the same lower-cased;
        ``found`` is :meth:`literals` of ``low`` and ``runs`` :func:`words_of` it, when the
        caller has them already."""
        return self._first(self.strong_tier, text, low, found, runs)

    def weak(
        self,
        text: str,
        low: str,
        found: Sequence[str] | None = None,
        runs: Set[str] | None = None,
    ) -> Category | None:
        """The same for the weak patterns (evidence, not a verdict)."""
        return self._first(self.weak_tier, text, low, found, runs)

    def _first(
        self,
        tier: _Tier,
        text: str,
        low: str,
        found: Sequence[str] | None,
        runs: Set[str] | None,
    ) -> Category | None:
        found = self.literals(low, len(text)) if found is None else found
        idx = tier.first(text, low, found, words_of(low) if runs is None else runs)
        return None if idx is None else self.categories[idx]

    def prefix(self, text: str, low: str | None = None) -> tuple[Category, int] | None:
        """A dateline opening ``text``: its category and where the match ends in ``text``
        (``low``: ``text.lower()``, if the caller has it)."""
        if low is None:
            low = text.lower()
        for cat, pat, gate in self.datelines:
            if gate is not None and not any(lit in low for lit in gate):
                continue
            m = pat.match(text)
            if m is not None:
                return cat, m.end()
        return None


def _expand(pattern: str, defines: Mapping[str, str], depth: int = 0) -> str:
    if depth > 10:
        raise ValueError(f"chrome.toml: definitions nest too deeply in {pattern[:60]!r}")

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in defines:
            raise ValueError(f"chrome.toml: <<{name}>> is not defined")
        return _expand(defines[name], defines, depth + 1)

    return _MACRO.sub(sub, pattern)


def _raw() -> dict[str, Any]:
    import tomllib  # (only needed to make a plan: see load_rules)

    return tomllib.loads(CHROME_FILE.read_text(encoding="utf-8"))


def iter_patterns(raw: Mapping[str, Any] | None = None) -> Iterator[tuple[str, str, str]]:
    """Every pattern of the file, expanded: ``(category id, "strong"/"weak"/"cue", pattern)``.

    For the tests that check each one compiles on its own, so a bad edit names its line."""
    raw = raw if raw is not None else _raw()
    defines: dict[str, str] = dict(raw.get("define", {}))
    for name, value in raw.get("cues", {}).items():
        if isinstance(value, str):
            yield "cues", name, _expand(value, defines)
    for cat in raw.get("category", []):
        for strength in ("strong", "weak"):
            for pat in cat.get(strength, []):
                yield cat["id"], strength, _expand(pat, defines)


_ESCAPE_OR_RUN = re.compile(r"(\\.)|([^\\]+)", re.DOTALL)


def lower_pattern(pattern: str) -> str:
    """Lower-case a pattern's literals but not its escapes (``\\S`` is not ``\\s``)."""
    return _ESCAPE_OR_RUN.sub(lambda m: m.group(1) or m.group(2).lower(), pattern)


_GUARD = re.compile(r"^\^\(\?=\.\{0,(\d+)\}\$\)")


def gate_of(required: Sequence[str] | None, strict: bool = False) -> tuple[str, ...] | None:
    """The literals worth testing for before running a pattern, or None (always run it).

    Two letters, or a "." or ":", are in nearly every paragraph: testing for them, or for
    dozens of literals, costs more than it saves.  ``strict``: only rare literals (to skip
    a pattern that is cheap to try anyway)."""
    if not required or len(required) > (_FEW_LITERALS if strict else _MAX_GATE):
        return None
    from .prefilter import worth

    if min(map(worth, required)) < (_GOOD if strict else _FAIR):
        return None
    return tuple(required)


def _spec(idx: int, p: str) -> _Spec:
    """How to run one (expanded) pattern of a tier.

    A leading ``(?=.{0,N}$)`` guard becomes a length limit checked once in Python instead of
    by the engine; patterns with no case-sensitive part are lower-cased and run without
    IGNORECASE on the lower-cased text, which the engine scans several times faster."""
    cased = "(?-i:" in p
    guard = _GUARD.match(p)
    max_len = int(guard.group(1)) if guard else None
    if guard:
        p = "^" + p[guard.end() :]
        if p.startswith("^.*") and not p.startswith("^.*$"):
            p = p[3:]  # "^(?=.{0,N}$).*X" is a search for X in a short line
    if not cased:
        p = lower_pattern(p)
    anchored = p.startswith("^")
    tail = not anchored and p.endswith("$") and ".*" not in p and "{0," not in p[-80:]
    from .prefilter import conditions

    required, bounded, words, first, free = conditions(p, _FLAGS if cased else 0)
    broad = first is None or len(first) > _FEW_FIRST
    gate = gate_of(required, strict=anchored) if broad or not anchored else None
    words = words if gate is not None else None
    return _Spec(idx, p, cased, anchored, tail, max_len, gate, bounded, words, first, free)


def _dispatch_plan(specs: list[_Spec], members: list[int]) -> dict[str, Any]:
    """The alternations of a dispatcher (see _Dispatch)."""
    limits = sorted({m for i in members if (m := specs[i].max_len) is not None})
    alternations: list[list[int]] = []
    seen: dict[tuple[int, ...], int] = {}

    def alternation(ids: list[int]) -> int:
        key = tuple(ids)
        if key not in seen:
            seen[key] = len(alternations)
            alternations.append(ids)
        return seen[key]

    narrow = [i for i in members if (f := specs[i].first) is not None and len(f) <= _NARROW]
    broad = [i for i in members if i not in narrow]
    chars = sorted({c for i in narrow for c in specs[i].first or ""})
    by_char = {c: alternation([i for i in narrow if c in (specs[i].first or "")]) for c in chars}
    return {
        "limits": limits,
        "alternations": alternations,
        "by_char": by_char,
        "broad": alternation(broad) if broad else None,
    }


def _tier_plan(specs: list[_Spec], literals: Sequence[str]) -> dict[str, Any]:
    """How to run a tier; ``literals``: what the scans of :meth:`Rules.literals` can find
    (the literals of the gated patterns without whole words)."""
    dispatch: list[int] = []
    gated: list[int] = []
    rest: list[int] = []
    for i, s in enumerate(specs):
        if s.gate is not None:
            gated.append(i)
        elif s.free:
            dispatch.append(i)  # fails at once on most texts: one alternation for them all
        else:
            rest.append(i)
    # A scan reports the longest literal at a position: the patterns that need any prefix of
    # it are allowed (the literals found there).
    by_literal: dict[str, list[int]] = {}
    for lit in literals:
        allowed = [
            k
            for k, i in enumerate(gated)
            if specs[i].words is None and any(lit.startswith(g) for g in specs[i].gate or ())
        ]
        if allowed:
            by_literal[lit] = allowed
    by_word: dict[str, list[int]] = {}
    for k, i in enumerate(gated):
        for word in specs[i].words or ():
            by_word.setdefault(word, []).append(k)
    return {
        "specs": [list(s) for s in specs],
        "lower": _dispatch_plan(specs, [i for i in dispatch if not specs[i].cased]),
        "cased": _dispatch_plan(specs, [i for i in dispatch if specs[i].cased]),
        "gated": gated,
        "by_literal": by_literal,
        "by_word": by_word,
        "rest": rest,
    }


def _trie(words: Sequence[str]) -> str:
    """One regex for a set of literals, shared prefixes factored out (much faster to scan
    for than a flat alternation); where several match, it takes the longest."""
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer one first

    return emit(root)


def _plan(text: str) -> dict[str, Any]:
    """Everything load_rules derives from the file, as plain data."""
    import tomllib

    from . import prefilter
    from .prefilter import conditions, word_list

    if prefilter.NON_ASCII != NON_ASCII:  # pragma: no cover - the two must be the same
        raise AssertionError("rules.NON_ASCII is not prefilter.NON_ASCII")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # an edit of the data file went wrong
        raise StorydiffError(f"{CHROME_FILE}: {exc} (fix or restore the file)") from exc
    defines: dict[str, str] = dict(raw.get("define", {}))
    cats: list[list[Any]] = []
    strong: list[list[str]] = []
    weak: list[list[str]] = []
    datelines: list[list[Any]] = []
    for idx, c in enumerate(raw.get("category", [])):
        prefix = bool(c.get("prefix", False))
        cats.append(
            [c["id"], c["kind"], c["role"], c["reason"], prefix, bool(c.get("first_body_only"))]
        )
        patterns = [_expand(p, defines) for p in c.get("strong", [])]
        if prefix:  # datelines: matched on the text as it is, so offsets are exact
            source = "|".join(f"(?:{p})" for p in patterns)
            gate = gate_of(conditions(source, _FLAGS).required)
            datelines.append([idx, source, None if gate is None else list(gate)])
            patterns = []
        strong.append(patterns)
        weak.append([_expand(p, defines) for p in c.get("weak", [])])
    cue = raw["cues"]
    cues: dict[str, list[Any]] = {}
    for name in ("second_person", "first_person", "reporting", "third_person"):
        # run on the lower-cased text, except the cased ones (``us`` is not ``US``), which
        # are written with their exact case
        p = _expand(cue[name], defines)
        source = p if "(?-i:" in p else lower_pattern(p)
        gate = gate_of(conditions(source, 0).required)
        listed = word_list(source, 0)
        cues[name] = [source, None if gate is None else list(gate), listed]
    for name in ("email", "web_address"):  # the caller tests for "@", "http", "www." first
        p = _expand(cue[name], defines)
        cues[name] = [p if "(?-i:" in p else lower_pattern(p), None, None]
    imperative = (
        "(?:"
        + "|".join(re.escape(w.lower()) for w in sorted(cue["imperatives"], key=len, reverse=True))
        + r")(?!\w)"
    )
    # The literals the gated patterns need whose first words are not known, in two scans: a
    # \b in front lets the engine skip the inside of words, but cannot be put before "(" or
    # "/".  A long paragraph only needs the literals of the patterns without a length limit.
    specs = {
        name: [_spec(idx, p) for idx, patterns in enumerate(per_category) for p in patterns]
        for name, per_category in (("strong", strong), ("weak", weak))
    }
    gated = [s for tier in specs.values() for s in tier if s.gate is not None and not s.words]
    limits = sorted({s.max_len for s in gated if s.max_len is not None})
    levels: list[list[Any]] = []
    for level in [*limits, None]:
        words: set[str] = set()
        others: set[str] = set()
        for s in gated:
            if s.max_len is None or (level is not None and s.max_len >= level):
                (words if s.bounded else others).update(s.gate or ())
        if len(words | others) <= _FEW_TESTS:
            levels.append([sorted(words | others), []])
            continue
        scans: list[list[str | None]] = []
        if words:  # only where a word starts
            scans.append([None, r"\b(?=(" + _trie(sorted(words)) + "))"])
        if others:  # ("/", ")"...) a lookahead at every position is slow: test first
            scans.append([_trie(sorted(others)), "(?=(" + _trie(sorted(others)) + "))"])
        levels.append([None, scans])
    literals = sorted({lit for s in gated for lit in s.gate or ()})
    return {
        "categories": cats,
        "datelines": datelines,
        "cues": cues,
        "imperative": imperative,
        "scans": {"limits": limits, "levels": levels},
        "strong": _tier_plan(specs["strong"], literals),
        "weak": _tier_plan(specs["weak"], literals),
    }


def _dispatch(specs: list[_Spec], cased: bool, plan: Mapping[str, Any]) -> _Dispatch:
    alternations = [tuple(ids) for ids in plan["alternations"]]
    limits = list(plan["limits"])
    if len(limits) >= len(_MARKERS):
        raise ValueError("too many length limits")
    return _Dispatch(specs, cased, limits, alternations, dict(plan["by_char"]), plan["broad"])


def _tier(plan: Mapping[str, Any]) -> _Tier:
    specs = [_Spec(*s) for s in plan["specs"]]
    return _Tier(
        _dispatch(specs, False, plan["lower"]),
        _dispatch(specs, True, plan["cased"]),
        tuple(specs[i] for i in plan["gated"]),
        {lit: tuple(allowed) for lit, allowed in plan["by_literal"].items()},
        {word: tuple(allowed) for word, allowed in plan["by_word"].items()},
        tuple(specs[i] for i in plan["rest"]),
    )


def _build(plan: Mapping[str, Any]) -> Rules:
    cats = tuple(
        Category(id=i, kind=Kind(k), role=r, reason=why, prefix=p, first_body_only=f)
        for i, k, r, why, p, f in plan["categories"]
    )
    datelines = tuple(
        (cats[idx], _re(source, _FLAGS), None if gate is None else tuple(gate))
        for idx, source, gate in plan["datelines"]
    )

    def cue(name: str) -> _Cue:
        source, gate, listed = plan["cues"][name]
        words, leads = listed if listed is not None else (None, ())
        return _Cue(
            _re(source),
            None if gate is None else tuple(gate),
            None if words is None else frozenset(words),
            frozenset(leads),
            source == source.lower(),  # no capital in it: the lower-cased words are its own
        )

    cues = Cues(
        imperative=_re(plan["imperative"]),
        second_person=cue("second_person"),
        first_person=cue("first_person"),
        reporting=cue("reporting"),
        third_person=cue("third_person"),
        email=cue("email"),
        web_address=cue("web_address"),
    )
    scans = _Scans(
        list(plan["scans"]["limits"]),
        [
            (None if few is None else tuple(few), [(test, scan) for test, scan in sources])
            for few, sources in plan["scans"]["levels"]
        ],
    )
    return Rules(cats, cues, _tier(plan["strong"]), _tier(plan["weak"]), datelines, scans)


@cache
def load_rules() -> Rules:
    """The compiled rules, read once per process (their regex programs once per data file)."""
    global _programs
    text = CHROME_FILE.read_text(encoding="utf-8")
    _programs = PatternCache("chrome-" + digest(text))
    plan = _programs.memo(_PLAN, lambda: _plan(text))
    try:
        return _build(plan)
    except (KeyError, TypeError, ValueError, IndexError):  # a damaged cache entry: redo it
        _programs.entries.pop(f"memo:{_PLAN}", None)
        return _build(_programs.memo(_PLAN, lambda: _plan(text)))
