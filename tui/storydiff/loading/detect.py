"""Which loader reads a copy: decided by content as well as by the file name.

Scraped copies are routinely saved with the wrong suffix (Markdown or a whole HTML page in a
``.txt``), so the suffix is a hint and the text decides.  Each test is cheap, pure regex and
line statistics: nothing heavy is imported to choose.
"""

from __future__ import annotations

import re
from itertools import islice

from storydiff.model import Format

from ..recache import recompile
from .plaintext import measure

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})

_HTML_START = recompile(
    r"^(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_HTML_TAG = recompile(
    r"</?(?:p|div|span|a|br|h[1-6]|li|ul|ol|body|head|meta|link|script|style|table|tr|td|img"
    r"|article|section|nav|header|footer|main|aside|figure|figcaption|blockquote|em|strong|b|i"
    r"|title|form|input|button|iframe|noscript)\b[^<>]*>",
    re.IGNORECASE,
)
_ANY_TAG = recompile(r"<[A-Za-z!/][^<>]*>")

# Markdown signals, by strength.  Plain text also has bullets and the odd "#", so weak
# signals alone never make a Markdown file.  Every repeat is bounded or stops at the character
# that could start another match, so a pathological line ("[[[[..." x 100k) stays linear.
_STRONG: tuple[re.Pattern[str], ...] = (
    recompile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE),  # ATX heading
    recompile(r"\[[^\[\]\n]{1,500}\]\([^()\s]{0,2000}\)"),  # [text](url), ![alt](src)
    recompile(r"^ {0,3}\[[^\[\]\n]{1,500}\]:[ \t]+\S", re.MULTILINE),  # [ref]: url
)
_MEDIUM: tuple[re.Pattern[str], ...] = (
    recompile(r"<https?://[^<>\s]{1,2000}>"),  # autolink
    recompile(r"\*\*[^*\n]{1,500}\*\*|__[^_\n]{1,500}__"),  # bold
    recompile(r"^ {0,3}(?:```|~~~)", re.MULTILINE),  # fenced code
    recompile(r"^(?=[^\n]*\S)[^\n]*\n {0,3}(?:=+|-{2,})[ \t]*$", re.MULTILINE),  # setext
)
_WEAK: tuple[re.Pattern[str], ...] = (
    recompile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.MULTILINE),  # --- rule
    recompile(r"^ {0,3}[*+-][ \t]+\S", re.MULTILINE),  # * list
    recompile(r"^ {0,3}>[ \t]?\S", re.MULTILINE),  # > quote
)
# Literals a match needs (any one of them): plain text mostly lacks them, and a substring test
# is far cheaper than scanning every position of every copy with the pattern.
_NEEDS: dict[str, tuple[str, ...]] = {
    _STRONG[0].pattern: ("#",),
    _STRONG[1].pattern: ("](",),
    _STRONG[2].pattern: ("]:",),
    _MEDIUM[0].pattern: ("<http",),
    _MEDIUM[1].pattern: ("**", "__"),
    _MEDIUM[2].pattern: ("```", "~~~"),
    _MEDIUM[3].pattern: ("=", "--"),
}
_FIRST_LINE_HEADING = recompile(r"^\s*#{1,6}[ \t]+\S")
MARKDOWN_SCORE = 4


def looks_like_html(text: str) -> bool:
    """A document start (``<!doctype html>``, ``<html>``...) or tags on most lines."""
    head = text[:4096]
    if _HTML_START.match(head):
        return True
    sample = text[:65536]
    tags = len(_HTML_TAG.findall(sample))
    lines = sum(1 for line in sample.split("\n") if line.strip())
    return tags >= 10 and tags >= 0.5 * lines


def markdown_score(text: str) -> int:
    """Weighted count of Markdown syntax (each kind counted up to three times)."""
    sample = text[:262144]
    score = 0
    strong_or_medium = False
    for weight, patterns in ((3, _STRONG), (2, _MEDIUM), (1, _WEAK)):
        if weight == 1 and not strong_or_medium:
            return 0  # weak signals alone never count: plain text need not be scanned for them
        for pattern in patterns:
            needs = _NEEDS.get(pattern.pattern)
            if needs is not None and not any(lit in sample for lit in needs):
                continue  # the syntax's own characters are absent: no scan
            hits = sum(1 for _ in islice(pattern.finditer(sample), 3))
            score += weight * hits
            if hits and weight > 1:
                strong_or_medium = True
    if _FIRST_LINE_HEADING.match(sample):
        score += 1
    return score if strong_or_medium else 0


def looks_like_markdown(text: str) -> bool:
    """Markdown saved as .txt (seed 001): enough syntax that plain text would not have it."""
    return markdown_score(text) >= MARKDOWN_SCORE


def detect_format(text: str, suffix: str) -> Format:
    """Choose the loader.

    HTML wins when the content is HTML whatever the suffix; an ``.html`` file with no tag at
    all is read as text.  An ``.md`` file is Markdown unless it has no Markdown syntax at all,
    in which case the plain-text layout test reads it better (Markdown would glue a page of
    one-line paragraphs into one).
    """
    suffix = suffix.lower()
    if looks_like_html(text) or (suffix in HTML_SUFFIXES and _ANY_TAG.search(text)):
        return Format.HTML
    if suffix in MARKDOWN_SUFFIXES:
        if markdown_score(text) > 0:
            return Format.MARKDOWN
    elif looks_like_markdown(text):
        return Format.MARKDOWN
    return Format.WRAPPED if measure(text).wrapped else Format.TEXT
