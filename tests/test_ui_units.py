"""Unit tests of the reader's Rich-only parts: what it derives from an alignment
(``ui.reading``), how it draws word diffs and tags (``ui.render``), how it lays rows out
(``ui.layout``), the user keymap (``ui.keymap``), and switching the base (``build.rebase``).

No app runs here: these are the pieces the Pilot tests in ``test_app.py`` rely on, checked
exactly and quickly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from storydiff.build import build_alignment, rebase
from storydiff.diff import word_diff
from storydiff.model import Alignment, Format, Kind, Op, Paragraph, Version
from storydiff.story import load_story
from storydiff.summary import MARKS
from storydiff.synthetic import make_story
from storydiff.textnorm import visible
from storydiff.ui.keymap import keymap_path, load_keymap
from storydiff.ui.layout import (
    SEPARATOR,
    Columns,
    Layout,
    Options,
    View,
    columns_for,
    gutter_width,
    paging_note,
)
from storydiff.ui.reading import Folded, Reading
from storydiff.ui.render import (
    ANSI,
    COLOUR,
    DELETE_MARKERS,
    INSERT_MARKERS,
    MONO,
    PALETTES,
    Palette,
    Side,
    badge,
    diff_text,
    highlight,
    mark_char,
    marks_line,
    outlet_label,
    plain_text,
    search_pattern,
)

ALL_PALETTES = [COLOUR, ANSI, MONO]
CONSOLE = Console(width=200, color_system="truecolor", force_terminal=True)


# ---------------------------------------------------------------------- fixtures and helpers
@pytest.fixture(scope="module")
def demo() -> Alignment:
    return load_story([])


@pytest.fixture(scope="module")
def demo_reading(demo: Alignment) -> Reading:
    return Reading.of(demo)


def make_version(vid: str, *paras: str | tuple[str, str], tags: tuple[str, ...] = ()) -> Version:
    """A version from its paragraphs in reading order; ``(role, text)`` is a folded one."""
    out: list[Paragraph] = []
    for i, p in enumerate(paras):
        if isinstance(p, tuple):
            out.append(Paragraph(i, p[1], Kind.BOILERPLATE, p[0], "test"))
        else:
            out.append(Paragraph(i, p))
    return Version(
        id=vid,
        source=f"{vid}.txt",
        format=Format.TEXT,
        outlet=f"Outlet {vid.upper()}",
        badge=vid.upper(),
        colour="#3366cc",
        paragraphs=tuple(out),
        tags=tags,
    )


P1 = "Rescue teams reached the flooded valley on Monday after three days of heavy rain."
P2 = "Officials said more than two hundred families had been moved to schools nearby."
P3 = "Forecasters expect drier weather later this week across the whole of the region."
P4 = "The mayor thanked volunteers who worked through the night to fill sandbags."
P5 = "A local radio station collected donations for the families left without homes."


@pytest.fixture(scope="module")
def small() -> Alignment:
    """Three copies: ``a`` the base; ``b`` rewords P2, drops P3 and adds P5 of its own; ``c``
    matches ``a`` word for word but lacks P4.  Folded text before and after the body."""
    return build_alignment(
        [
            make_version("a", ("advert", "Advertisement"), P1, P2, P3, P4, tags=("print",)),
            make_version(
                "b", P1, P2.replace("two hundred", "300"), P4, P5, ("newsletter", "Sign up")
            ),
            make_version("c", P1, P2, P3),
        ],
        base="a",
    )


def row_with(al: Alignment, text: str) -> int:
    return next(i for i, r in enumerate(al.rows) if any(text in c.text for c in r.cells.values()))


def styles_of(text: Text, part: str) -> list[Style]:
    """The style each character of the first ``part`` in ``text`` is drawn with."""
    start = text.plain.index(part)
    return [text.get_style_at_offset(CONSOLE, i) for i in range(start, start + len(part))]


def line_text(line: list[Segment]) -> str:
    return "".join(s.text for s in line)


def line_width(line: list[Segment]) -> int:
    return sum(s.cell_length for s in line)


# ---------------------------------------------------------------------- render.diff_text
REF = "The small dog barked loudly at 5 cats."
NEW = "The big red dog barked at 6 cats today."
OPS = word_diff(REF, NEW)


@pytest.mark.parametrize("palette", ALL_PALETTES, ids=lambda p: p.name)
def test_inserted_words_are_underlined_deleted_ones_struck(palette: Palette) -> None:
    """Colour never carries the meaning alone: in every palette (16 colours and NO_COLOR
    included) an insertion is underlined and a deletion struck through."""
    inline = diff_text(OPS, Side.INLINE, palette)
    for part in ("big", "red", "today."):
        assert all(s.underline and not s.strike for s in styles_of(inline, part)), part
    for part in ("small", "loudly"):
        assert all(s.strike and not s.underline for s in styles_of(inline, part)), part
    for part in ("The", "dog barked", "cats"):
        assert not any(s.strike or s.underline for s in styles_of(inline, part)), part


@pytest.mark.parametrize("palette", ALL_PALETTES, ids=lambda p: p.name)
def test_pair_sides_show_one_text_each(palette: Palette) -> None:
    new = diff_text(OPS, Side.NEW, palette)
    old = diff_text(OPS, Side.OLD, palette)
    assert new.plain == NEW
    assert old.plain == REF
    assert all(s.underline for s in styles_of(new, "big red"))
    assert all(s.strike for s in styles_of(old, "small"))
    assert not any(s.strike for s in styles_of(new, "big red dog"))
    assert not any(s.underline for s in styles_of(old, "small dog"))  # nothing is inserted


@pytest.mark.parametrize("palette", ALL_PALETTES, ids=lambda p: p.name)
def test_a_changed_number_stands_out(palette: Palette) -> None:
    inline = diff_text(OPS, Side.INLINE, palette)
    six = styles_of(inline, "6")[0]
    assert six.underline
    for attr in ("bold", "reverse"):
        if getattr(palette.number, attr):
            assert getattr(six, attr)


def test_the_gap_after_a_struck_word_is_not_struck() -> None:
    inline = diff_text(OPS, Side.INLINE, COLOUR)
    small_ = styles_of(inline, "small ")
    assert small_[-2].strike and not small_[-1].strike


def test_markers_wrap_every_change() -> None:
    assert diff_text(OPS, Side.INLINE, MONO, markers=True).plain == (
        "The [-small-] {+big red+} dog barked [-loudly-] at [-5-] {+6+} cats {+today.+}"
    )
    assert diff_text(OPS, Side.NEW, COLOUR, markers=True).plain == (
        "The {+big red+} dog barked at {+6+} cats {+today.+}"
    )
    assert diff_text(OPS, Side.OLD, ANSI, markers=True).plain == (
        "The [-small-] dog barked [-loudly-] at [-5-] cats."
    )
    assert INSERT_MARKERS == ("{+", "+}") and DELETE_MARKERS == ("[-", "-]")


def test_markers_themselves_are_not_underlined_or_struck() -> None:
    t = diff_text(OPS, Side.INLINE, COLOUR, markers=True)
    for marker in ("{+", "+}", "[-", "-]"):
        assert not any(s.underline or s.strike for s in styles_of(t, marker)), marker


def test_base_style_is_kept_under_the_changes() -> None:
    t = diff_text(OPS, Side.INLINE, COLOUR, base_style=Style(bold=True))
    assert styles_of(t, "dog")[0].bold
    assert styles_of(t, "big")[0].bold and styles_of(t, "big")[0].underline


def test_hostile_text_in_a_diff_is_characters() -> None:
    ref = "He said [bold red]x[/] and \x1b[31mred\x1b[0m here."
    new = "He wrote [bold red]x[/] and \x1b[31mred\x1b[0m and \u202eback here."
    for side in Side:
        t = diff_text(word_diff(ref, new), side, COLOUR, markers=True)
        assert "[bold red]x[/]" in t.plain
        assert "\\x1b[31mred\\x1b[0m" in t.plain
        assert "\x1b" not in t.plain and "\u202e" not in t.plain
        segments = list(t.render(CONSOLE))
        assert not any(s.style and s.style.color and s.style.color.name == "red" for s in segments)


_WORDS = st.sampled_from(
    ["the", "dog", "cat", "said", "5", "6,000", "[bold]", "[/]", "\x1b[2J", "\u202e", "é", "—"]
)
_GAPS = st.sampled_from([" ", " ", " ", "  ", "\n\n", " \n"])


@st.composite
def _paragraphs(draw: st.DrawFn) -> str:
    words = draw(st.lists(_WORDS, min_size=1, max_size=10))
    out = words[0]
    for w in words[1:]:
        out += draw(_GAPS) + w
    return out


@given(_paragraphs(), _paragraphs())
def test_each_side_of_a_pair_is_its_own_text_exactly(ref: str, new: str) -> None:
    """The right pane of a pair is the copy's text and the left one the reference's, character
    for character (escaped where unsafe): the diff highlights, it never rewrites."""
    ops = word_diff(ref, new)
    for palette in ALL_PALETTES:
        assert diff_text(ops, Side.NEW, palette).plain == visible(new).rstrip()
        assert diff_text(ops, Side.OLD, palette).plain == visible(ref).rstrip()


@given(_paragraphs(), _paragraphs())
def test_inline_is_the_copy_plus_the_struck_words(ref: str, new: str) -> None:
    """Inline, the characters not struck through are the copy's own words, in order."""
    t = diff_text(word_diff(ref, new), Side.INLINE, MONO)
    kept = "".join(
        ch for i, ch in enumerate(t.plain) if not t.get_style_at_offset(CONSOLE, i).strike
    )
    assert kept.split() == visible(new).split()


