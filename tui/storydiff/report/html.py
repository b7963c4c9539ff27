"""The HTML report: one self-contained page, outlets side by side, for phones and print.

One file that works offline and can be mailed or archived: inline ``<style>`` only, no script,
no external stylesheet, font or image (a report about hostile copies must not phone home when
opened).  Each row is a CSS grid of cells that sit side by side on a desktop and stack on a
phone; print rules keep a cell on one page and drop tints a printer would lose.  Meaning never
rests on colour alone: deletions are struck and insertions underlined, flags say "flagged",
badges carry their text.

Every string from a copy goes through :func:`esc` (``visible`` then ``html.escape`` with
quotes), the one choke point: ``</td>`` or ``<script>`` in an article is shown, never parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape as _html_escape

from ..model import Alignment, Version
from ..review import Review
from ..textnorm import visible
from . import common
from .common import CellView, Piece, RowView
from .stats import EXPLAIN, outlet_stats, percent

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
FALLBACK_COLOUR = "#6e7681"

CSS = """
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e;
  --line: #d1d9e0; --card: #f6f8fa; --del-fg: #82071e; --del-bg: #ffebe9; --ins-fg: #116329;
  --ins-bg: #dafbe1; --flag: #cf222e; --note-bg: #fff8c5; --note-line: #9a6700; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --card: #151b23;
    --del-fg: #ffdcd7; --del-bg: #67060c; --ins-fg: #aff5b4; --ins-bg: #033a16;
    --flag: #ff7b72; --note-bg: #2e2a12; --note-line: #d29922; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 96rem; padding: 1rem; color: var(--fg);
  background: var(--bg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
  overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; line-height: 1.25; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0 0 .5rem; }
.meta, .remarks, .legend, .explain { color: var(--muted); font-size: .9rem; }
.explain { padding-left: 1.25rem; }
.progress { font-weight: 600; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: .9rem; overflow-wrap: normal; }
th, td { padding: .25rem .5rem; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.src { overflow-wrap: anywhere; min-width: 10rem; }
td.outlet { min-width: 9rem; }
del { color: var(--del-fg); background: var(--del-bg); text-decoration: line-through; }
ins { color: var(--ins-fg); background: var(--ins-bg); text-decoration: underline; }
.row { margin: 1.25rem 0; padding: .5rem 0 0; border-top: 1px solid var(--line); }
.row.flagged { border-left: 4px solid var(--flag); padding-left: .75rem; }
.state { font-weight: 600; white-space: nowrap; }
.state.flag { color: var(--flag); }
.status { font-weight: 400; color: var(--muted); }
.reference { font-style: italic; color: var(--muted); margin: 0 0 .5rem; }
.note { background: var(--note-bg); border-left: 4px solid var(--note-line);
  padding: .5rem .75rem; margin: 0 0 .75rem; }
.note .body { white-space: pre-wrap; }
.cells { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(14rem, 100%), 1fr));
  gap: .75rem; }
.cell { border: 1px solid var(--line); border-top: 4px solid var(--c); border-radius: 6px;
  padding: .5rem .75rem; background: var(--card); min-width: 0; }
.cell.base { border-width: 2px; border-top-width: 4px; }
.cell header { margin-bottom: .25rem; }
.cell .text { white-space: pre-line; margin: 0; }
.cell.missing { background: transparent; border-style: dashed; border-top-style: solid; }
.cell.missing .text { font-style: italic; color: var(--muted); }
.badge { display: inline-block; padding: 0 .4em; border-radius: 4px; font-weight: 700;
  font-size: .85em; background: var(--c); color: var(--on-c); white-space: nowrap; }
