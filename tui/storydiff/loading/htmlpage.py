"""HTML pages: the article in page order, and everything else visible, marked as such.

An article extractor (trafilatura) is good at finding the story and its metadata but drops what
it judges to be chrome, and storydiff must never drop text silently: a "cookie banner" may be
the paragraph that differs.  So the page is read twice.  trafilatura names the article's
paragraphs and the metadata; an lxml walk over the DOM's block elements yields every visible
piece of text in page order.  A DOM block is in the article when trafilatura's text contains
it; the rest is kept with the hint ``"outside-article"`` and the cleaner decides.

lxml and trafilatura are imported inside :func:`parse_html`: they cost a few hundred
milliseconds and plain-text copies must not pay for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..recache import recompile
from .plaintext import BlockSpec

_BLOCK_NAMES = """address article aside blockquote body caption center dd details dialog dir div
dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li
main menu nav ol p pre section summary table tbody td tfoot th thead tr ul"""
BLOCK_TAGS = frozenset(_BLOCK_NAMES.split())
# Not visible text: code, metadata, embedded objects, form widgets.
_SKIP_NAMES = """script style template noscript head title meta link base svg math iframe object
embed canvas audio video source track select option datalist input textarea map"""
SKIP_TAGS = frozenset(_SKIP_NAMES.split())
_HIDDEN_STYLE = recompile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_XML_DECL = recompile(r"^\s*<\?xml[^>]*\?>")
_BAD_XML_CHARS = recompile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BR = "\x01"  # marks a <br> (control characters are cleaned out before parsing)
_BR_BREAK = recompile(_BR + r"\s*" + _BR + r"[\s" + _BR + r"]*")
_ARTICLE_UNITS = ("p", "head", "item", "quote", "cell", "code")
_MIN_PARTIAL = 20  # shorter DOM text must equal a whole article paragraph to count as one
_ARTICLE_TAGS = frozenset({"article", "main"})
_PROSE_WORDS = 15  # an article has at least one paragraph-like sentence this long...
_ARTICLE_WORDS = 40  # ... and this many words in all


@dataclass(frozen=True, slots=True)
class HtmlPage:
    blocks: list[BlockSpec]
    title: str | None = None
    site_name: str | None = None
    url: str | None = None
    date: str | None = None
    author: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class _Piece:
    text: str
    owner: Any  # the innermost block element holding the text
    hint: str | None
    caption: bool = False
    in_article: bool = False


@dataclass(slots=True)
class _Walker:
    """Collects the visible text of a DOM as block pieces in page order."""

    pieces: list[_Piece] = field(default_factory=list)
    buffer: list[str] = field(default_factory=list)
    blocks: list[Any] = field(default_factory=list)  # open block elements, outermost first

    def flush(self) -> None:
        if not self.buffer:
            return
        raw = "".join(self.buffer)
        self.buffer.clear()
        owner = self.blocks[-1] if self.blocks else None
        hint, caption, pre = _context(self.blocks)
        for part in _BR_BREAK.split(raw):
            part = part.replace(_BR, "\n" if pre else " ")
            text = part.strip("\n").rstrip() if pre else " ".join(part.split())
            if text.strip():
                self.pieces.append(_Piece(text, owner, hint, caption))

    def walk(self, root: Any) -> None:
        # An explicit stack rather than recursion: malformed pages can nest very deeply.
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            el, closing = stack.pop()
            tag = _tag(el)
            if closing:
                if tag in BLOCK_TAGS:
                    self.flush()
                    self.blocks.pop()
                self._text(el.tail)
                continue
            if tag is None or tag in SKIP_TAGS or _hidden(el):
                self._text(el.tail)
                continue
            if tag == "br":
                self.buffer.append(_BR)
                self._text(el.tail)
                continue
            if tag in BLOCK_TAGS:
                self.flush()
                self.blocks.append(el)
            self._text(el.text)
            stack.append((el, True))
            stack.extend((child, False) for child in reversed(el))

    def _text(self, text: str | None) -> None:
        if text:
            self.buffer.append(text)


def _tag(el: Any) -> str | None:
    tag = el.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return None
    return tag.rsplit("}", 1)[-1].lower()


def _hidden(el: Any) -> bool:
    return el.get("hidden") is not None or bool(_HIDDEN_STYLE.search(el.get("style") or ""))


def _context(blocks: list[Any]) -> tuple[str | None, bool, bool]:
    """Structural hint, whether in a figcaption, whether in <pre>: from the innermost block."""
    hint: str | None = None
    caption = False
    pre = any(_tag(el) == "pre" for el in blocks)
    for el in reversed(blocks):
        tag = _tag(el) or ""
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            hint = f"heading{tag[1]}"
        elif tag == "li":
            hint = "list-item"
        elif tag == "figcaption":
            hint, caption = "image", True
        elif tag == "blockquote":
            hint = "quote"
        else:
            continue
        break
    return hint, caption, pre


def _norm(text: str) -> str:
    return " ".join(text.split())


def _str_or_none(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _extract(text: str) -> tuple[Any, list[str]]:
    """Run trafilatura; return its document (or None) and the article's paragraph texts."""
    import trafilatura  # lazy: heavy, and only HTML needs it

    extracted = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        # Dates from markup only: htmldate's free-text search runs dateparser over the page,
        # which costs seconds on a long page and guesses; the cleaner reads dates in the text.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if extracted is None or isinstance(extracted, dict):
        return None, []
    units: list[str] = []
    body = getattr(extracted, "body", None)
    if body is not None:
        for el in body.iter(*_ARTICLE_UNITS):
            unit = _norm("".join(el.itertext()))
            if unit:
                units.append(unit)
    else:
        plain = getattr(extracted, "text", None)
        if isinstance(plain, str):
            units = [_norm(line) for line in plain.split("\n") if line.strip()]
    return extracted, units


