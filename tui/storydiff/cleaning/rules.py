"""Site-chrome knowledge as data: loading and compiling ``data/chrome.toml``.

What sites wrap around a story changes faster than code should, so the patterns live in a TOML
file a maintainer can extend without reading the classifier.  This module expands the file's
``<<NAME>>`` definitions, compiles all patterns of a strength into a few alternations (a handful
of regex calls per paragraph instead of one per pattern), and caches the result for the life of
the process.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from storydiff.model import Kind

CHROME_FILE = Path(__file__).resolve().parent.parent / "data" / "chrome.toml"
_MACRO = re.compile(r"<<([A-Z_]+)>>")
_FLAGS = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class Category:
    """One kind of chrome or metadata: what to call it and where it applies."""

    id: str
    kind: Kind
    role: str
    reason: str
    prefix: bool = False  # matched at the start of a paragraph and split off (datelines)
    first_body_only: bool = False  # only on the copy's first story paragraph


@dataclass(frozen=True, slots=True)
class _Group:
    """Patterns that are run the same way (anchored or not, cased or not, same length limit).

    Anchored patterns form one alternation with a named group per category, so one ``match``
    says which category it was.  Unanchored ones are searched as a plain alternation (named
    groups defeat the engine's skip-ahead optimisation) and only a text that matches is tried
    category by category; before that, a fast search for the literals most patterns require
    lets a paragraph that contains none of them skip those patterns altogether."""

    any: re.Pattern[str]
    members: tuple[tuple[int, str], ...]  # (category index, its patterns), compiled on use
    anchored: bool  # use match (position 0) instead of search
    cased: bool  # run on the text as it is (IGNORECASE) rather than the lower-cased text
    max_len: int | None  # the patterns' own length guard, checked here instead
    trigger: re.Pattern[str] | None = None  # literals one of which some patterns require
    rest: re.Pattern[str] | None = None  # the patterns without such a literal
    tail: bool = False  # end-anchored patterns: only the end of the text can match

    def first(self, text: str, low: str) -> int | None:
        subject = text if self.cased else low
        if self.max_len is not None and len(subject) > self.max_len:
            return None
        if self.tail and len(subject) > TAIL_WINDOW:
            subject = "\x00" + subject[-TAIL_WINDOW:]  # \x00: no false "^" at the cut
        candidates: re.Pattern[str] | None = self.any
        if self.trigger is not None and self.trigger.search(subject) is None:
            candidates = self.rest  # no required literal present: only the others can match
        if candidates is None:
            return None
        if self.anchored:  # a named group per category: the match says which one
            m = candidates.match(subject)
            return None if m is None or m.lastgroup is None else int(m.lastgroup[1:])
        if candidates.search(subject) is None:
            return None
        flags = _FLAGS if self.cased else 0
        for idx, source in self.members:
            pat = _compiled(source, flags)
            if (pat.match(subject) if self.anchored else pat.search(subject)) is not None:
                return idx
        return None


@cache
def _compiled(source: str, flags: int) -> re.Pattern[str]:
    """Compile on first use: most category patterns are needed only when their group's
    alternation matched, and compiling everything up front doubled the start-up cost."""
    return re.compile(source, flags)


@dataclass(frozen=True, slots=True)
class _Tier:
    """All categories' patterns of one strength.

    Anchored patterns are tried with ``match`` (a ``search`` would try every anchored branch at
    every position); patterns with no case-sensitive part are lower-cased and run without
    IGNORECASE on the lower-cased text, which the engine scans several times faster; a leading
    ``(?=.{0,N}$)`` length guard is checked in Python, once, instead of by every branch.  All
    together this made matching the seed copies about ten times faster than one ``search`` per
    pattern."""

    groups: tuple[_Group, ...]

    def first(self, text: str, low: str) -> int | None:
        """The lowest category index with a match; ``low`` is ``text.lower()``."""
        best: int | None = None
        size = len(text)
        for group in self.groups:
            if group.max_len is not None and size > group.max_len + 8:
                continue  # cheap skip (lower-casing may change the length a little)
            idx = group.first(text, low)
            if idx is not None and (best is None or idx < best):
                best = idx
        return best


@dataclass(frozen=True, slots=True)
class Cues:
    """Word-level evidence that a unique paragraph is chrome (or, for the last two, news)."""

    # All run on lower-cased text, except first_person (cased: "US" is not "us").
    imperative: re.Pattern[str]  # one of the imperatives opening the text
    second_person: re.Pattern[str]
    first_person: re.Pattern[str]
    reporting: re.Pattern[str]
    third_person: re.Pattern[str]
    email: re.Pattern[str]
    web_address: re.Pattern[str]


@dataclass(frozen=True, slots=True, eq=False)
class Rules:
    """The compiled file (hashed by identity: it keys the per-text analysis cache)."""

    categories: tuple[Category, ...]
    cues: Cues
    strong_tier: _Tier
    weak_tier: _Tier
    datelines: tuple[tuple[Category, re.Pattern[str]], ...]

    def strong(self, text: str, low: str) -> Category | None:
        """The first category (file order) whose strong patterns match the paragraph.

        ``text`` is the matching form of the paragraph, ``low`` the same lower-cased."""
        idx = self.strong_tier.first(text, low)
        return None if idx is None else self.categories[idx]

    def weak(self, text: str, low: str) -> Category | None:
        idx = self.weak_tier.first(text, low)
        return None if idx is None else self.categories[idx]

    def prefix(self, text: str) -> tuple[Category, int] | None:
        """A dateline opening ``text``: its category and where the match ends in ``text``."""
        for cat, pat in self.datelines:
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


_ESCAPE_OR_CHAR = re.compile(r"\\.|.", re.DOTALL)


def lower_pattern(pattern: str) -> str:
    """Lower-case a pattern's literals but not its escapes (``\\S`` is not ``\\s``)."""
    return "".join(
        tok if tok.startswith("\\") else tok.lower() for tok in _ESCAPE_OR_CHAR.findall(pattern)
    )


_GUARD = re.compile(r"^\^\(\?=\.\{0,(\d+)\}\$\)")
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 '-,&@")
_MIN_TRIGGER = 4
TAIL_WINDOW = 200  # end-anchored unanchored patterns (photo credits) look at this many chars


def _leading_literal(p: str) -> str:
    """The literal text every match of ``p`` starts with (lower-cased patterns only)."""
    out: list[str] = []
    i = 0
    while i < len(p):
        c = p[i]
        nxt = p[i + 1] if i + 1 < len(p) else ""
        if c == "\\" and nxt in ".-/'() ":
            c, step = nxt, 2
        elif c in _PLAIN:
            step = 1
        else:
            break
        after = p[i + step] if i + step < len(p) else ""
        if after in "?*{":
            break
        out.append(c)
        i += step
        if after == "+":
            break
    return "".join(out)


def _triggers(p: str) -> tuple[str, ...] | None:
    """Literals one of which must occur in any match of ``p`` (None when unknown).

    Only the easy cases: a leading literal (``\\bas a service to``) or a leading group of
    literal alternatives (``\\b(?:disable|turn off|pause)``).  Enough to let most paragraphs
    skip most unanchored patterns with one fast literal search."""
    q = p[2:] if p.startswith("\\b") else p
    if q.startswith("(?:"):
        depth, end = 0, -1
        for i, ch in enumerate(q):
            if ch == "(" and (i == 0 or q[i - 1] != "\\"):
                depth += 1
            elif ch == ")" and q[i - 1] != "\\":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        inner = q[3:end] if end > 0 else ""
        if not inner or "(" in inner:
            return None
        lits = [_leading_literal(alt) for alt in inner.split("|")]
        return tuple(lits) if all(len(x) >= _MIN_TRIGGER for x in lits) else None
    lit = _leading_literal(q)
    return (lit,) if len(lit) >= _MIN_TRIGGER else None


def _alt(patterns: list[str], flags: int) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags) if patterns else None