.outlet { font-weight: 600; }
.unique li, .orphan { margin-bottom: .5rem; }
@media print {
  :root { --fg: #000; --bg: #fff; --muted: #333; --line: #999; --card: #fff; --del-fg: #000;
    --del-bg: transparent; --ins-fg: #000; --ins-bg: transparent; --flag: #000;
    --note-bg: transparent; --note-line: #000; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  .scroll { overflow: visible; }
  .cells { grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); }
  .cell, .note, tr, .orphan { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  ins { font-weight: 700; }
  .badge { background: none; color: #000; border: 1px solid #000; }
  .cell { border-top-color: #000; }
  a { color: #000; }
}
"""


def esc(text: str) -> str:
    """A copy's string as HTML text or attribute value that shows exactly its characters."""
    return _html_escape(visible(text), quote=True)


def _colour_rules(al: Alignment) -> str:
    """One class per version for its outlet colour, with a readable text colour on it; a
    colour that is not ``#rrggbb`` (the model promises it, a manifest might not) is not
    written into the stylesheet."""
    rules = []
    for n, v in enumerate(al.versions, 1):
        colour = v.colour if _COLOUR.fullmatch(v.colour) else FALLBACK_COLOUR
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        on = "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#fff"
        rules.append(f".v{n} {{ --c: {colour}; --on-c: {on}; }}")
    return "\n".join(rules)


def marked(pieces: Iterable[Piece]) -> str:
    """A cell's pieces as HTML text with ``<del>`` and ``<ins>``."""
    parts = []
    for p in pieces:
        if p.kind == "same":
            parts.append(esc(p.text))
        else:
            parts.append(f"<{p.kind}>{esc(p.text)}</{p.kind}>{esc(p.gap)}")
    return "".join(parts).strip()


def _badge(n: int, v: Version) -> str:
    badge = f'<span class="badge v{n}">{esc(v.badge)}</span>'
    return f'{badge} <span class="outlet">{esc(v.outlet)}</span>'


def _link(url: str | None) -> str:
    if not url:
        return "—"
    if re.match(r"https?://", url, re.IGNORECASE):
        return f'<a href="{esc(url)}" rel="noreferrer noopener">{esc(url)}</a>'
    return esc(url)


def _versions(al: Alignment) -> list[str]:
    out = [
        '<div class="scroll"><table>',
        '<thead><tr><th class="n">#</th><th>Outlet</th><th>File</th><th>URL</th>'
        '<th>Date</th><th class="n">Paragraphs</th></tr></thead><tbody>',
    ]
    for n, v in enumerate(al.versions, 1):
        base = " <em>(base)</em>" if v.id == al.base else ""
        out.append(
            f'<tr><td class="n">{n}</td><td class="outlet">{_badge(n, v)}{base}</td>'
            f'<td class="src">{esc(v.source)}</td><td class="src">{_link(v.url)}</td>'
            f'<td class="n">{esc(v.date or "—")}</td><td class="n">{len(v.body)}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return out


def _summary(al: Alignment) -> list[str]:
    head = "".join(
        f'<th class="n">{h}</th>'
        for h in ("Kept", "Cut", "Changed", "Added", "Moved", "Base words kept", "Similarity")
    )
    out = [
        '<div class="scroll"><table>',
        f'<thead><tr><th class="n">#</th><th>Outlet</th>{head}</tr></thead><tbody>',
    ]
    for n, (v, s) in enumerate(zip(al.versions, outlet_stats(al), strict=True), 1):
        base = " <em>(base)</em>" if v.id == al.base else ""
        figures = (s.kept, s.cut, s.changed, s.added, s.moved)
        cells = "".join(f'<td class="n">{x}</td>' for x in figures)
        cells += f'<td class="n">{percent(s.words_kept)}</td>'
        cells += f'<td class="n">{percent(s.similarity)}</td>'
        out.append(
            f'<tr><td class="n">{n}</td><td class="outlet">{_badge(n, v)}{base}</td>{cells}</tr>'
        )
    out.append("</tbody></table></div>")
    out.append('<ul class="explain">')
    out.extend(
        f"<li><strong>{esc(name.capitalize())}</strong>: {esc(t)}.</li>" for name, t in EXPLAIN
    )
    out.append("</ul>")
    return out


def _note(text: str) -> str:
    return f'<div class="note"><strong>Note:</strong> <span class="body">{esc(text)}</span></div>'


def _states(states: Iterable[str]) -> str:
    return "".join(
        f' · <span class="state{" flag" if "flagged" in s else ""}">{esc(s)}</span>' for s in states
    )


def _cell(cv: CellView) -> str:
    classes = ["cell", f"v{cv.number}"]
    if cv.cell is None:
        classes.append("missing")
        body = esc(common.MISSING)
    else:
        body = marked(cv.pieces) or "<em>(empty)</em>"
        if "base" in cv.remarks:
            classes.append("base")
    remarks = " · ".join(esc(r) for r in cv.remarks)
    return (
        f'<article class="{" ".join(classes)}"><header>{_badge(cv.number, cv.version)}'
        f' <span class="remarks">#{cv.number}{" · " + remarks if remarks else ""}</span>'
        f'</header><p class="text">{body}</p></article>'
    )


def _row(rv: RowView) -> list[str]:
    cls = "row flagged" if rv.flagged else "row"
    status = esc(rv.heading.removeprefix(f"Row {rv.number}"))
    out = [
        f'<section class="{cls}" id="row-{rv.number}">',
        f'<h3>Row {rv.number}<span class="status">{status}</span>{_states(rv.states)}</h3>',
    ]
    if rv.mark is not None and rv.mark.note:
        out.append(_note(rv.mark.note))
    if rv.reference:
        out.append(f'<p class="reference">{esc(rv.reference)}</p>')
    out.append('<div class="cells">')
    out.extend(_cell(cv) for cv in rv.cells)
    out.append("</div></section>")
    return out


def _tail(al: Alignment, review: Review | None) -> list[str]:
    """The rows only one copy has, the orphaned notes and the warnings."""
    out: list[str] = []
    groups = common.unique_groups(al)
    if groups:
        out.append(f'<section id="unique"><h2>{esc(common.UNIQUE_TITLE)}</h2>')
        for number, v, rows in groups:
            out.append(f"<h3>{_badge(number, v)}</h3>")
            out.append('<ul class="unique">')
            out.extend(f'<li><a href="#row-{n}">Row {n}</a>: {esc(text)}</li>' for n, text in rows)
            out.append("</ul>")
        out.append("</section>")
    orphans = common.orphans(review)
    if orphans:
        out.append(f'<section id="orphans"><h2>{esc(common.ORPHANS_TITLE)}</h2>')
        for entry in orphans:
            out.append(
                f'<div class="orphan"><h3>{esc(common.was_row(entry))}'
                f"{_states(common.mark_states(entry.mark))}</h3>"
                f'<p class="text">{esc(entry.text)}</p>'
            )
            if entry.mark.note:
                out.append(_note(entry.mark.note))
            out.append("</div>")
        out.append("</section>")
    if al.warnings:
        out.append('<section id="warnings"><h2>Warnings</h2><ul>')
        out.extend(f"<li>{esc(w)}</li>" for w in al.warnings)
        out.append("</ul></section>")
    return out


def render_html(al: Alignment, review: Review | None, generated: str) -> str:
    title = common.title(al)
    out = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)} · storydiff</title>",
        f"<style>{CSS}{_colour_rules(al)}\n</style>",
        "</head>",
        "<body>",
        f"<header><h1>{esc(title)}</h1>",
        f'<p class="meta">{esc(common.generation_line(al, generated))}</p>',
    ]
    if review is not None:
        out.append(f'<p class="progress">Review: {esc(common.progress(al, review))}</p>')
    out += [
        '<p class="legend">Differences against the base: <del>words the base has and this '
        "copy lacks</del> <ins>words this copy has and the base lacks</ins>.</p></header>",
        '<main><section id="versions"><h2>Versions</h2>',
        *_versions(al),
        '</section><section id="summary"><h2>Per outlet</h2>',
        *_summary(al),
        '</section><section id="rows"><h2>Rows</h2>',
    ]
    for rv in common.row_views(al, review):
        out += _row(rv)
    out.append("</section>")
    out += _tail(al, review)
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"