# ---------------------------------------------------------------------- render: the rest
def test_palettes_keep_meaning_without_colour() -> None:
    assert set(PALETTES) == {"colour", "ansi", "mono"}
    for p in ALL_PALETTES:
        assert p.insert.underline and p.delete.strike
    assert MONO.insert.color is None and MONO.delete.color is None and not MONO.coloured
    # 16 colours: named ANSI colours only, which the terminal itself draws
    for style in (ANSI.insert, ANSI.delete, ANSI.meta, ANSI.cursor):
        for colour in (style.color, style.bgcolor):
            assert colour is None or (colour.number is not None and colour.number < 16)


def test_plain_text_is_escaped_and_never_markup() -> None:
    t = plain_text("a [bold]b[/bold] \x1b[1m c", Style(italic=True))
    assert t.plain == "a [bold]b[/bold] \\x1b[1m c"
    assert t.spans == [] and t.style == Style(italic=True)


def test_search_pattern_is_literal_and_ignores_case() -> None:
    assert search_pattern("") is None and search_pattern("   ") is None
    pattern = search_pattern(" (Khan ")
    assert pattern is not None
    assert pattern.search("troops in (khan Sheikhoun")
    assert not pattern.search("troops in khan")
    escaped = search_pattern("\x1b[")
    assert escaped is not None and escaped.search(visible("a \x1b[31m b"))


