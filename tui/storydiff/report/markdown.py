"""The Markdown report: for notes, chat and editors; changes as ``~~cut~~ **added**``.

The copies are hostile to Markdown: a paragraph may start with ``#`` or ``1.``, carry
``**bold**``, ``[links](…)``, ``|`` or raw HTML.  So every string from a copy (text, outlet
names, titles, notes, file names, URLs) goes through :func:`escape`: backslash escapes for the
characters that act anywhere in a line, and for the few that act only at the start of a line
(``-`` ``+`` ``=`` ``1.``) where they start one.  Every backslash escape is a CommonMark one,
so a renderer shows exactly the copy's characters.  A newline inside a cell becomes `` ¶ `` (a
cell stays one paragraph, a table cell one line); a note keeps its lines inside one
blockquote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import Alignment
from ..review import Review
from ..textnorm import visible
from . import common
from .common import CellView, Piece, RowView
from .stats import EXPLAIN, outlet_stats, percent

_INLINE = re.compile(r"([\\`*_{}\[\]<>()#!|~&])")
_LINE_START = re.compile(r"^([ \t]*)([-+=])")  # list item, setext underline
_ORDERED = re.compile(r"^([ \t]*\d+)\.")  # "1." starts an ordered list ("1)": ")" is escaped)
_NEWLINES = re.compile(r"[ \t]*(?:\r\n|\r|\n)\s*")

PARAGRAPH_MARK = " ¶ "


def escape(text: str) -> str:
    """A copy's string as Markdown that renders as exactly its (visible) characters, on one
    line: safe anywhere inline, and at the start of a line or a table cell."""
    flat = _NEWLINES.sub(PARAGRAPH_MARK, visible(text))
    out = _INLINE.sub(r"\\\1", flat)
    out = _LINE_START.sub(r"\1\\\2", out)
    return _ORDERED.sub(r"\1\\.", out)


def marked(pieces: Iterable[Piece]) -> str:
    """A cell's pieces as one Markdown line: ``~~lost~~`` and ``**added**``, the markers
    tight around the words (a space inside them stops Markdown from rendering them)."""
    parts: list[str] = []
    for p in pieces:
        if p.kind == "same":
            parts.append(escape(p.text))
            continue
        fence = "~~" if p.kind == "del" else "**"
        parts.append(f"{fence}{escape(p.text)}{fence}{escape(p.gap)}")
    return "".join(parts).strip()


def _quote(label: str, text: str) -> list[str]:
    """A multi-line note as one blockquote, each line kept (hard breaks, never a new block)."""
    lines = [line.strip() for line in text.splitlines()] or [""]
    out = []
    for i, line in enumerate(lines):
        body = escape(line)
        if i == 0:
            body = f"**{label}** {body}".rstrip()
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        brk = "\\" if line and nxt else ""  # a trailing backslash is a CommonMark hard break
        out.append(f"> {body}{brk}" if body else ">")
    return out


def _table(head: list[str], align: str, rows: Iterable[list[str]]) -> list[str]:
    """A GFM table; the cells are already escaped (so hold no raw ``|`` and no newline)."""
    rule = ["---:" if a == "r" else "---" for _, a in zip(head, align, strict=True)]
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(rule) + " |"]
    out.extend("| " + " | ".join(r) + " |" for r in rows)
    return out


def _versions(al: Alignment) -> list[str]:
    rows = [
        [
            str(n),
            escape(v.badge),
            escape(v.outlet),
            escape(v.source),
            escape(v.url or "—"),
            escape(v.date or "—"),
            str(len(v.body)),
        ]
        for n, v in enumerate(al.versions, 1)
    ]
    head = ["#", "Tag", "Outlet", "File", "URL", "Date", "Paragraphs"]
    return _table(head, "rlllllr", rows)


def _summary(al: Alignment) -> list[str]:
    rows = []
    for n, (v, s) in enumerate(zip(al.versions, outlet_stats(al), strict=True), 1):
        base = " (base)" if v.id == al.base else ""
        rows.append(
            [
                str(n),
                escape(v.badge),
                escape(v.outlet + base),
                *(str(x) for x in (s.kept, s.cut, s.changed, s.added, s.moved)),
                percent(s.words_kept),
                percent(s.similarity),
            ]
        )
    head = ["#", "Tag", "Outlet", "Kept", "Cut", "Changed", "Added", "Moved", "Base words kept"]
    out = _table([*head, "Similarity"], "rllrrrrrrr", rows)
    out.append("")
    out.extend(f"- **{escape(name.capitalize())}**: {escape(text)}." for name, text in EXPLAIN)
    return out


def _cell(cv: CellView) -> list[str]:
    label = f"**{cv.number} · {escape(cv.label)}**"
    if cv.remarks:
        label += " · " + " · ".join(escape(r) for r in cv.remarks)
    body = marked(cv.pieces) if cv.cell is not None else f"_{escape(common.MISSING)}_"
    return [label, "", body or "_\\(empty\\)_", ""]


def _row(rv: RowView) -> list[str]:
    heading = " · ".join([rv.heading, *rv.states])
    out = [f"### {escape(heading)}", ""]
    if rv.mark is not None and rv.mark.note:
        out += [*_quote("Note:", rv.mark.note), ""]
    if rv.reference:
        out += [f"_{escape(rv.reference)}_", ""]
    for cv in rv.cells:
        out += _cell(cv)
    return out


def render_markdown(al: Alignment, review: Review | None, generated: str) -> str:
    out = [f"# {escape(common.title(al))}", "", escape(common.generation_line(al, generated)), ""]
    if review is not None:
        out += [f"**Review:** {escape(common.progress(al, review))}", ""]
    out += [
        "Differences against the base: ~~words the base has and this copy lacks~~, "
        "**words this copy has and the base lacks**; ¶ separates paragraphs within a row.",
        "",
        "## Versions",
        "",
        *_versions(al),
        "",
        "## Per outlet",
        "",
        *_summary(al),
        "",
        "## Rows",
        "",
    ]
    for rv in common.row_views(al, review):
        out += _row(rv)
    groups = common.unique_groups(al)
    if groups:
        out += [f"## {escape(common.UNIQUE_TITLE)}", ""]
        for number, v, rows in groups:
            out += [f"### {number} · {escape(v.badge)} · {escape(v.outlet)}", ""]
            out += [f"- **Row {n}**: {escape(text)}" for n, text in rows]
            out.append("")
    orphans = common.orphans(review)
    if orphans:
        out += [f"## {escape(common.ORPHANS_TITLE)}", ""]
        for entry in orphans:
            heading = " · ".join([common.was_row(entry), *common.mark_states(entry.mark)])
            out += [f"### {escape(heading)}", "", f"Passage: {escape(entry.text)}", ""]
            if entry.mark.note:
                out += [*_quote("Note:", entry.mark.note), ""]
    if al.warnings:
        out += ["## Warnings", "", *(f"- {escape(w)}" for w in al.warnings), ""]
    return "\n".join(out).rstrip("\n") + "\n"