def _tier(per_category: list[list[str]]) -> _Tier:
    """Compile each category's (expanded) patterns into the groups of a tier.

    A pattern's leading ``(?=.{0,N}$)`` guard becomes its group's length limit, checked once in
    Python instead of by every branch on every paragraph."""
    buckets: dict[tuple[bool, bool, bool, int | None], list[tuple[int, str]]] = {}
    for idx, patterns in enumerate(per_category):
        for p in patterns:
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
            buckets.setdefault((cased, anchored, tail, max_len), []).append((idx, p))
    groups: list[_Group] = []
    for (cased, anchored, tail, max_len), items in sorted(
        buckets.items(), key=lambda kv: (kv[0][:3], kv[0][3] or 10**9)
    ):
        flags = _FLAGS if cased else 0
        by_cat: dict[int, list[str]] = {}
        for idx, p in items:
            by_cat.setdefault(idx, []).append(p)
        members = tuple(
            (idx, "|".join(f"(?:{p})" for p in ps)) for idx, ps in sorted(by_cat.items())
        )
        trigger = rest = None
        if not anchored and not cased:
            found = [(p, _triggers(p)) for _, p in items]
            lits = sorted({t for _, ts in found if ts for t in ts}, key=len, reverse=True)
            if lits:
                trigger = re.compile("|".join(re.escape(t) for t in lits))
                rest = _alt([p for p, ts in found if not ts], flags)
        if anchored:  # match() does not scan, so named groups cost nothing here
            alternation = re.compile("|".join(f"(?P<c{idx}>{src})" for idx, src in members), flags)
            members = ()
        else:
            alternation = re.compile("|".join(f"(?:{p})" for _, p in items), flags)
        groups.append(_Group(alternation, members, anchored, cased, max_len, trigger, rest, tail))
    return _Tier(tuple(groups))