def test_highlight_marks_every_match() -> None:
    t = highlight(Text("Said he, and she said"), search_pattern("said"), COLOUR)
    hits = [t.plain[s.start : s.end] for s in t.spans if s.style == COLOUR.match]
    assert hits == ["Said", "said"]
    plain = Text("nothing")
    assert highlight(plain, None, COLOUR) is plain and plain.spans == []


def test_badge_in_the_outlet_colour_or_reverse_video() -> None:
    v = make_version("ipa")
    coloured = badge(v, COLOUR)
    assert coloured.plain == " IPA "
    style = styles_of(coloured, "IPA")[0]
    assert style.bgcolor is not None and style.bgcolor.triplet is not None
    assert style.bgcolor.triplet.hex == v.colour
    mono = styles_of(badge(v, MONO), "IPA")[0]
    assert mono.reverse and mono.bgcolor is None


def test_badge_focus_is_a_pointer_not_underline() -> None:
    """Underline means "inserted words" everywhere on screen, so focus is never shown by it."""
    v = make_version("ipa")
    focused, unfocused = badge(v, COLOUR, focused=True), badge(v, COLOUR, focused=False)
    assert focused.cell_len == unfocused.cell_len
    assert focused.plain.startswith("▸") and not unfocused.plain.startswith("▸")
    assert not any(s.underline for s in styles_of(focused, focused.plain))


def test_badge_of_a_hostile_outlet_is_escaped() -> None:
    v = replace(make_version("x"), badge="\x1b[2J")
    assert badge(v, COLOUR).plain == " \\x1b[2J "


@pytest.mark.parametrize("width", [4, 8, 12, 20, 40, 80])
def test_outlet_label_fits_its_width(width: int) -> None:
    v = make_version("globe", tags=("web", "paywalled"))
    for kwargs in ({}, {"base": True}, {"tags": True, "number": 3, "focused": True}):
        t = outlet_label(v, COLOUR, width, **kwargs)
        assert t.cell_len <= width


def test_outlet_label_parts() -> None:
    v = make_version("globe", tags=("web", "paywalled"))
    full = outlet_label(v, COLOUR, 80, base=True, number=3, tags=True).plain
    assert full.startswith("3") and "GLOBE" in full and "Outlet GLOBE" in full
    assert "base" in full and "web, paywalled" in full
    assert "web" not in outlet_label(v, COLOUR, 80).plain
    assert "base" not in outlet_label(v, COLOUR, 80).plain
    assert not outlet_label(v, COLOUR, 80, number=12).plain[0].isdigit()  # keys go to 9