def _ancestors(el: Any) -> list[Any]:
    chain = [el]
    parent = el.getparent()
    while parent is not None:
        chain.append(parent)
        parent = parent.getparent()
    chain.reverse()
    return chain


def _common_ancestor(elements: list[Any]) -> Any:
    common: list[Any] | None = None
    for el in elements:
        chain = _ancestors(el)
        if common is None:
            common = chain
            continue
        n = 0
        while n < min(len(common), len(chain)) and common[n] is chain[n]:
            n += 1
        common = common[:n]
    return common[-1] if common else None


def _in_article_region(piece: _Piece) -> bool:
    return piece.owner is not None and any(
        _tag(el) in _ARTICLE_TAGS or el.get("itemprop") == "articleBody"
        for el in _ancestors(piece.owner)
    )


def _grams(text: str) -> set[int]:
    words = text.split()
    return {hash(" ".join(words[i : i + 3])) for i in range(len(words) - 2)}


def _mark_article(pieces: list[_Piece], units: list[str]) -> None:
    """Mark the pieces trafilatura kept.

    Each article paragraph can be claimed once: whole by a piece equal to it, or part by
    part when trafilatura merged several DOM blocks into one paragraph.  Pieces inside
    <article>/<main> claim first, so a headline repeated in a "related" box stays outside.
    """
    remaining = list(units)
    exact: dict[str, list[int]] = {}
    grams: set[int] = set()  # word trigrams of the article: a cheap test before a scan
    for i, unit in enumerate(units):
        exact.setdefault(unit, []).append(i)
        grams |= _grams(unit)
    ordered = [p for p in pieces if _in_article_region(p)]
    ordered += [p for p in pieces if not _in_article_region(p)]
    for piece in ordered:
        key = _norm(piece.text)
        slots = exact.get(key)
        while slots and remaining[slots[0]] != key:
            slots.pop(0)  # already claimed part by part
        if slots:
            remaining[slots.pop(0)] = ""
            piece.in_article = True
            continue
        head = key.split(None, 3)[:3]
        if len(key) < _MIN_PARTIAL or len(head) < 3 or hash(" ".join(head)) not in grams:
            continue
        for i, rest in enumerate(remaining):
            if key in rest:
                remaining[i] = rest.replace(key, "\n", 1)
                piece.in_article = True
                break


def _has_prose(texts: list[str]) -> bool:
    """Whether the extracted text reads like an article: some real sentences, not a menu or a
    list of headlines."""
    words = sum(len(t.split()) for t in texts)
    sentence = any(
        len(t.split()) >= _PROSE_WORDS and t.rstrip("\"'”’)").endswith((".", "!", "?"))
        for t in texts
    )
    return sentence and words >= _ARTICLE_WORDS


def _lxml_root(text: str) -> Any:
    import lxml.html
    from lxml import etree

    cleaned = _BAD_XML_CHARS.sub(" ", _XML_DECL.sub("", text, count=1))
    try:
        return lxml.html.document_fromstring(cleaned)
    except (etree.LxmlError, ValueError):
        return None


def parse_html(text: str) -> HtmlPage:
    """Every visible block of the page in page order, hinted, plus trafilatura's metadata.

    Never raises for a bad page: malformed markup is repaired by lxml, and a failing or empty
    extraction only means every block is marked outside-article (with a warning).
    """
    warnings: list[str] = []
    root = _lxml_root(text)
    walker = _Walker()
    if root is not None:
        walker.walk(root)
        walker.flush()
    pieces = walker.pieces
    try:
        extracted, units = _extract(text)
    except ImportError:
        raise  # a broken installation, not a broken page: the reader says so
    except Exception as exc:  # a broken page must still load, as outside-article blocks
        extracted, units = None, []
        warnings.append(
            f"article extraction failed ({type(exc).__name__}); all text is marked outside-article"
        )
    _mark_article(pieces, units)
    if not _has_prose([p.text for p in pieces if p.in_article]):
        for piece in pieces:  # trafilatura always finds *something*: a menu is no article
            piece.in_article = False
    article = [p.owner for p in pieces if p.in_article and p.owner is not None]
    region = _common_ancestor(article) if article else None
    if not article and pieces:
        warnings.append("no article found in the page; all text is marked outside-article")

    blocks: list[BlockSpec] = []
    for piece in pieces:
        if piece.caption and region is not None and region in _ancestors(piece.owner):
            blocks.append((piece.text, "image"))
        elif piece.in_article:
            blocks.append((piece.text, piece.hint))
        else:
            blocks.append((piece.text, "outside-article"))

    title = _str_or_none(getattr(extracted, "title", None))
    if title is None and root is not None:
        found = root.find(".//title")
        title = _str_or_none(_norm(found.text_content())) if found is not None else None
    return HtmlPage(
        blocks=blocks,
        title=title,
        site_name=_str_or_none(getattr(extracted, "sitename", None)),
        url=_str_or_none(getattr(extracted, "url", None)),
        date=_str_or_none(getattr(extracted, "date", None)),
        author=_str_or_none(getattr(extracted, "author", None)),
        warnings=tuple(warnings),
    )
