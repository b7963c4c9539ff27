"""What a regular expression needs before it can match: literals and first characters.

Most chrome patterns cannot match most paragraphs, and a regex engine finds that out the slow
way, by trying the pattern at every position of a long paragraph.  Read from the pattern's
parse tree, a few necessary conditions let the classifier skip it with plain string tests:

* ``required``: literal strings one of which occurs in every match (``\\bsee also\\b`` needs
  ``"see also"``; ``\\b(?:disable|turn off) ad`` needs ``"disable "`` or ``"turn off "``),
  tested with ``in``;
* ``words``: where such a literal starts a word and its first word is complete
  (``"see also"``: "see"), that word, looked up in the set of the text's words instead of
  searched for;
* ``first``: the characters a match starting at position 0 can begin with (anchored patterns),
  so that a paragraph starting with "T" is only tried against patterns that can start with it.

All are about the lower-cased text, which the classifier has anyway, and all are
conservative: a pattern is never skipped where it could match.  Under IGNORECASE, ``re``
folds a little more than ``str.lower`` ("K", the Kelvin sign, is a "k"; "ı" is an "i"), so
the few letters concerned are not used as literals of case-insensitive patterns.

This reads ``re``'s parser, an internal module: if it is missing or has changed, every
pattern is simply reported as having no known condition.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

_CAP = 32  # largest set of literal alternatives (or first characters) kept
_IGNORECASE = 2  # re.IGNORECASE, as the parser stores it

_parser: Any
_c: Any
try:
    _parser = importlib.import_module("re._parser")
    _c = importlib.import_module("re._constants")
    _OPS: dict[str, Any] = {
        name: getattr(_c, name)
        for name in (
            "LITERAL",
            "IN",
            "RANGE",
            "CATEGORY",
            "NEGATE",
            "BRANCH",
            "SUBPATTERN",
            "MAX_REPEAT",
            "MIN_REPEAT",
            "POSSESSIVE_REPEAT",
            "ATOMIC_GROUP",
            "AT",
            "ASSERT",
            "ASSERT_NOT",
            "AT_BOUNDARY",
            "AT_BEGINNING",
            "AT_BEGINNING_STRING",
            "AT_END",
            "AT_END_STRING",
            "NOT_LITERAL",
            "ANY",
        )
    }
except (ImportError, AttributeError):  # pragma: no cover - other Python implementations
    _parser = None
    _OPS = {}


class _Req(NamedTuple):
    lits: frozenset[str]  # every match contains one of these ("" never among them)
    bounded: bool  # ... where a word starts (each begins with a word character)
    # ... and there, the whole first word is one of these (the literals' first words, when
    # each is followed by a character that is not a word character, or by the end)
    words: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class _Info:
    exact: frozenset[str] | None  # every match is one of these (None: unknown or too many)
    req: _Req | None
    first: frozenset[str] | None  # the first character of a non-empty match (None: any)
    nullable: bool  # may match the empty string
    # After the match, is the text at its start or after a non-word character?  The answer
    # for "not known before" and for "so before": (False, False) no, (True, True) yes,
    # (False, True) as before.
    gap: tuple[bool, bool] = (False, False)
    lead: bool = False  # a non-empty match starts with a non-word character


_SAME = (False, True)
_GAP = (True, True)
_ANY = _Info(None, None, None, False)
_ANY_OR_EMPTY = _Info(None, None, None, True)
_EMPTY = _Info(frozenset({""}), None, frozenset(), True, _SAME, True)


class Conditions(NamedTuple):
    """What :func:`conditions` found out about a pattern (all about ``text.lower()``)."""

    required: tuple[str, ...] | None  # literals, one of which any match needs
    bounded: bool  # ... where a word starts
    words: tuple[str, ...] | None  # ... and whose first word is one of these
    first: str | None  # the characters a match at position 0 can start with
    free: bool  # anchored, and matches the same after a non-word character: see _free


_NOTHING_KNOWN = Conditions(None, False, None, None, False)


def conditions(pattern: str, flags: int) -> Conditions:
    """What ``re.compile(pattern, flags)`` needs of the lower-cased text (``text.lower()``) of
    any ``text`` it can match in.

    ``required``: literals (lower-case), one of which is a substring of ``text.lower()``
    whenever the pattern finds a match in ``text`` (``search`` or ``match``), sorted, or None.
    ``bounded``: each such occurrence starts a word (``\\b`` holds before it).  ``words``:
    if known, the occurrence's first word, a whole run of word characters (``\\w+``) of
    ``text.lower()``, is one of these.  ``first``: the characters, sorted and joined,
    ``text.lower()`` must start with for ``match`` to succeed (None: any; never set for a
    pattern that can match the empty string), NON_ASCII standing for every character
    outside ASCII.  ``free``: the pattern starts with ``^``, and without it, matches the
    same after one non-word character as at the start of a text (no other ``^``, no
    ``\\B``, nothing looking back)."""
    if _parser is None:
        return _NOTHING_KNOWN
    try:
        tree = _parser.parse(pattern, flags)
        info = _Walk().seq(list(tree.data), int(tree.state.flags) | flags)
        data = list(tree.data)
        free = bool(data) and data[0] == (_OPS["AT"], _OPS["AT_BEGINNING"]) and _free(data[1:])
    except Exception:  # an internal layout we do not know: no conditions, never wrong
        return _NOTHING_KNOWN
    req = tuple(sorted(info.req.lits)) if info.req else None
    bounded = info.req is not None and info.req.bounded
    words = tuple(sorted(info.req.words)) if info.req and info.req.words else None
    first = None if info.first is None or info.nullable else "".join(sorted(info.first))
    return Conditions(req, bounded, words, first, free)


# First characters outside ASCII are all one: "\x80" stands for any of them.
NON_ASCII = "\x80"
_WORD_CHARS = "".join(chr(c) for c in range(128) if chr(c).isalnum()) + "_"
_CATEGORIES: dict[Any, str] = {}
if _OPS:
    _CATEGORIES = {
        _c.CATEGORY_DIGIT: "0123456789" + NON_ASCII,
        _c.CATEGORY_WORD: _WORD_CHARS + NON_ASCII,
        _c.CATEGORY_SPACE: " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f" + NON_ASCII,
    }
_WORD_START = (_OPS.get("AT_BOUNDARY"), _OPS.get("AT_BEGINNING"), _OPS.get("AT_BEGINNING_STRING"))
_WORD_END = (_OPS.get("AT_BOUNDARY"), _OPS.get("AT_END"), _OPS.get("AT_END_STRING"))
_WORD = re.compile(r"\w+")
_COMMON = frozenset(" ,.-'\":;!?")  # characters in almost every paragraph: poor conditions
_LONG_ENOUGH = 8  # literals this long are all rare enough: prefer fewer of them
# ASCII letters that IGNORECASE also matches to a character outside ASCII (the dotless i and
# the dotted I, the long s, the Kelvin sign).
_FOLDS = frozenset("isk")


def _is_word(ch: str) -> bool:
    """What \\w matches."""
    return ch.isalnum() or ch == "_"


def _cased(ch: str) -> bool:
    return ch.lower() != ch or ch.upper() != ch


def _lower(ch: str, flags: int) -> str | None:
    """What a character the pattern matches is in ``text.lower()``, if that is certain.

    IGNORECASE lets "i", "s" and "k" match characters outside ASCII that do not lower-case
    to them, and ``str.lower`` of a cased character outside ASCII may depend on its
    neighbours (the Greek final sigma): those are not literals here."""
    if _cased(ch):
        if not ch.isascii() or (flags & _IGNORECASE and ch.lower() in _FOLDS):
            return None
        return ch.lower()
    return ch


@lru_cache(maxsize=4096)
def worth(lit: str) -> int:
    """How rare a literal is likely to be in a paragraph, 0 to 8: its length, but a
    character such as "(", "/" or "|" counts as much as a word, and "." or "," nothing."""
    if all(not ch.isalnum() and not ch.isspace() and ch not in _COMMON for ch in lit):
        return _LONG_ENOUGH
    if all(ch in _COMMON for ch in lit):
        return 0
    return min(len(lit), _LONG_ENOUGH)


def _key(req: _Req) -> tuple[int, bool, int, int, bool, list[str]]:
    """How good a requirement is: its least rare literal, then whether its first words are
    known (a set lookup instead of a scan), few literals (each is an ``in`` test), the
    length of the shortest, and last the text itself, so that the choice is always the
    same."""
    return (
        min(map(worth, req.lits)),
        req.words is not None,
        -len(req.lits),
        min(map(len, req.lits)),
        req.bounded,
        sorted(req.lits),
    )


def _better(a: _Req | None, b: _Req | None) -> _Req | None:
    if a is None or a is b:
        return b
    if b is None:
        return a
    return a if _key(a) >= _key(b) else b


def _minimal(lits: frozenset[str]) -> frozenset[str]:
    """Drop literals that contain another one: finding the shorter is enough."""
    return frozenset(s for s in lits if not any(t != s and t in s for t in lits))


def _product(a: frozenset[str], b: frozenset[str]) -> frozenset[str] | None:
    if len(a) == 1 and len(b) == 1:
        (x,) = a
        (y,) = b
        return frozenset((x + y,))
    if len(a) * len(b) > _CAP:
        return None
    return frozenset(x + y for x in a for y in b)


def _as_req(
    exact: frozenset[str] | None, bounded: bool = False, closed: bool = False
) -> _Req | None:
    """``exact`` as a requirement; ``bounded``: they start where a word does; ``closed``:
    what follows them is no word character (or nothing)."""
    if not exact or "" in exact:
        return None
    lits = _minimal(exact)
    bounded = bounded and all(s[0] in _WORD_CHARS for s in exact)
    words: frozenset[str] | None = None
    if bounded:
        firsts = [_WORD.match(s) for s in exact]
        if all(m is not None and (closed or m.end() < len(m.string)) for m in firsts):
            words = frozenset(m.group(0) for m in firsts if m is not None)
    return _Req(lits, bounded, words)


# Big alternations (the file's definitions expand to them, in pattern after pattern), read
# once: their parse tree (as text) and flags -> what they need.
_BRANCHES: dict[tuple[str, int], _Info] = {}


class _Walk:
    """One pass over a parse tree."""

    def first_of(self, chars: set[str], flags: int) -> frozenset[str]:
        """First characters as ``text.lower()[0]`` has them (NON_ASCII: any non-ASCII)."""
        out: set[str] = set()
        for ch in chars:
            if flags & _IGNORECASE and _cased(ch):
                if not ch.isascii():
                    out.add(NON_ASCII)
                    continue
                out.add(ch.lower())
                if ch.lower() in _FOLDS:
                    out.add(NON_ASCII)
            else:
                low = ch.lower()[:1]
                out.add(low if low.isascii() else NON_ASCII)
        return frozenset(out)

    def chars(self, chars: set[str], flags: int) -> _Info:
        first = self.first_of(chars, flags)
        lead = not any(_is_word(ch) for ch in chars)
        gap = _GAP if lead else (False, False)
        lits = {_lower(ch, flags) for ch in chars}
        if None in lits:
            return _Info(None, None, first, False, gap, lead)
        one = frozenset(lit for lit in lits if lit is not None)
        # one letter or "." is needed by nearly every pattern and found in every text
        req = _as_req(one) if any(worth(lit) == _LONG_ENOUGH for lit in one) else None
        return _Info(one, req, first, False, gap, lead)

    def charset(self, items: Sequence[tuple[Any, Any]], flags: int) -> _Info:
        chars: set[str] = set()
        starts: set[str] = set()  # what \d, \w, \s add to the first characters
        words = False  # \d or \w: word characters
        for op, av in items:
            if op is _OPS["LITERAL"]:
                chars.add(chr(av))
            elif op is _OPS["RANGE"] and av[1] - av[0] < _CAP:
                chars.update(chr(c) for c in range(av[0], av[1] + 1))
            elif op is _OPS["CATEGORY"] and av in _CATEGORIES:
                starts.update(_CATEGORIES[av])
                words = words or av is not _c.CATEGORY_SPACE
            else:  # NEGATE, a wide range, another category
                return _ANY
        if starts:  # not a literal, but a known set of first characters
            lead = not words and not any(_is_word(ch) for ch in chars)
            gap = _GAP if lead else (False, False)
            return _Info(None, None, self.first_of(chars, flags) | starts, False, gap, lead)
        if len(chars) > _CAP:
            return _ANY
        return self.chars(chars, flags)

    def seq(self, nodes: Sequence[tuple[Any, Any]], flags: int) -> _Info:
        infos = [self.node(node, flags) for node in nodes]
        exact: frozenset[str] | None = frozenset({""})  # the whole sequence so far
        run: frozenset[str] = frozenset({""})  # literals of the current run of exact nodes
        bounded = False  # the run starts where a word does
        closed = False  # the first word of each literal of the run is complete
        req: _Req | None = None
        first: set[str] | None = set()
        first_open = True  # every node so far may match empty: the next one's start counts
        gap = False  # here, the text is at its start or after a non-word character
        effect = _SAME  # what the sequence so far does to that (see _Info.gap)
        lead: bool | None = None  # does a non-empty match start with a non-word character
        for k, ((op, av), info) in enumerate(zip(nodes, infos, strict=True)):
            zero = op in (_OPS["AT"], _OPS["ASSERT"], _OPS["ASSERT_NOT"])  # takes no room
            if first_open:
                if info.first is None or first is None:
                    first = None
                else:
                    first |= info.first
                first_open = info.nullable
            if lead is None and not zero:
                if not info.lead:
                    lead = False
                elif not info.nullable:
                    lead = True
            req = _better(req, info.req)
            if run == {""}:
                if op is _OPS["AT"] and av in _WORD_START:
                    bounded = True  # \b or ^, then a word character: a word starts
                elif not zero:
                    bounded = bounded or gap
            gap = info.gap[gap]
            effect = (info.gap[effect[0]], info.gap[effect[1]])
            if info.exact is None:
                ends = closed or _word_ends(nodes, infos, k)
                req = _better(req, _as_req(run, bounded, ends))
                run, bounded, closed, exact = frozenset({""}), False, False, None
                continue
            if len(info.exact) > 1:  # a prefix of the run is needed too: the one with fewer
                ends = closed or _word_ends(nodes, infos, k)  # alternatives may be the better
                req = _better(req, _as_req(run, bounded, ends))
            joined = _product(run, info.exact)
            if joined is None:  # too many alternatives: start again here
                run, bounded, closed = info.exact, False, False
            else:
                if run != {""} and op is _OPS["AT"] and av in _WORD_END:
                    closed = True  # \b or $ after a literal: its words end there
                run = joined
            exact = None if exact is None else _product(exact, info.exact)
        req = _better(req, _as_req(run, bounded, closed))
        first_set = None if first is None else frozenset(first)
        return _Info(exact, req, first_set, first_open, effect, lead is not False)

    def node(self, node: tuple[Any, Any], flags: int) -> _Info:
        op, av = node
        ops = _OPS
        if op is ops["LITERAL"]:
            return _literal(av, flags & _IGNORECASE)
        if op is ops["IN"]:
            return self.charset(av, flags)
        if op is ops["AT"]:
            if av in (ops["AT_BEGINNING"], ops["AT_BEGINNING_STRING"]):
                return _Info(frozenset({""}), None, frozenset(), True, _GAP, True)
            return _EMPTY
        if op is ops["SUBPATTERN"]:
            _group, add, remove, sub = av
            return self.seq(list(sub.data), (flags | add) & ~remove)
        if op is ops["ATOMIC_GROUP"]:
            return self.seq(list(av.data), flags)
        if op is ops["BRANCH"]:
            if len(av[1]) < 8:
                return _branch([self.seq(list(alt.data), flags) for alt in av[1]])
            key = (repr(av[1]), flags)
            info = _BRANCHES.get(key)
            if info is None:
                info = _BRANCHES[key] = _branch([self.seq(list(alt.data), flags) for alt in av[1]])
            return info
        if op in (ops["MAX_REPEAT"], ops["MIN_REPEAT"], ops["POSSESSIVE_REPEAT"]):
            lo, hi, sub = av
            return _repeat(lo, hi, self.seq(list(sub.data), flags))
        if op is ops["ASSERT"]:  # a lookaround's text must be there too, but takes no room
            inner = self.seq(list(av[1].data), flags)
            return _Info(frozenset({""}), inner.req, frozenset(), True, _SAME, True)
        if op is ops["ASSERT_NOT"]:
            return _EMPTY
        # ANY, NOT_LITERAL, CATEGORY, group references ...: anything, maybe nothing
        return _ANY_OR_EMPTY


@lru_cache(maxsize=1024)
def _literal(code: int, ignorecase: int) -> _Info:
    return _Walk().chars({chr(code)}, ignorecase)


def _word_ends(nodes: Sequence[tuple[Any, Any]], infos: list[_Info], k: int) -> bool:
    """Is what comes from ``nodes[k]`` on sure to start with no word character (or to be
    the end of the text, or a \\b after a word)?"""
    for (op, av), info in zip(nodes[k:], infos[k:], strict=True):
        if op is _OPS["AT"]:
            if av in _WORD_END:
                return True
            continue
        if op in (_OPS["ASSERT"], _OPS["ASSERT_NOT"]):
            continue
        if info.exact is not None:
            if any(s and _is_word(s[0]) for s in info.exact):
                return False
            if "" not in info.exact:
                return True
            continue
        if not info.lead:
            return False
        if not info.nullable:
            return True
    return False


def _branch(alts: list[_Info]) -> _Info:
    exact: frozenset[str] | None = None
    if all(a.exact is not None for a in alts):
        union = frozenset().union(*(a.exact for a in alts if a.exact is not None))
        exact = union if len(union) <= _CAP else None
    req: _Req | None = None
    reqs = [a.req for a in alts]
    if all(reqs):
        lits = _minimal(frozenset().union(*(r.lits for r in reqs if r)))
        if len(lits) <= _CAP:
            words = [r.words for r in reqs if r]
            united: frozenset[str] | None = None
            if all(w is not None for w in words):
                united = frozenset().union(*(w for w in words if w is not None))
            req = _Req(lits, all(r.bounded for r in reqs if r), united)
    first: frozenset[str] | None = None
    if all(a.first is not None for a in alts):
        first = frozenset().union(*(a.first for a in alts if a.first is not None))
    nullable = any(a.nullable for a in alts)
    gap = (all(a.gap[0] for a in alts), all(a.gap[1] for a in alts))
    lead = all(a.lead for a in alts)
    return _Info(exact, _better(req, _as_req(exact)), first, nullable, gap, lead)


def _repeat(lo: int, hi: int, sub: _Info) -> _Info:
    exact: frozenset[str] | None = None
    if sub.exact is not None and hi <= 3:
        options: set[str] = set()
        power: frozenset[str] | None = frozenset({""})
        for k in range(hi + 1):
            if power is None:
                break
            if k >= lo:
                options |= power
            if k < hi:
                power = _product(power, sub.exact)
        if power is not None and len(options) <= _CAP:
            exact = frozenset(options)
    req = sub.req if lo >= 1 else None
    nullable = lo == 0 or sub.nullable
    # once or more: as the content does (it is "no", "yes" or "as before", and so is any
    # power of it); maybe never: also as before
    gap = sub.gap if lo >= 1 else (sub.gap[0] and False, sub.gap[1] and True)
    return _Info(exact, _better(req, _as_req(exact)), sub.first, nullable, gap, sub.lead)


def word_list(pattern: str, flags: int) -> tuple[list[str], list[str]] | None:
    """For a pattern ``\\b(?:alternatives)\\b``: its one-word alternatives, lower-cased, and
    the first words of the others (those a one-word alternative does not already imply:
    ``you're`` is found wherever ``you`` is), or None for a pattern of another shape.

    A one-word alternative is found exactly where it is a maximal run of word characters
    (``\\w+``) of the text, so a set of those runs answers for all of them at once."""
    if _parser is None or flags & _IGNORECASE:
        return None
    try:
        data = list(_parser.parse(pattern, flags).data)
        while len(data) == 1 and data[0][0] is _OPS["SUBPATTERN"]:
            _group, add, remove, sub = data[0][1]
            flags = (flags | add) & ~remove
            data = list(sub.data)
        boundary = (_OPS["AT"], _OPS["AT_BOUNDARY"])
        if flags & _IGNORECASE or len(data) < 3 or data[0] != boundary or data[-1] != boundary:
            return None
        exact = _Walk().seq(data[1:-1], flags).exact
    except Exception:  # an internal layout we do not know
        return None
    if not exact or not all(s and s[0] in _WORD_CHARS and s[-1] in _WORD_CHARS for s in exact):
        return None  # (a word must start and end each, or \b would mean something else)
    words = {s for s in exact if all(ch in _WORD_CHARS for ch in s)}
    leads = {s[: len(s) - len(s.lstrip(_WORD_CHARS))] for s in exact - words}
    return sorted(words), sorted(leads - words)


def _free(nodes: Iterable[tuple[Any, Any]]) -> bool:
    """Could nothing here tell the start of a text from a position after a non-word
    character?  (A \\b cannot: both have a non-word character, or none, before them.)"""
    for op, av in nodes:
        if op is _OPS["AT"]:
            if av not in (_OPS["AT_BOUNDARY"], _OPS["AT_END"], _OPS["AT_END_STRING"]):
                return False
        elif op in (_OPS["ASSERT"], _OPS["ASSERT_NOT"]):
            if av[0] < 0 or not _free(av[1].data):  # a lookbehind could see the marker
                return False
        elif op is _OPS["SUBPATTERN"]:
            if not _free(av[3].data):
                return False
        elif op is _OPS["ATOMIC_GROUP"]:
            if not _free(av.data):
                return False
        elif op is _OPS["BRANCH"]:
            if not all(_free(alt.data) for alt in av[1]):
                return False
        elif op in (_OPS["MAX_REPEAT"], _OPS["MIN_REPEAT"], _OPS["POSSESSIVE_REPEAT"]):
            if not _free(av[2].data):
                return False
        elif op not in (_OPS["LITERAL"], _OPS["NOT_LITERAL"], _OPS["IN"], _OPS["ANY"]):
            return False  # group references and anything else
    return True