def test_marks_line_one_mark_per_row_current_reversed() -> None:
    kinds = ["same", "changed", "missing", "moved", "unique", "base"]
    t = marks_line(kinds, COLOUR, 2)
    assert t.plain == "".join(mark_char(k) for k in kinds)
    assert [mark_char(k) for k in kinds] == [MARKS[k][0] for k in kinds]
    assert len(set(t.plain)) == len(kinds)  # each kind its own character, not just a colour
    assert [i for i in range(len(kinds)) if t.get_style_at_offset(CONSOLE, i).reverse] == [2]
    mono = marks_line(kinds, MONO, None)
    assert not any(mono.get_style_at_offset(CONSOLE, i).reverse for i in range(len(kinds)))


# ---------------------------------------------------------------------- reading
def test_every_body_paragraph_has_its_row(demo: Alignment, demo_reading: Reading) -> None:
    for v in demo.versions:
        for p in v.body:
            pos = demo_reading.row_of[(v.id, p.index, p.part)]
            assert p in demo.rows[pos].cells[v.id].paragraphs


def test_every_folded_paragraph_sits_beside_exactly_one_row(
    demo: Alignment, demo_reading: Reading
) -> None:
    for v in demo.versions:
        placed: list[Paragraph] = []
        for (vid, pos), fold in demo_reading.folded.items():
            if vid != v.id:
                continue
            cell = demo.rows[pos].cells[vid].paragraphs
            first, last = (cell[0].index, cell[0].part), (cell[-1].index, cell[-1].part)
            assert all((p.index, p.part) < first for p in fold.before)  # a dateline: part 0
            assert all((p.index, p.part) > last for p in fold.after)
            placed += [*fold.before, *fold.after]
        assert sorted(placed, key=lambda p: (p.index, p.part)) == list(v.folded)


def test_folded_text_goes_before_the_next_row_or_after_the_last(small: Alignment) -> None:
    r = Reading.of(small)
    first_a = row_with(small, P1)
    assert r.folded[("a", first_a)] == Folded(before=(small.version("a").paragraphs[0],))
    last_b = max(pos for (vid, _i, _p), pos in r.row_of.items() if vid == "b")
    assert r.folded[("b", last_b)].after == (small.version("b").paragraphs[-1],)
    assert ("c", 0) not in r.folded


def test_marks_and_counts(demo: Alignment, demo_reading: Reading) -> None:
    assert not Reading.of(demo).marks  # made per version when the overview first asks
    for vid in [v.id for v in demo.versions]:
        marks = demo_reading.marks[vid]
        assert len(marks) == len(demo.rows)
        assert set(marks) <= set(MARKS)
        assert [m == "missing" for m in marks] == [vid not in r.cells for r in demo.rows]
    assert set(demo_reading.marks) == {v.id for v in demo.versions}
    counts = demo_reading.counts()
    assert sum(counts.values()) == len(demo.rows)
    assert counts == {s: sum(r.status.value == s for r in demo.rows) for s in counts}


def test_differs(small: Alignment) -> None:
    r = Reading.of(small)
    same, reworded = row_with(small, P1), row_with(small, "families had")
    lacking, unique = row_with(small, P3), row_with(small, P5)
    assert not r.differs(same)
    assert r.differs(reworded)
    assert not r.differs(reworded, ["a", "c"])  # only b rewords it
    assert r.differs(reworded, ["a", "b"])
    assert r.differs(lacking) and not r.differs(lacking, ["a", "c"])
    assert r.differs(unique) and r.differs(unique, ["a", "b"])
    assert not r.differs(unique, ["a", "c"])  # none of those two has it: nothing to see


def test_differs_against_the_majority(small: Alignment) -> None:
    r = Reading.of(small)
    reworded = row_with(small, "families had")
    assert r.differs(reworded, consensus=True)  # b differs from the majority reading
    assert not r.differs(reworded, ["a", "c"], consensus=True)


def test_next_differing_stops_exactly_at_rows_that_differ(demo_reading: Reading) -> None:
    n = len(demo_reading.rows)
    ids = demo_reading.alignment_ids
    for shown in (None, ids[:2], ids[2:4], [ids[0], ids[4]]):
        for consensus in (False, True):
            differing = [i for i in range(n) if demo_reading.differs(i, shown, consensus)]
            for pos in range(n):
                below = [i for i in differing if i > pos]
                above = [i for i in differing if i < pos]
                assert demo_reading.next_differing(pos, 1, shown, consensus) == (
                    below[0] if below else None
                )
                assert demo_reading.next_differing(pos, -1, shown, consensus) == (
                    above[-1] if above else None
                )