@cache
def load_rules() -> Rules:
    """The compiled rules, read once per process."""
    raw = _raw()
    defines: dict[str, str] = dict(raw.get("define", {}))
    cats: list[Category] = []
    strong: list[list[str]] = []
    weak: list[list[str]] = []
    datelines: list[tuple[Category, re.Pattern[str]]] = []
    for c in raw.get("category", []):
        cat = Category(
            id=c["id"],
            kind=Kind(c["kind"]),
            role=c["role"],
            reason=c["reason"],
            prefix=bool(c.get("prefix", False)),
            first_body_only=bool(c.get("first_body_only", False)),
        )
        cats.append(cat)
        patterns = [_expand(p, defines) for p in c.get("strong", [])]
        if cat.prefix:  # datelines: matched on the text as it is, so offsets are exact
            datelines.append((cat, re.compile("|".join(f"(?:{p})" for p in patterns), _FLAGS)))
            patterns = []
        strong.append(patterns)
        weak.append([_expand(p, defines) for p in c.get("weak", [])])
    cue = raw["cues"]

    def comp(name: str) -> re.Pattern[str]:
        """Cues run on the lower-cased text, except the cased ones (``us`` is not ``US``),
        which are written with their exact case."""
        p = _expand(cue[name], defines)
        return re.compile(p) if "(?-i:" in p else re.compile(lower_pattern(p))

    cues = Cues(
        imperative=re.compile(
            "(?:"
            + "|".join(
                re.escape(w.lower()) for w in sorted(cue["imperatives"], key=len, reverse=True)
            )
            + r")(?!\w)"
        ),
        second_person=comp("second_person"),
        first_person=comp("first_person"),
        reporting=comp("reporting"),
        third_person=comp("third_person"),
        email=comp("email"),
        web_address=comp("web_address"),
    )
    return Rules(tuple(cats), cues, _tier(strong), _tier(weak), tuple(datelines))
