"""The report renderers: what the per-outlet figures count, that every format carries the
whole story and the review, and that nothing from a copy can break a report's structure."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from conftest import SEEDS, modules_after
from storydiff.build import build_alignment
from storydiff.diff import word_diff
from storydiff.jsonio import alignment_to_dict
from storydiff.model import (
    Alignment,
    Cell,
    DiffOp,
    Format,
    Op,
    Paragraph,
    Row,
    RowStatus,
    Version,
)
from storydiff.report import FORMATS, SUFFIX, html, markdown, render
from storydiff.report.common import pieces
from storydiff.report.markdown import escape
from storydiff.report.stats import outlet_stats, percent
from storydiff.report.table import defuse
from storydiff.review import Entry, Mark, Review
from storydiff.story import load_story
from storydiff.textnorm import visible

STAMP = "2024-05-01T12:00:00Z"
MISSING = "_not in this copy_"


# ------------------------------------------------------------------------------- helpers
def make_version(vid: str, *texts: str, outlet: str = "", badge: str = "") -> Version:
    return Version(
        id=vid,
        source=f"{vid}.txt",
        format=Format.TEXT,
        outlet=outlet or f"Outlet {vid.upper()}",
        badge=badge or vid.upper(),
        colour="#3366cc",
        paragraphs=tuple(Paragraph(i, t) for i, t in enumerate(texts)),
    )


def make_cell(
    version: Version,
    index: int,
    *ops: DiffOp,
    moved: bool = False,
    similarity: float = 1.0,
) -> Cell:
    """A cell holding the version's paragraph ``index``; no ops: the same words as the base."""
    para = version.paragraphs[index]
    diff = ops or (DiffOp(Op.EQUAL, para.text, para.text),)
    return Cell(version.id, (para,), index, moved, similarity, diff, diff)


def eq(text: str) -> DiffOp:
    return DiffOp(Op.EQUAL, text, text)


@pytest.fixture(scope="module")
def tiny() -> Alignment:
    """``a`` is the base.  Row 1: ``c`` says "3" for "three".  Row 2: ``b`` lacks it, ``c``
    has it moved.  Row 3: only ``b``.  Row 4: ``c`` lacks it."""
    a = make_version("a", "one two three four", "five six", "nine ten")
    b = make_version("b", "one two three four", "seven eight", "nine ten")
    c = make_version("c", "five six", "one two 3 four")
    replaced = DiffOp(Op.REPLACE, "3 ", "three ", number=True)
    rows = (
        Row(
            0,
            RowStatus.CHANGED,
            {
                "a": make_cell(a, 0),
                "b": make_cell(b, 0),
                "c": make_cell(c, 1, eq("one two "), replaced, eq("four"), similarity=0.8),
            },
        ),
        Row(1, RowStatus.MOVED, {"a": make_cell(a, 1), "c": make_cell(c, 0, moved=True)}),
        Row(2, RowStatus.UNIQUE, {"b": make_cell(b, 1, similarity=0.0)}, consensus="b"),
        Row(3, RowStatus.PARTIAL, {"a": make_cell(a, 2), "b": make_cell(b, 2)}),
    )
    return Alignment((a, b, c), "a", rows, title="Tiny", base_reason="named by the user")


@pytest.fixture(scope="module")
def seeds() -> Alignment:
    return load_story([str(SEEDS)])


def seeds_review(al: Alignment) -> Review:
    review = Review()
    review.toggle_flagged(al.rows[1].id)
    review.toggle_reviewed(al.rows[1].id)
    review.set_note(al.rows[1].id, "Who said this?\nCheck the wire copy.")
    review.toggle_reviewed(al.rows[4].id)
    review.set_note(al.rows[6].id, "Numbers differ.")
    gone = Mark(flagged=True, note="Was this cut for length?")
    review.orphans.append(Entry(("0123456789abcdef",), "A passage since cut.", gone, 9))
    return review


