"""Plain text: telling hard-wrapped text from one-line-per-paragraph text, and splitting both.

Scraped web text puts each paragraph on one line, so line lengths vary freely and nearly every
line ends a sentence.  Print and e-mail copies are hard-wrapped: most lines fill the width W
and stop mid-sentence, and the greedy wrapper only leaves a line short when its paragraph ends.
Reading the wrong layout is costly either way (a wrapped paragraph split into four "paragraphs",
or a page of one-line paragraphs glued into one), so the test looks at several signals at once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from ..recache import recompile

BlockSpec = tuple[str, str | None]  # (text, hint) before numbering

_BULLET = recompile(r"^\s*(?:[-*+•·‣◦▪●■]|\d{1,3}[.)])\s+\S")
_BULLET_PREFIX = recompile(r"^\s*\S+\s+")
# A sentence ends with . ! ? or … possibly followed by closing quotes or brackets.
_SENTENCE_END = recompile(r"""[.!?…]["'”’»)\]]*$""")
_WORD_TOKEN = recompile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")
_TRAILING_PART = recompile(r"([^\W\d_]+)[-\u2010]$")
_LEADING_PART = recompile(r"^([^\W\d_]+)")

MIN_WIDTH = 30
MAX_WIDTH = 200
FULL_LINE = 0.75  # a line at least this share of W counts as filled by the wrapper
SHORT_SENTENCE_LINE = 0.8  # a sentence-ending line shorter than this share of W ends a paragraph
STACKED_LINES = 0.7  # a run of lines all shorter than this share of W is not wrapped text
SHORT_LINE = 0.8  # a line this much shorter than W had room for the next word: the paragraph ended


@dataclass(frozen=True, slots=True)
class Layout:
    """What the layout test found; ``width`` is the wrap width W (a high quantile of line
    lengths, so a stray long URL does not set it)."""

    wrapped: bool
    width: int


def ends_sentence(line: str) -> bool:
    """Whether a line stops at a sentence end, the only place a wrapped paragraph may end."""
    return _SENTENCE_END.search(line.rstrip()) is not None


def is_bullet(line: str) -> bool:
    """A list item starts a paragraph of its own in any layout ("1. ", "• ", "- ")."""
    return _BULLET.match(line) is not None


def _first_word(line: str) -> str:
    parts = line.split(None, 1)
    return parts[0] if parts else ""


def measure(text: str) -> Layout:
    """Decide TEXT or WRAPPED from line statistics alone."""
    lines = [line.rstrip() for line in _dedent(text.split("\n"))]
    lengths = sorted(len(line) for line in lines if line.strip())
    if len(lengths) < 3:
        return Layout(False, lengths[-1] if lengths else 0)
    width = lengths[int(0.95 * (len(lengths) - 1))]
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        return Layout(False, width)
    pairs = 0
    continued = 0  # full lines that stop mid-sentence with more text right below
    lower_next = 0  # ... whose next line starts in lower case, as a broken sentence does
    for line, nxt in pairwise(lines):
        if not line.strip() or not nxt.strip():
            continue
        pairs += 1
        if len(line) >= FULL_LINE * width and not ends_sentence(line) and not is_bullet(nxt):
            continued += 1
            head = nxt.lstrip()[:1]
            if head.islower() or head.isdigit():
                lower_next += 1
    wrapped = (
        continued >= 2
        and continued >= 0.5 * pairs
        and continued >= 0.25 * len(lengths)
        and lower_next >= 0.2 * continued
    )
    return Layout(wrapped, width)


def split_lines(text: str) -> list[BlockSpec]:
    """TEXT layout: every non-blank line is a paragraph of its own."""
    out: list[BlockSpec] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            out.append((stripped, "list-item" if is_bullet(line) else None))
    return out


def _dedent(lines: list[str]) -> list[str]:
    """Remove the indent every line shares, so that only a paragraph's own indent counts."""
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    common = min(indents, default=0)
    return [line[common:] if line.strip() else "" for line in lines]


class _Joiner:
    """Joins the lines of a paragraph, mending words hyphenated across a line break.

    "Iranian-" + "backed" keeps its hyphen; "interna-" + "tional" loses it only when the
    document itself spells "international" and never "interna-tional".
    """

    def __init__(self, text: str) -> None:
        self.words = Counter(w.casefold() for w in _WORD_TOKEN.findall(text))

    def join(self, left: str, right: str) -> str:
        right = right.strip()
        if left.endswith("\u00ad"):  # soft hyphen: invisible, always a break inside a word
            return left[:-1] + right
        attached = len(left) > 1 and not left[-2].isspace()
        if left.endswith(("-", "\u2010")) and attached:
            tail = _TRAILING_PART.search(left)
            head = _LEADING_PART.match(right)
            if tail and head:
                joined = (tail.group(1) + head.group(1)).casefold()
                hyphenated = (tail.group(1) + "-" + head.group(1)).casefold()
                if self.words[joined] and not self.words[hyphenated]:
                    return left[:-1] + right
            return left + right  # "Iranian-" + "backed", "1990-" + "2000"
        if left.endswith(("\u2014", "\u2013")) and attached:
            return left + right  # an attached dash: "advance—" + "pushed"
        return left + " " + right


def _chunks(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines (rstripped), as blank lines delimit them."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def reflow(text: str, width: int) -> list[BlockSpec]:
    """WRAPPED layout: rebuild paragraphs from hard-wrapped lines.

    A paragraph ends at a blank line, at a line that starts with a bullet or an indent (print
    copies mark paragraphs that way), after a short line that ends a sentence, and after a
    line so short that the next word would have fitted on it.  "Short" is measured against
    the widest line of the run of lines between blank lines, since a boxed quote or a
    sidebar may be wrapped narrower than the page; a run whose lines are all far shorter
    than W is a stack of one-line paragraphs (headline, byline, agency).
    """
    joiner = _Joiner(text)
    out: list[BlockSpec] = []
    for chunk in _chunks(_dedent(text.split("\n"))):
        local = min(max(len(line) for line in chunk), width)
        if len(chunk) > 1 and local < STACKED_LINES * width:
            out.extend(split_lines("\n".join(chunk)))
            continue
        out.extend(_reflow_chunk(chunk, local, joiner))
    return out


def _reflow_chunk(chunk: list[str], width: int, joiner: _Joiner) -> list[BlockSpec]:
    out: list[BlockSpec] = []
    current = ""
    bullet = False
    hang = -1  # column where a bullet's text starts: continuation lines indent to it
    prev = ""
    for line in chunk:
        indent = len(line) - len(line.lstrip())
        if current and _starts_paragraph(prev, line, indent, hang, width):
            out.append((current, "list-item" if bullet else None))
            current = ""
        if not current:
            current = line.strip()
            bullet = is_bullet(line)
            prefix = _BULLET_PREFIX.match(line) if bullet else None
            hang = len(prefix.group(0)) if prefix else -1
        else:
            current = joiner.join(current, line)
        prev = line
    if current:
        out.append((current, "list-item" if bullet else None))
    return out


def _starts_paragraph(prev: str, line: str, indent: int, hang: int, width: int) -> bool:
    if is_bullet(line):
        return True
    if indent > 0 and indent != hang:
        return True
    prev_len = len(prev)
    if ends_sentence(prev) and prev_len < SHORT_SENTENCE_LINE * width:
        return True
    return prev_len + 1 + len(_first_word(line)) < SHORT_LINE * width