def test_matches_ignore_case_and_surrounding_space(demo: Alignment, demo_reading: Reading) -> None:
    assert demo_reading.matches("") == [] and demo_reading.matches("   ") == []
    said = demo_reading.matches("said")
    assert said == sorted(said) and len(said) > 2
    assert demo_reading.matches("  SAID ") == said
    for pos, row in enumerate(demo.rows):
        has = any("said" in c.text.casefold() for c in row.cells.values())
        assert has is (pos in said)


def test_matches_find_escaped_text(tmp_path: Path) -> None:
    al = build_alignment([make_version("a", P1, f"{P2} \x1b[31m"), make_version("b", P1, P2)])
    r = Reading.of(al)
    assert r.matches("\\x1b[31") == [row_with(al, P2[:20])]


@pytest.mark.parametrize(
    ("pos", "step", "expected"),
    [
        (0, 1, 3),
        (3, 1, 7),
        (7, 1, 12),
        (12, 1, 3),
        (20, 1, 3),
        (5, -1, 3),
        (3, -1, 12),
        (0, -1, 12),
    ],
)
def test_next_match_wraps_around(pos: int, step: int, expected: int) -> None:
    assert Reading.next_match([3, 7, 12], pos, step) == expected


def test_next_match_without_matches() -> None:
    assert Reading.next_match([], 4, 1) is None and Reading.next_match([], 4, -1) is None


# ---------------------------------------------------------------------- layout
def options(al: Alignment, view: View = View.COLUMNS, **kw: object) -> Options:
    ids = tuple(v.id for v in al.versions)
    others = [v for v in ids if v != al.base]
    defaults: dict[str, object] = {"shown": ids, "focus": others[0], "base": al.base}
    defaults.update(kw)
    return Options(view=view, **defaults)  # type: ignore[arg-type]


def layout_of(al: Alignment, palette: Palette = COLOUR) -> Layout:
    return Layout(Reading.of(al), Console(width=200), palette, Style())


@pytest.mark.parametrize(("rows", "width"), [(0, 4), (1, 4), (9, 4), (27, 5), (100, 6), (999, 6)])
def test_gutter_width(rows: int, width: int) -> None:
    assert gutter_width(rows) == width


def _total(cols: Columns) -> int:
    return cols.gutter + sum(cols.widths) + len(SEPARATOR) * (len(cols.widths) - 1)


def test_pair_columns_are_the_base_and_the_focus(demo: Alignment) -> None:
    ids = [v.id for v in demo.versions]
    for focus in ids[1:]:
        cols = columns_for(79, options(demo, View.PAIR, focus=focus), 27)
        assert cols.vids == (demo.base, focus)
        assert _total(cols) == 79 and abs(cols.widths[0] - cols.widths[1]) <= 1
    focused_base = columns_for(79, options(demo, View.PAIR, focus=demo.base), 27)
    assert focused_base.vids == (demo.base, ids[1])
    alone = columns_for(79, options(demo, View.PAIR, shown=(demo.base,), focus=demo.base), 27)
    assert alone.vids == (demo.base,) and _total(alone) == 79


@pytest.mark.parametrize("width", [40, 79, 100, 159, 240])
def test_columns_page_to_the_focused_version(demo: Alignment, width: int) -> None:
    ids = tuple(v.id for v in demo.versions)
    per = len(columns_for(width, options(demo, focus=ids[0]), 27).vids)  # a full page
    for focus in ids:
        cols = columns_for(width, options(demo, focus=focus), 27)
        assert focus in cols.vids
        assert cols.first % per == 0 and cols.vids == ids[cols.first : cols.first + per]
        assert cols.total == len(ids)
        assert _total(cols) == width
        assert per == len(ids) or min(cols.widths) >= 28  # never a column too narrow to read
        note = paging_note(cols, View.COLUMNS)
        if per < len(ids):
            assert f"{cols.first + 1}-{cols.first + len(cols.vids)}" in note
            assert f"/{len(ids)}" in note or f"of {len(ids)}" in note
        else:
            assert note == ""
        assert paging_note(cols, View.PAIR) == ""


