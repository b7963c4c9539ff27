"""Markdown: keep the words, drop the syntax, remember the structure as hints.

A CommonMark parser (markdown-it-py, imported lazily) does the reading, so emphasis, links,
autolinks, setext headings and lists behave as any renderer would show them; this module only
turns its token stream into paragraph blocks.  Structure the cleaner needs (a heading, a
paragraph that is only a "Related article" link, an image's alt text) travels as the hint.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .plaintext import BlockSpec

if TYPE_CHECKING:
    from markdown_it.token import Token

_TAG = re.compile(r"<!--.*?-->|<[^<>]+>", re.DOTALL)
_LABEL_WORDS = 5  # "**Related article:** [link]" still counts as a link-only paragraph


@dataclass
class _Inline:
    """The text of one inline run, and what it was made of."""

    text: list[str] = field(default_factory=list)
    outside_links: list[str] = field(default_factory=list)  # text not inside any link
    links: int = 0
    images: int = 0

    def add(self, piece: str, in_link: bool) -> None:
        self.text.append(piece)
        if not in_link:
            self.outside_links.append(piece)


def _render_inline(children: list[Token], out: _Inline, in_link: bool = False) -> None:
    depth = 1 if in_link else 0
    for tok in children:
        kind = tok.type
        if kind in ("text", "code_inline"):
            out.add(tok.content, depth > 0)
        elif kind in ("softbreak", "hardbreak"):
            out.add(" ", depth > 0)
        elif kind == "link_open":
            depth += 1
            out.links += 1
        elif kind == "link_close":
            depth = max(0, depth - 1)
        elif kind == "image":
            out.images += 1
            alt = _Inline()
            _render_inline(list(tok.children or []), alt, in_link=True)
            out.add("".join(alt.text) or tok.content, True)
        elif kind == "html_inline" and tok.content.lower().startswith("<br"):
            out.add(" ", depth > 0)
        # emphasis, strikethrough and other markers carry no words


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _inline_hint(children: list[Token]) -> tuple[str, str | None]:
    """The text of an inline run, with "image" or "link-only" when that is all it is."""
    run = _Inline()
    _render_inline(children, run)
    text = _collapse("".join(run.text))
    outside = _collapse("".join(run.outside_links))
    if run.images and not outside:
        return text, "image"
    if run.links and (
        not outside or (outside.endswith(":") and len(outside.split()) <= _LABEL_WORDS)
    ):
        return text, "link-only"
    return text, None


def _inline_blocks(tok: Token) -> list[tuple[str, str | None]]:
    """One paragraph or heading; a picture with its caption on the next line ("![alt](src)"
    then "*Photo: ...*") is two image blocks, since alt text and caption say different
    things."""
    children = [c for c in tok.children or [] if not (c.type == "text" and not c.content)]
    if (
        len(children) > 2
        and children[0].type == "image"
        and children[1].type in ("softbreak", "hardbreak")
    ):
        alt, _ = _inline_hint(children[:1])
        caption, _ = _inline_hint(children[2:])
        return [(alt, "image"), (caption, "image")]
    return [_inline_hint(children)]


@dataclass
class _Context:
    heading: int = 0
    lists: int = 0
    quotes: int = 0
    row: list[str] | None = None


def _structural_hint(ctx: _Context) -> str | None:
    if ctx.heading:
        return f"heading{ctx.heading}"
    if ctx.lists:
        return "list-item"
    if ctx.quotes:
        return "quote"
    return None


def markdown_blocks(text: str) -> list[BlockSpec]:
    """Blocks of a Markdown document in reading order; syntax removed, structure as hints."""
    from markdown_it import MarkdownIt  # lazy: only Markdown copies pay for the parser

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    out: list[BlockSpec] = []
    ctx = _Context()
    for tok in parser.parse(text):
        kind = tok.type
        if kind == "heading_open":
            ctx.heading = int(tok.tag[1:])
        elif kind == "heading_close":
            ctx.heading = 0
        elif kind in ("bullet_list_open", "ordered_list_open"):
            ctx.lists += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            ctx.lists -= 1
        elif kind == "blockquote_open":
            ctx.quotes += 1
        elif kind == "blockquote_close":
            ctx.quotes -= 1
        elif kind == "tr_open":
            ctx.row = []
        elif kind == "tr_close":
            if ctx.row is not None and any(ctx.row):
                out.append((" | ".join(ctx.row), None))
            ctx.row = None
        elif kind == "inline":
            for body, hint in _inline_blocks(tok):
                if ctx.row is not None:
                    ctx.row.append(body)
                elif body:
                    # A heading stays a heading even when it is a link; elsewhere what the
                    # paragraph *is* (only a link, a picture) matters more than where it sits.
                    structural = _structural_hint(ctx)
                    out.append((body, structural if ctx.heading or not hint else hint))
        elif kind in ("fence", "code_block"):
            code = tok.content.strip("\n")
            if code.strip():
                out.append((code, _structural_hint(ctx)))
        elif kind == "html_block":
            words = _collapse(html.unescape(_TAG.sub(" ", tok.content)))
            if words:
                out.append((words, _structural_hint(ctx)))
    return out