def md_unescape(text: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def md_own_text(line: str) -> str:
    """A Markdown cell line as the words the copy has: struck spans dropped, ``**`` and
    escapes removed (a tiny parser of exactly what the report writes)."""
    out: list[str] = []
    struck = False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            if not struck:
                out.append(line[i + 1])
            i += 2
        elif line.startswith("~~", i):
            struck = not struck
            i += 2
        elif line.startswith("**", i):
            i += 2
        else:
            if not struck:
                out.append(ch)
            i += 1
    return "".join(out)


def words(text: str) -> str:
    return " ".join(visible(text).replace("¶", " ").split())


class CellText(HTMLParser):
    """Per row section and version number: a cell's own text (outside ``<del>``) and the
    words struck in it, plus every tag and all text of the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.row = 0
        self.version = 0
        self.depth = {"del": 0, "ins": 0, "header": 0, "p": 0}
        self.own: dict[tuple[int, int], str] = {}
        self.lost: dict[tuple[int, int], str] = {}
        self.added: dict[tuple[int, int], str] = {}
        self.tags: Counter[str] = Counter()
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        a = dict(attrs)
        if tag == "section" and (a.get("id") or "").startswith("row-"):
            self.row = int((a["id"] or "")[4:])
        if tag == "article":  # a copy that lacks the row has no text to compare
            classes = (a.get("class") or "").split()
            number = int(next(c[1:] for c in classes if re.fullmatch(r"v\d+", c)))
            self.version = -1 if "missing" in classes else number
        if tag == "a":
            self.hrefs.append(a.get("href") or "")
        if tag in self.depth:
            self.depth[tag] += 1
        if tag == "del":  # one struck span is not the next one's neighbouring word
            key = (self.row, self.version)
            self.lost[key] = self.lost.get(key, "") + " "

    def handle_endtag(self, tag: str) -> None:
        if tag in self.depth:
            self.depth[tag] -= 1
        if tag == "article":
            self.version = 0

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.version <= 0 or self.depth["header"] or not self.depth["p"]:
            return
        key = (self.row, self.version)
        if self.depth["del"]:
            self.lost[key] = self.lost.get(key, "") + data
        else:
            self.own[key] = self.own.get(key, "") + data
            if self.depth["ins"]:
                self.added[key] = self.added.get(key, "") + data


def parse_html(doc: str) -> CellText:
    parser = CellText()
    parser.feed(doc)
    parser.close()
    return parser


def md_cells(doc: str) -> dict[tuple[int, int], str]:
    """(row number, version number) -> the cell's line in the Markdown report."""
    lines = doc.splitlines()
    out: dict[tuple[int, int], str] = {}
    row = 0
    for i, line in enumerate(lines):
        if m := re.match(r"### Row (\d+) ", line):
            row = int(m.group(1))
        elif row and (m := re.match(r"\*\*(\d+) · ", line)) and lines[i + 2] != MISSING:
            out[(row, int(m.group(1)))] = lines[i + 2]
    return out


# ------------------------------------------------------------------------------- stats
def test_stats_of_a_hand_built_alignment(tiny: Alignment) -> None:
    a, b, c = outlet_stats(tiny)
    assert (a.paragraphs, a.kept, a.cut, a.changed, a.added, a.moved) == (3, 3, 0, 0, 0, 0)
    assert (a.words_kept, a.similarity) == (1.0, 1.0)
    assert (b.paragraphs, b.kept, b.cut, b.changed, b.added, b.moved) == (3, 2, 1, 0, 1, 0)
    assert b.words_kept == pytest.approx(6 / 8)  # rows 1 and 4 of the base's 8 words
    assert b.similarity == 1.0
    assert (c.paragraphs, c.kept, c.cut, c.changed, c.added, c.moved) == (2, 2, 1, 1, 0, 1)
    assert c.words_kept == pytest.approx(5 / 8)  # "one two four" + the moved "five six"
    assert c.similarity == pytest.approx(0.9)


def test_stats_of_a_copy_sharing_nothing_with_the_base() -> None:
    a, b = make_version("a", "alpha beta"), make_version("b", "gamma")
    rows = (
        Row(0, RowStatus.UNIQUE, {"a": make_cell(a, 0)}, consensus="a"),
        Row(1, RowStatus.UNIQUE, {"b": make_cell(b, 0, similarity=0.0)}, consensus="b"),
    )
    _, s = outlet_stats(Alignment((a, b), "a", rows))
    assert (s.kept, s.cut, s.added, s.words_kept, s.similarity) == (0, 1, 1, 0.0, 0.0)


def test_stats_of_the_seeds(seeds: Alignment) -> None:
    stats = {s.version: s for s in outlet_stats(seeds)}
    base_rows = [r for r in seeds.rows if seeds.base in r.cells]
    base = stats[seeds.base]
    assert (base.kept, base.cut, base.added, base.words_kept) == (len(base_rows), 0, 0, 1.0)
    for v in seeds.versions:
        s = stats[v.id]
        assert s.paragraphs == len(v.body)
        if v.id != seeds.base:
            assert s.kept + s.cut == len(base_rows)
            assert s.added == sum(1 for r in seeds.rows if v.id in r.cells) - s.kept
            assert 0.0 < s.words_kept < 1.0
        assert s.moved == sum(1 for r in seeds.rows if v.id in r.cells and r.cells[v.id].moved)
    by_outlet = {v.outlet: stats[v.id] for v in seeds.versions}
    assert by_outlet["Euronews"].cut > 0  # the short rewrite lacks most of the story
    assert by_outlet["IPA News"].added >= 5  # its own closing paragraphs
    assert by_outlet["The Globe and Mail"].moved > 0


def test_percent_never_rounds_to_all_or_nothing() -> None:
    assert (percent(1.0), percent(0.999), percent(0.0), percent(0.001)) == (
        "100%",
        "99%",
        "0%",
        "1%",
    )


# ------------------------------------------------------------------------------- dispatch
def test_formats_and_suffixes() -> None:
    assert set(SUFFIX) == set(FORMATS)
    with pytest.raises(ValueError, match="pdf"):
        render(load_story([]), None, "pdf")


def test_default_generation_time_is_utc_to_the_second(tiny: Alignment) -> None:
    assert re.search(r"generated \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.", render(tiny, None, "md"))


def test_reports_need_no_textual() -> None:
    mods = modules_after(
        "from storydiff.report import render\nfrom storydiff.story import load_story\n"
        "al = load_story([])\nfor f in ('md', 'html', 'json', 'csv'): render(al, None, f)"
    )
    assert "textual" not in mods


# ------------------------------------------------------------------------------- content
def test_markdown_and_html_mark_a_changed_word(tiny: Alignment) -> None:
    md = render(tiny, None, "md", generated=STAMP)
    assert "one two ~~three~~ **3** four" in md
    page = parse_html(render(tiny, None, "html", generated=STAMP))
    assert page.lost[(1, 3)].split() == ["three"] and page.added[(1, 3)] == "3"
    assert "Row 2 · moved" in md and "moved: paragraph 1 of its copy" in md
    assert md.count("_not in this copy_") == 4


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_seeds_report_carries_every_cell(seeds: Alignment, fmt: str) -> None:
    """Every copy's own text of every row is in the report, word for word (after taking
    the struck words and the markup away), and every outlet is named."""
    doc = render(seeds, seeds_review(seeds), fmt, generated=STAMP)
    if fmt == "md":
        cells = {k: md_own_text(v) for k, v in md_cells(doc).items()}
        plain = md_unescape(doc)
    else:
        page = parse_html(doc)
        cells, plain = page.own, "".join(page.text)
    numbers = {v.id: n for n, v in enumerate(seeds.versions, 1)}
    for n, row in enumerate(seeds.rows, 1):
        for vid, cell in row.cells.items():
            assert words(cells[(n, numbers[vid])]) == words(cell.text), (n, vid)
    assert len(cells) == sum(len(r.cells) for r in seeds.rows)
    missing = len(seeds.versions) * len(seeds.rows) - len(cells)
    assert plain.count("not in this copy") == missing
    for v in seeds.versions:
        assert v.outlet in plain and v.badge in plain
    assert seeds.title in plain
    assert "storydiff 0.1.0, generated 2024-05-01T12:00:00Z" in plain
    assert "most central copy" in plain


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_seeds_report_carries_the_review(seeds: Alignment, fmt: str) -> None:
    doc = render(seeds, seeds_review(seeds), fmt, generated=STAMP)
    plain = md_unescape(doc) if fmt == "md" else "".join(parse_html(doc).text)
    assert "2/27 reviewed, 1 flagged, 2 notes" in plain
    assert re.search(r"Row 2 · \w+ · ✓ reviewed · ⚑ flagged", plain)
    assert "Who said this?" in plain and "Check the wire copy." in plain
    assert "Numbers differ." in plain
    assert "Notes on passages no longer in the story" in plain
    assert "Was row 9 · ⚑ flagged" in plain
    assert "A passage since cut." in plain and "Was this cut for length?" in plain
    assert "Only in one copy" in plain
    without = render(seeds, None, fmt, generated=STAMP)
    assert "reviewed" not in without and "Notes on passages" not in without


def test_markdown_note_lines_stay_in_one_blockquote(seeds: Alignment) -> None:
    doc = render(seeds, seeds_review(seeds), "md", generated=STAMP)
    assert "> **Note:** Who said this?\\\n> Check the wire copy.\n" in doc


def test_html_is_one_self_contained_page(seeds: Alignment) -> None:
    doc = render(seeds, seeds_review(seeds), "html", generated=STAMP)
    assert doc.startswith("<!doctype html>")
    assert '<meta charset="utf-8">' in doc and 'name="viewport"' in doc
    for banned in ("<script", "<link", "@import", "url(", "src=", "<img", "<iframe"):
        assert banned not in doc.lower(), banned
    assert "@media print" in doc and "break-inside: avoid" in doc
    assert 'class="row flagged"' in doc and 'class="note"' in doc
    assert doc.count('<div class="scroll"><table>') == 2


def test_csv_has_a_line_per_row_and_copy(seeds: Alignment) -> None:
    lines = list(csv.reader(io.StringIO(render(seeds, seeds_review(seeds), "csv"))))
    head, body = lines[0], lines[1:]
    assert head[:3] == ["row", "row_status", "version"] and head[-1] == "note"
    assert len(body) == sum(len(r.cells) for r in seeds.rows)
    first = [dict(zip(head, line, strict=True)) for line in body if line[0] == "2"]
    assert {d["note"] for d in first} == {"Who said this?\nCheck the wire copy."}
    assert {d["flagged"] for d in first} == {"true"}
    assert any("[-" in d["marked"] or "{+" in d["marked"] for d in first)


def test_json_is_the_alignment_plus_the_review(seeds: Alignment) -> None:
    data = json.loads(render(seeds, seeds_review(seeds), "json"))
    assert {k: v for k, v in data.items() if k != "review"} == alignment_to_dict(seeds)
    assert data["review"]["counts"]["flagged"] == 1
    assert data["review"]["orphans"][0]["note"] == "Was this cut for length?"
    assert json.loads(render(seeds, None, "json"))["review"]["rows"] == []


# Words a copy may hold, Markdown and HTML syntax included.
WORD = st.text(alphabet="ab*_~`#|<>&[]()\\-+.=!1é", min_size=1, max_size=4)


@given(st.lists(WORD, max_size=8), st.lists(WORD, max_size=8), st.sampled_from([" ", "\n\n"]))
def test_marked_cells_keep_both_readings(old: list[str], new: list[str], sep: str) -> None:
    """Whatever the words, a marked cell read without its struck words is the copy's text,
    and its struck words are the ones the reference lost (Markdown and HTML alike); a cell
    of several paragraphs stays one Markdown line."""
    ops = word_diff(" ".join(old), sep.join(new))
    lost = " ".join(op.ref for op in ops if op.op in (Op.DELETE, Op.REPLACE)).split()
    line = markdown.marked(pieces(ops))
    assert "\n" not in line
    assert md_own_text(line).replace("¶", " ").split() == new
    page = parse_html(f'<section id="row-1"><article class="v1"><p>{html.marked(pieces(ops))}')
    assert page.own.get((1, 1), "").split() == new
    assert page.lost.get((1, 1), "").split() == lost


# ------------------------------------------------------------------------------- hostile text
HOSTILE = (
    "<script>alert(1)</script> closes </td> early",
    "&amp; is an entity, & is not",
    "**bold** and # not a heading",
    "# heading at the start",
    "| pipe | in the text |",
    "[link](http://x) and `code` and <http://y>",
    "\x1b[31mred\x1b[0m and [bold]Rich markup[/bold] \u202eevil",
    "- a list item",
    "1. an ordered item",
    "===",
    "> a quote",
    "back\\slash _under_ ~~struck~~ <b>tag</b> {brace}",
    '=HYPERLINK("http://evil", "click")',
    "@mention +1 -1",
)


@pytest.fixture(scope="module")
def hostile() -> tuple[Alignment, Review]:
    a = make_version("a", *HOSTILE, outlet="<script>alert(1)</script> | **Out**", badge="<b>|#")
    b_texts = [t.replace("is", "was") for t in HOSTILE[:-2]]
    b = make_version("b", *b_texts, outlet="=cmd|' /C calc'!A0", badge="[-x-]")
    b = replace(b, url="javascript:alert(1)")
    al = build_alignment([a, b], base="a", title="# Title <script>x</script> | [t](u)")
    review = Review()
    review.set_note(al.rows[0].id, "</div><script>alert(2)</script>\n# not a heading\n| x |")
    review.toggle_flagged(al.rows[1].id)
    review.orphans.append(Entry(("ff",), "<b>gone</b> | **x**", Mark(note="- item\n1. x"), 3))
    return al, review


def test_markdown_escape_round_trips() -> None:
    for text in HOSTILE:
        assert md_unescape(escape(text)) == visible(text)
        assert "\x1b" not in escape(text)


def test_html_shows_hostile_text_as_text(hostile: tuple[Alignment, Review]) -> None:
    al, review = hostile
    doc = render(al, review, "html", generated=STAMP)
    assert "<script" not in doc.lower() and "\x1b" not in doc and "\u202e" not in doc
    page = parse_html(doc)
    allowed = set(
        "html head meta title style body header h1 h2 h3 p del ins main section div table "
        "thead tbody tr th td span em strong article ul li a".split()
    )
    assert set(page.tags) <= allowed
    assert all(h.startswith("#row-") for h in page.hrefs)  # the javascript: URL is not linked
    plain = "".join(page.text)
    for text in HOSTILE:
        assert visible(text) in plain
    assert "</div><script>alert(2)</script>\n# not a heading" in plain
    assert al.versions[0].outlet in plain and "=cmd|' /C calc'!A0" in plain


def test_markdown_structure_survives_hostile_text(hostile: tuple[Alignment, Review]) -> None:
    al, review = hostile
    doc = render(al, review, "md", generated=STAMP)
    assert "\x1b" not in doc and "\u202e" not in doc
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = parser.parse(doc)
    kinds = Counter(t.type for t in tokens)
    for banned in ("html_block", "ordered_list_open", "fence", "code_block", "hr"):
        assert kinds[banned] == 0, banned
    inline = Counter(c.type for t in tokens for c in t.children or ())
    assert inline["html_inline"] == inline["link_open"] == inline["code_inline"] == 0
    unique = sum(1 for r in al.rows if r.status is RowStatus.UNIQUE)
    # title, Versions, Per outlet, Rows; a row each; unique rows and their copy; the orphans
    headings = 4 + len(al.rows) + (2 if unique else 0) + 2
    assert kinds["heading_open"] == headings
    assert kinds["bullet_list_open"] == 1 + bool(unique)  # the figures' legend, unique rows
    assert kinds["table_open"] == 2
    assert kinds["blockquote_open"] == 2  # the row's note and the orphan's
    for line in doc.splitlines():
        if line.startswith("| "):  # a table row: exactly its columns, no raw pipe
            assert len(re.findall(r"(?<!\\)\|", line)) in (8, 11), line
    plain = md_unescape(doc)
    rendered = "".join(parse_html(parser.render(doc)).text)  # what a Markdown viewer shows
    for text in HOSTILE:
        assert visible(text) in plain and visible(text) in rendered
    assert al.versions[0].outlet in rendered and "</div><script>alert(2)</script>" in rendered


def test_csv_round_trips_and_defuses_formulas(hostile: tuple[Alignment, Review]) -> None:
    al, review = hostile
    lines = list(csv.reader(io.StringIO(render(al, review, "csv"))))
    head = lines[0]
    texts = {d["text"] for d in (dict(zip(head, line, strict=True)) for line in lines[1:])}
    for text in HOSTILE:
        shown = visible(text)
        assert (defuse(shown)) in texts
    assert '\'=HYPERLINK("http://evil", "click")' in texts and "'@mention +1 -1" in texts
    assert "'- a list item" in texts and "'=cmd|' /C calc'!A0" in {line[3] for line in lines}
    assert defuse("\tx") == "'\tx" and defuse("ok") == "ok"


def test_json_round_trips_hostile_text(hostile: tuple[Alignment, Review]) -> None:
    al, review = hostile
    doc = render(al, review, "json")
    assert "\u202e" not in doc and "\x1b" not in doc  # escaped as \u202e, \u001b
    data = json.loads(doc)
    assert {k: v for k, v in data.items() if k != "review"} == alignment_to_dict(al)
    assert data["review"]["orphans"][0]["text"] == "<b>gone</b> | **x**"