@pytest.mark.parametrize("view", [View.COLUMNS, View.PAIR])
@pytest.mark.parametrize("width", [79, 159])
def test_row_blocks_are_rectangles(demo: Alignment, view: View, width: int) -> None:
    """Every line of a row block is exactly the story's width, so the panes stay aligned."""
    lay = layout_of(demo)
    for markers, folded, consensus in ((False, False, False), (True, True, True)):
        opts = options(demo, view, markers=markers, folded=folded, consensus=consensus)
        cols = columns_for(width, opts, len(demo.rows))
        for pos in range(len(demo.rows)):
            block = lay.row_block(pos, cols, opts, current=pos == 3)
            assert block.key == ("row", pos) and block.row == pos
            assert {line_width(line) for line in block.lines} == {width}, pos
            assert line_text(block.lines[-1]).strip() == ""  # a blank line between rows
            first = line_text(block.lines[0])
            assert first.lstrip().startswith(f"▶{pos + 1}" if pos == 3 else f"{pos + 1} ")


def test_row_block_shows_a_placeholder_for_a_missing_cell(small: Alignment) -> None:
    lay = layout_of(small)
    opts = options(small, focus="b")
    cols = columns_for(120, opts, len(small.rows))
    lacking = row_with(small, P3)
    text = "\n".join(line_text(line) for line in lay.row_block(lacking, cols, opts, False).lines)
    assert "· not in this copy ·" in text
    assert P3[:20] in text


def test_row_none_of_the_columns_has_is_one_line(small: Alignment) -> None:
    lay = layout_of(small)
    opts = options(small, View.PAIR, focus="c")
    cols = columns_for(100, opts, len(small.rows))
    unique = row_with(small, P5)
    block = lay.row_block(unique, cols, opts, False)
    assert len(block.lines) == 2  # the note and the blank line
    assert "in B" in line_text(block.lines[0])
    assert line_width(block.lines[0]) == 100


def test_cell_annotations(small: Alignment, demo: Alignment) -> None:
    lay = layout_of(small)
    opts = options(small)
    reworded, unique = row_with(small, "families had"), row_with(small, P5)
    assert "% like base" in lay.cell_text(reworded, "b", opts, Side.INLINE).plain
    assert "% like base" not in lay.cell_text(reworded, "c", opts, Side.INLINE).plain
    assert "only in this copy" in lay.cell_text(unique, "b", opts, Side.INLINE).plain
    consensus = lay.cell_text(reworded, "b", replace(opts, consensus=True), Side.INLINE).plain
    assert "majority reading" in consensus
    dlay = layout_of(demo)
    dopts = options(demo)
    moved = [(pos, vid) for pos, r in enumerate(demo.rows) for vid, c in r.cells.items() if c.moved]
    assert moved
    for pos, vid in moved:  # a moved paragraph says where it stands in its own copy
        cell = demo.rows[pos].cells[vid]
        assert f"moved: ¶{cell.position + 1}" in dlay.cell_text(pos, vid, dopts, Side.INLINE).plain
    merged = [
        (pos, vid, len(c.paragraphs))
        for pos, r in enumerate(demo.rows)
        for vid, c in r.cells.items()
        if len(c.paragraphs) > 1
    ]
    assert merged  # the demo has split and merged paragraphs: one cell each
    for pos, vid, n in merged:
        text = dlay.cell_text(pos, vid, dopts, Side.NEW).plain  # the copy's own words
        assert f"{n} paragraphs here" in text
        for para in demo.rows[pos].cells[vid].paragraphs:
            assert visible(para.text)[:30] in text


def test_cell_text_shows_folded_parts_only_when_asked(small: Alignment) -> None:
    lay = layout_of(small)
    first = row_with(small, P1)
    plain = lay.cell_text(first, "a", options(small), Side.INLINE).plain
    assert "Advertisement" not in plain
    folded = lay.cell_text(first, "a", options(small, folded=True), Side.INLINE).plain
    assert folded.index("⊘ advert: Advertisement") < folded.index(P1[:20])


def test_cell_text_highlights_the_search(small: Alignment) -> None:
    lay = layout_of(small)
    t = lay.cell_text(0, "a", options(small, query="FLOODED"), Side.INLINE)
    assert [t.plain[s.start : s.end] for s in t.spans if s.style == COLOUR.match] == ["flooded"]


def test_stack_blocks_one_per_shown_version(small: Alignment) -> None:
    lay = layout_of(small)
    lacking = row_with(small, P3)
    opts = options(small, View.STACK, focus="b")
    blocks = lay.stack_blocks(lacking, 60, opts)
    assert [b.key for b in blocks] == [("cell", v) for v in ("a", "b", "c")]
    assert all(b.row == lacking for b in blocks)
    missing = blocks[1]
    assert len(missing.lines) == 1 and "not in this copy" in line_text(missing.lines[0])
    assert all(line_width(line) <= 60 for b in blocks for line in b.lines)
    assert "Outlet A" in line_text(blocks[0].lines[0])
    hidden = lay.stack_blocks(lacking, 60, replace(opts, shown=("a", "c")))
    assert [b.key for b in hidden] == [("cell", "a"), ("cell", "c")]


