"""What one paragraph says about itself: pattern matches, chrome cues and news cues.

Everything here looks at a single block; evidence from the other copies and from the block's
place on the page is added by :mod:`storydiff.cleaning.classify`.  Scores are small integers
on purpose: each cue is a reason a human could state ("addresses the reader", "gives an e-mail
address"), and the reasons are what the user sees when a paragraph is folded.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from storydiff import textnorm
from storydiff.model import Block
from storydiff.recache import recompile
from storydiff.textnorm import match_key, typographic

from .rules import Category, Rules, words_of

_QUOTED = recompile(r'"[^"]{0,600}"')
_BULLET = recompile(r"^(?:[-*•·▪►–]|\d{1,2}[.)])\s+")
_TRAILING_CLOSERS = "\"')]}*_ "
_SENTENCE_END = ".!?…"
# a capitalised word after a lower-case one (the space first: the engine jumps to spaces)
_MID_CAPITAL = recompile(r" (?<=[a-z,;] )[A-Z][a-z]")
_LETTER = recompile(r"[^\W\d_]")
_DIGIT = recompile(r"\d")


# Human phrases for the cues, used to build a folded paragraph's reason.
CUE_PHRASES = {
    "second": "addresses the reader",
    "first": "speaks as the site (we/our)",
    "imperative": "tells the reader to act",
    "email": "gives an e-mail address",
    "web": "gives a web address",
    "outside": "outside the extracted article",
    "link": "nothing but a link",
    "colon": "introduces a list",
}


@dataclass(frozen=True, slots=True)
class TextFacts:
    """What a paragraph's text says about itself, whatever page it is on.

    Cached by text: copies of one wire story repeat most paragraphs word for word, so with
    hundreds of copies most paragraphs are analysed once."""

    norm: str  # typographic, whitespace collapsed: what patterns are matched against
    key: str  # textnorm.match_key
    tokens: tuple[str, ...]
    n_words: int
    has_letters: bool
    strong: Category | None  # first matching strong (non-prefix) category
    weak: Category | None
    dateline: tuple[Category, int] | None  # a dateline opening the text, and its end in norm
    chrome: int  # chrome score of the words alone
    news: int
    cues: tuple[str, ...]
    sentence_end: bool
    headline_like: bool  # short, no final sentence punctuation, starts with a capital
    bullet: bool  # opens with a list bullet or number


@dataclass(slots=True)
class BlockInfo:
    """A block with everything the classifier needs to know about it on its own."""

    doc: int
    pos: int  # position in its document's blocks
    block: Block
    facts: TextFacts
    chrome: int  # facts.chrome plus the loader's hints (outside the article, bare link)
    cues: tuple[str, ...]
    bullet: bool
    shared: bool = False  # another copy carries (most of) this text
    # Copies of the facts the classifier reads for every block (attributes, not properties:
    # they are read tens of thousands of times).
    norm: str = field(init=False)
    key: str = field(init=False)
    tokens: tuple[str, ...] = field(init=False)
    n_words: int = field(init=False)
    strong: Category | None = field(init=False)
    weak: Category | None = field(init=False)
    dateline: tuple[Category, int] | None = field(init=False)
    news: int = field(init=False)
    sentence_end: bool = field(init=False)
    headline_like: bool = field(init=False)

    def __post_init__(self) -> None:
        facts = self.facts
        self.norm = facts.norm
        self.key = facts.key
        self.tokens = facts.tokens
        self.n_words = facts.n_words
        self.strong = facts.strong
        self.weak = facts.weak
        self.dateline = facts.dateline
        self.news = facts.news
        self.sentence_end = facts.sentence_end
        self.headline_like = facts.headline_like


# textnorm.typographic's translation, as one substitution: text outside ASCII is mostly
# ASCII, and a regex finds the few characters to change much faster than str.translate
# visits every one (the result is the same).
_FOLD = {chr(k): v or "" for k, v in textnorm._TRANSLATE.items()}
_FOLDED = recompile("[" + "".join(re.escape(ch) for ch in sorted(_FOLD)) + "]")


def _typographic(text: str) -> str:
    """textnorm.typographic(text), faster on text outside ASCII."""
    if text.isascii():
        return typographic(text)
    return unicodedata.normalize("NFKC", _FOLDED.sub(lambda m: _FOLD[m.group()], text))


def normalise(text: str) -> str:
    """Typographic form, whitespace collapsed and trimmed (``str.split`` splits on exactly
    the characters ``\\s`` matches)."""
    return " ".join(typographic(text).split())


def ends_sentence(norm: str) -> bool:
    stripped = norm.rstrip(_TRAILING_CLOSERS)
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def analyse(block: Block, doc: int, pos: int, rules: Rules) -> BlockInfo:
    facts = text_facts(block.text, rules)
    chrome, cues = facts.chrome, facts.cues
    if facts.strong is None:
        if block.hint == "outside-article":
            chrome, cues = chrome + 2, (*cues, "outside")
        elif block.hint == "link-only":
            chrome, cues = chrome + 2, (*cues, "link")
    bullet = facts.bullet or block.hint == "list-item"
    return BlockInfo(doc, pos, block, facts, chrome, cues, bullet)


# Longer than any cookie, consent or paywall notice the patterns are written for (the longest
# in the test stories is 645 characters: a cookie notice).
STRONG_MAX = 3000


@lru_cache(maxsize=32768)
def text_facts(text: str, rules: Rules) -> TextFacts:
    words = _typographic(text).split()
    norm = " ".join(words)  # normalise(text)
    n_words = len(words)
    low = norm.lower()
    key = match_key(text)
    found = rules.literals(low, len(norm))
    runs = words_of(low)
    # a strong pattern decides a line of chrome, not a page's worth of text that holds one
    # (a scrape that lost its breaks: the notice and the whole story in one line)
    strong = rules.strong(norm, low, found, runs) if norm and len(norm) <= STRONG_MAX else None
    sentence_end = ends_sentence(norm)
    bullet = _BULLET.match(norm)
    body = norm[bullet.end() :] if bullet is not None else norm
    headline_like = (
        0 < n_words <= 20
        and not sentence_end
        and not norm.endswith((":", ";", ","))
        and _starts_like_a_title(body)
    )
    weak: Category | None = None
    dateline: tuple[Category, int] | None = None
    chrome, news = 0, 0
    cues: tuple[str, ...] = ()
    if strong is None and norm:  # a strong match decides alone: skip the finer evidence
        weak = rules.weak(norm, low, found, runs)
        dateline = rules.prefix(norm, low)
        chrome, news, cues = _score(norm, body, low, runs, n_words, sentence_end, weak, rules)
    return TextFacts(  # (positional: noticeably faster than keywords, per paragraph)
        norm,
        key,
        tuple(key.split()),
        n_words,
        _LETTER.search(norm) is not None,  # has_letters
        strong,
        weak,
        dateline,
        chrome,
        news,
        cues,
        sentence_end,
        headline_like,
        bullet is not None,
    )


def _starts_like_a_title(body: str) -> bool:
    """The first letter or digit is a capital or a digit."""
    for c in body:
        if c.isalnum():
            return c.isupper() or c.isdigit()
    return False


def _score(
    norm: str,
    body: str,
    low: str,
    runs: set[str],
    n_words: int,
    sentence_end: bool,
    weak: Category | None,
    rules: Rules,
) -> tuple[int, int, tuple[str, ...]]:
    """Chrome score, news score and chrome cue names of the words alone."""
    cues = rules.cues
    # Reader address and site voice only count outside quotations: a quoted "you" is news.
    if '"' not in body:
        unquoted = body  # (what the substitution below would return)
    elif body.startswith('"') and body.count('"') == 1:
        unquoted = ""
    else:
        unquoted = _QUOTED.sub(" ", body)
    body_low = low if body is norm else body.lower()
    unquoted_low = body_low if unquoted is body else unquoted.lower()
    # runs: the words of the text.  A cue that is a list of words is a set lookup, not a
    # scan; they are the lower-cased text's, so the unquoted text's are among them.
    whole = unquoted_low is low
    chrome = 0
    found: list[str] = []
    if weak is not None:
        chrome += 2
        found.append("weak")
    if cues.second_person.among(unquoted_low, runs, whole):
        chrome += 1
        found.append("second")
    if cues.first_person.among(unquoted, runs, False):
        chrome += 1
        found.append("first")
    if cues.imperative.match(body_low):
        chrome += 1
        found.append("imperative")
    if "@" in low and cues.email.search(low):
        chrome += 2
        found.append("email")
    elif ("http" in low or "www." in low) and cues.web_address.search(low):
        chrome += 1
        found.append("web")
    if norm.endswith(":"):
        chrome += 1
        found.append("colon")
    news = 0
    if cues.reporting.among(low, runs, True):
        news += 2
    if sentence_end and n_words >= 8:
        news += 1
        if _DIGIT.search(body):  # not the "2." of a numbered list
            news += 1
    if _MID_CAPITAL.search(body):
        news += 1
    if cues.third_person.among(unquoted_low, runs, whole):
        news += 1
    if n_words >= 25:
        news += 1
    return chrome, news, tuple(found)
