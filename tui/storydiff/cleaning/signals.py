"""What one paragraph says about itself: pattern matches, chrome cues and news cues.

Everything here looks at a single block; evidence from the other copies and from the block's
place on the page is added by :mod:`storydiff.cleaning.classify`.  Scores are small integers
on purpose: each cue is a reason a human could state ("addresses the reader", "gives an e-mail
address"), and the reasons are what the user sees when a paragraph is folded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from storydiff.model import Block
from storydiff.textnorm import match_key, typographic

from .rules import Category, Rules

_SPACE = re.compile(r"\s+")
_QUOTED = re.compile(r'"[^"]{0,600}"')
_BULLET = re.compile(r"^(?:[-*•·▪►–]|\d{1,2}[.)])\s+")
_TRAILING_CLOSERS = "\"')]}*_ "
_SENTENCE_END = ".!?…"
_MID_CAPITAL = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]")
_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")

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

    # Shortcuts: the classifier reads these for every block.
    @property
    def norm(self) -> str:
        return self.facts.norm

    @property
    def key(self) -> str:
        return self.facts.key

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.facts.tokens

    @property
    def n_words(self) -> int:
        return self.facts.n_words

    @property
    def strong(self) -> Category | None:
        return self.facts.strong

    @property
    def weak(self) -> Category | None:
        return self.facts.weak

    @property
    def dateline(self) -> tuple[Category, int] | None:
        return self.facts.dateline

    @property
    def news(self) -> int:
        return self.facts.news

    @property
    def sentence_end(self) -> bool:
        return self.facts.sentence_end

    @property
    def headline_like(self) -> bool:
        return self.facts.headline_like


def normalise(text: str) -> str:
    return _SPACE.sub(" ", typographic(text)).strip()


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


@lru_cache(maxsize=32768)
def text_facts(text: str, rules: Rules) -> TextFacts:
    norm = normalise(text)
    low = norm.lower()
    key = match_key(text)
    n_words = len(norm.split())
    strong = rules.strong(norm, low) if norm else None
    sentence_end = ends_sentence(norm)
    bullet = _BULLET.match(norm)
    body = norm[bullet.end() :] if bullet is not None else norm
    first_alnum = next((c for c in body if c.isalnum()), "")
    headline_like = (
        0 < n_words <= 20
        and not sentence_end
        and not norm.endswith((":", ";", ","))
        and (first_alnum.isupper() or first_alnum.isdigit())
    )
    weak: Category | None = None
    dateline: tuple[Category, int] | None = None
    chrome, news = 0, 0
    cues: tuple[str, ...] = ()
    if strong is None and norm:  # a strong match decides alone: skip the finer evidence
        weak = rules.weak(norm, low)
        dateline = rules.prefix(norm)
        chrome, news, cues = _score(norm, body, low, n_words, sentence_end, weak, rules)
    return TextFacts(
        norm=norm,
        key=key,
        tokens=tuple(key.split()),
        n_words=n_words,
        has_letters=_LETTER.search(norm) is not None,
        strong=strong,
        weak=weak,
        dateline=dateline,
        chrome=chrome,
        news=news,
        cues=cues,
        sentence_end=sentence_end,
        headline_like=headline_like,
        bullet=bullet is not None,
    )


def _score(
    norm: str,
    body: str,
    low: str,
    n_words: int,
    sentence_end: bool,
    weak: Category | None,
    rules: Rules,
) -> tuple[int, int, tuple[str, ...]]:
    """Chrome score, news score and chrome cue names of the words alone."""
    cues = rules.cues
    # Reader address and site voice only count outside quotations: a quoted "you" is news.
    unquoted = "" if body.startswith('"') and body.count('"') == 1 else _QUOTED.sub(" ", body)
    unquoted_low = unquoted.lower()
    chrome = 0
    found: list[str] = []
    if weak is not None:
        chrome += 2
        found.append("weak")
    if cues.second_person.search(unquoted_low):
        chrome += 1
        found.append("second")
    if cues.first_person.search(unquoted):
        chrome += 1
        found.append("first")
    if cues.imperative.match(body.lower()):
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
    if cues.reporting.search(low):
        news += 2
    if sentence_end and n_words >= 8:
        news += 1
        if _DIGIT.search(body):  # not the "2." of a numbered list
            news += 1
    if _MID_CAPITAL.search(body):
        news += 1
    if cues.third_person.search(unquoted_low):
        news += 1
    if n_words >= 25:
        news += 1
    return chrome, news, tuple(found)