def test_published_blocks_are_the_copy_in_its_own_order(small: Alignment) -> None:
    lay = layout_of(small)
    reading = Reading.of(small)
    v = small.version("b")
    blocks = lay.published_blocks("b", 70, options(small, View.PUBLISHED, focus="b"), 1)
    assert [b.key for b in blocks] == [("para", i) for i in range(len(v.paragraphs))]
    for b, p in zip(blocks, v.paragraphs, strict=True):
        text = " ".join(line_text(line).strip() for line in b.lines)
        if p.folded:
            assert b.row is None and f"[{p.role}]" in text
        else:
            assert b.row == reading.row_of[("b", p.index, p.part)]
        assert all(line_width(line) <= 70 for line in b.lines)
    current = [b for b in blocks if "▶" in line_text(b.lines[0])]
    assert [b.row for b in current] == [1]


def test_heads_name_each_column(demo: Alignment) -> None:
    lay = layout_of(demo)
    opts = options(demo, tags=True)
    cols = columns_for(159, opts, len(demo.rows))
    heads = lay.heads(cols, opts)
    assert heads.cell_len == _total(cols)
    for vid in cols.vids:
        assert f" {demo.version(vid).badge} " in heads.plain
    assert "base" in heads.plain


def test_layout_never_emits_control_characters(tmp_path: Path) -> None:
    hostile = (
        "He said [bold red]x[/] \x1b[31mred\x1b[0m \u202eback and [link=http://e.com]y[/link]."
    )
    al = build_alignment(
        [
            make_version("a", P1, hostile, ("advert", "\x1b]8;;http://x\x07ad")),
            make_version("b", P1, hostile + " More."),
        ]
    )
    lay = layout_of(al)
    pos = row_with(al, "[bold red]")
    lines: list[list[Segment]] = []
    for view in View:
        opts = options(al, view, folded=True, markers=True, tags=True)
        if view in (View.COLUMNS, View.PAIR):
            lines += lay.row_block(pos, columns_for(100, opts, len(al.rows)), opts, True).lines
        elif view is View.STACK:
            lines += [ln for b in lay.stack_blocks(pos, 100, opts) for ln in b.lines]
        else:
            lines += [ln for b in lay.published_blocks("a", 100, opts, pos) for ln in b.lines]
    text = "".join(line_text(line) for line in lines)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "[bold red]x[/]" in text and "\\x1b[31m" in text and "\\x07" in text
    assert not any(s.style and s.style.link for line in lines for s in line)


# ---------------------------------------------------------------------- keymap
def _keys(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "keys.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_keymap_missing_file_is_no_keymap(tmp_path: Path) -> None:
    assert load_keymap(tmp_path / "absent.toml") == ({}, [])


def test_keymap_strings_and_lists(tmp_path: Path) -> None:
    path = _keys(tmp_path, '[keys]\n"row.next" = " j , down,ctrl+n "\n"app.quit" = ["q", "x"]\n')
    keymap, problems = load_keymap(path, known={"row.next", "app.quit"})
    assert keymap == {"row.next": "j,down,ctrl+n", "app.quit": "q,x"}
    assert problems == []


def test_keymap_reports_each_bad_entry_and_keeps_the_rest(tmp_path: Path) -> None:
    path = _keys(
        tmp_path,
        '[keys]\n"row.next" = "x"\n"row.nxet" = "y"\n"row.prev" = 3\n"row.first" = ""\n'
        '"row.last" = ["G", 1]\n',
    )
    keymap, problems = load_keymap(path, known={"row.next", "row.prev", "row.first", "row.last"})
    assert keymap == {"row.next": "x"}
    assert len(problems) == 4
    assert any("row.nxet" in p and "not a binding id" in p for p in problems)
    assert all(str(path) in p for p in problems)
    assert load_keymap(path)[0] == {"row.next": "x", "row.nxet": "y"}  # no ids to check


@pytest.mark.parametrize(
    "body", ["[keys\n", 'keys = "j"\n', "\xff\xfe".encode("latin-1").decode("latin-1")]
)
def test_keymap_unreadable_file_is_one_problem(tmp_path: Path, body: str) -> None:
    path = tmp_path / "keys.toml"
    if body.startswith("\xff"):
        path.write_bytes(b"\xff\xfe\x00garbage")
    else:
        path.write_text(body, encoding="utf-8")
    keymap, problems = load_keymap(path)
    assert keymap == {} and len(problems) == 1 and str(path) in problems[0]


def test_keymap_path_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STORYDIFF_KEYS", str(tmp_path / "mine.toml"))
    assert keymap_path() == tmp_path / "mine.toml"
    monkeypatch.delenv("STORYDIFF_KEYS")
    assert keymap_path().parts[-2:] == ("storydiff", "keys.toml")


# ---------------------------------------------------------------------- build.rebase
def test_rebase_to_the_same_base_is_a_no_op(demo: Alignment) -> None:
    assert rebase(demo, demo.base) is demo


def test_rebase_to_an_unknown_version_fails_early(demo: Alignment) -> None:
    with pytest.raises(KeyError):
        rebase(demo, "no-such-version")


@pytest.mark.parametrize("index", [1, 2, 3, 4])
def test_rebase_keeps_the_rows_and_diffs_against_the_new_base(demo: Alignment, index: int) -> None:
    new = demo.versions[index].id
    al = rebase(demo, new)
    assert al.base == new and al.versions == demo.versions
    assert len(al.rows) == len(demo.rows)
    for old_row, row in zip(demo.rows, al.rows, strict=True):
        assert (row.id, row.status, row.kind, row.consensus) == (
            old_row.id,
            old_row.status,
            old_row.kind,
            old_row.consensus,
        )
        assert list(row.cells) == list(old_row.cells)
        base_cell = row.cells.get(new)
        for vid, cell in row.cells.items():
            old = old_row.cells[vid]
            assert (cell.paragraphs, cell.position, cell.moved, cell.consensus_diff) == (
                old.paragraphs,
                old.position,
                old.moved,
                old.consensus_diff,
            )
            if base_cell is None:
                assert cell.diff == () and cell.similarity == 0.0
                continue
            assert "".join(op.text for op in cell.diff) == cell.text
            assert "".join(op.ref for op in cell.diff) == base_cell.text
            if cell.text == base_cell.text:
                assert cell.similarity == 1.0
                assert all(op.op is Op.EQUAL for op in cell.diff)
            else:  # 1.0 is possible: quotes and dashes are matched typographically
                assert 0.0 <= cell.similarity <= 1.0
                assert any(op.op is not Op.EQUAL for op in cell.diff) or cell.similarity == 1.0
    assert rebase(al, demo.base).rows == demo.rows  # and back: exactly the original


def test_rebase_of_a_synthetic_story_round_trips() -> None:
    story = make_story(6, n_paragraphs=12, seed=5)
    al = build_alignment(story.versions)
    for v in al.versions:
        there = rebase(al, v.id)
        assert [sorted(r.cells) for r in there.rows] == [sorted(r.cells) for r in al.rows]
        assert rebase(there, al.base).rows == al.rows


def test_diff_op_text_joins_back_to_the_cell(small: Alignment) -> None:
    for row in small.rows:
        for cell in row.cells.values():
            if cell.diff:
                assert "".join(op.text for op in cell.diff) == cell.text


def test_every_view_lays_out_a_story_without_rows() -> None:
    al = build_alignment([make_version("a", ("advert", "Ad")), make_version("b", ("advert", "Ad"))])
    assert al.rows == ()
    lay = layout_of(al)
    opts = options(al)
    assert [b.row for b in lay.published_blocks("a", 60, opts, 0)] == [None]
    (note,) = lay.stack_blocks(0, 60, replace(opts, view=View.STACK))
    assert note.row is None and all(line_width(line) <= 60 for line in note.lines)


@pytest.mark.parametrize(
    ("query", "text"), [("strasse", "Straße"), ("file", "ﬁle"), ("STRASSE", "strasse")]
)
def test_every_row_found_by_search_has_the_match_highlighted(query: str, text: str) -> None:
    """Search finds rows and highlights words: both must agree on what a match is, or the
    reader is sent to a row that shows no reason for it."""
    al = build_alignment(
        [make_version("a", P1, f"{P2} {text}."), make_version("b", P1, f"{P2} {text}.")]
    )
    reading = Reading.of(al)
    lay = Layout(reading, Console(width=200), COLOUR, Style())
    for row in reading.matches(query):
        cell = lay.cell_text(row, "a", options(al, query=query), Side.INLINE)
        assert any(span.style == COLOUR.match for span in cell.spans), row
