"""Markdown: the words stay, the syntax goes, the structure survives as hints."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storydiff.errors import InputError
from storydiff.loading import load_document
from storydiff.loading.detect import detect_format, looks_like_markdown
from storydiff.loading.mdtext import markdown_blocks
from storydiff.model import Format

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_seed_001_is_markdown_with_hints() -> None:
    doc = load_document(SEEDS / "001_3b9876eaf50a8ac8.txt", "seeds/001_3b9876eaf50a8ac8.txt")
    assert doc.format is Format.MARKDOWN
    blocks = [(b.text, b.hint) for b in doc.blocks]
    assert blocks[0] == (
        "Tens of Thousands Flee Russian-Led Attack on Syrian Opposition Enclave",
        "heading1",
    )
    assert blocks[1] == ("By Reuters", None)
    assert ("Mercenaries", "heading2") in blocks
    related = [t for t, h in blocks if h == "link-only"]
    assert related[:2] == [
        "Related article: Why a Military Confrontation Between Turkey and the Kurds in Syria "
        "Might Be Good News for Russia",
        "Related article: Rocket Attack Hits Russian Base in Syria, Injuring Civilians",
    ]
    assert blocks[-2] == ("Original url:", None)
    assert blocks[-1][0] == (
        "https://www.themoscowtimes.com/2019/08/21/"
        "tens-of-thousands-flee-russian-led-onslaught-on-syrian-opposition-enclave-a66960"
    )
    assert not any(ch in t for t, _ in blocks for ch in ("**", "](", "<http", "#"))
    assert len(blocks) == 30


def test_headings_emphasis_links_and_autolinks() -> None:
    md = (
        "# Main *headline*\n\n"
        "## **Mercenaries**\n\n"
        "Setext heading\n---\n\n"
        "A paragraph with **bold**, _emphasis_, `code` and a [link](https://x.test) that\n"
        "continues on the next line.\n\n"
        "**Related article:** [Rocket attack hits base](#)\n\n"
        "[Only a link](https://x.test/a)\n\n"
        "<https://example.com/story>\n\n"
        "By [Reuters](#)\n"
    )
    assert markdown_blocks(md) == [
        ("Main headline", "heading1"),
        ("Mercenaries", "heading2"),
        ("Setext heading", "heading2"),
        ("A paragraph with bold, emphasis, code and a link that continues on the next line.", None),
        ("Related article: Rocket attack hits base", "link-only"),
        ("Only a link", "link-only"),
        ("https://example.com/story", "link-only"),
        ("By Reuters", None),
    ]


def test_images_lists_quotes_code_rules_and_html() -> None:
    md = (
        "![Rescuers at work in Idlib](photo.jpg)\n\n"
        "Text with an inline ![icon](i.png) picture.\n\n"
        "* first item\n* second item with [a link](u) inside\n"
        "  1. nested ordered\n\n"
        "- [Related: a story](u)\n\n"
        "> A quoted line\n> that continues.\n\n"
        "---\n\n"
        "```\ncode stays\n  as written\n```\n\n"
        '<div class="box">Boxed <b>words</b> &amp; more</div>\n\n'
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert markdown_blocks(md) == [
        ("Rescuers at work in Idlib", "image"),
        ("Text with an inline icon picture.", None),
        ("first item", "list-item"),
        ("second item with a link inside", "list-item"),
        ("nested ordered", "list-item"),
        ("Related: a story", "link-only"),
        ("A quoted line that continues.", "quote"),
        ("code stays\n  as written", None),
        ("Boxed words & more", None),
        ("a | b", None),
        ("1 | 2", None),
    ]


def test_image_with_caption_line_gives_two_image_blocks() -> None:
    md = "![Bank headquarters](hq.jpg)\n*The bank in Prague. Photo: iStock*\n\nBody text.\n"
    assert markdown_blocks(md) == [
        ("Bank headquarters", "image"),
        ("The bank in Prague. Photo: iStock", "image"),
        ("Body text.", None),
    ]


def test_markdown_suffix_is_markdown(tmp_path: Path) -> None:
    path = tmp_path / "copy.md"
    path.write_text("# Title\n\nFirst *paragraph*.\n\nSecond paragraph.\n", encoding="utf-8")
    doc = load_document(path, "copy.md")
    assert doc.format is Format.MARKDOWN
    assert [b.text for b in doc.blocks] == ["Title", "First paragraph.", "Second paragraph."]


def test_md_file_without_any_markdown_uses_the_text_layout() -> None:
    text = "First paragraph on its own line.\nSecond paragraph on its own line.\n"
    assert detect_format(text, ".md") is Format.TEXT


@pytest.mark.parametrize(
    "text",
    [
        "Just a plain line.\n* a bullet\n* another bullet\n- and one more\n",
        "Price is $1.99 per week.\nRead our privacy policy.\n",
        "  1. Follow topics.\n  2. Check your feed.\n",
        "A #hashtag in text.\nAnother line.\n",
    ],
)
def test_plain_text_is_not_mistaken_for_markdown(text: str) -> None:
    assert not looks_like_markdown(text)


def test_single_leading_heading_is_enough() -> None:
    assert looks_like_markdown("# Headline\n\nA paragraph.\n\nAnother paragraph.\n")


# --- The converter, construct by construct -------------------------------------------------


def test_atx_headings_levels_and_closing_hashes() -> None:
    md = (
        "# One #\n## Two ##   \n### Three ###x\n#### Four \\#\n##### Five\n###### Six\n\n"
        "####### Seven is text\n\n#hashtag is text\n\n#\n"
    )
    assert markdown_blocks(md) == [
        ("One", "heading1"),
        ("Two", "heading2"),
        ("Three ###x", "heading3"),
        ("Four #", "heading4"),
        ("Five", "heading5"),
        ("Six", "heading6"),
        ("####### Seven is text", None),
        ("#hashtag is text", None),
    ]


def test_setext_headings_and_a_rule_after_a_blank_line() -> None:
    md = "Two line\nheadline\n===\n\nCrosshead\n---\n\nBody.\n\n---\n\n===\n"
    assert markdown_blocks(md) == [
        ("Two line headline", "heading1"),
        ("Crosshead", "heading2"),
        ("Body.", None),
        ("===", None),
    ]


def test_paragraph_lines_join_with_one_space_and_blank_lines_separate() -> None:
    md = "One line\nand   another\n\n\n  Second para  \nhard break  \nbackslash break\\\nend\n"
    assert markdown_blocks(md) == [
        ("One line and another", None),
        ("Second para hard break backslash break end", None),
    ]


def test_crlf_and_cr_line_ends() -> None:
    assert markdown_blocks("# Title\r\n\r\nLine one\rline two\r\n") == [
        ("Title", "heading1"),
        ("Line one line two", None),
    ]


@pytest.mark.parametrize(
    ("md", "text"),
    [
        ("*em* _em_ **strong** __strong__ ***both*** ___both___", "em em strong strong both both"),
        ("**bold *nested* bold**", "bold nested bold"),
        ("snake_case_name and __init__ and a_b_", "snake_case_name and init and a_b_"),
        ("2*3*4 = 24 and 5 * 3 = 15", "2*3*4 = 24 and 5 * 3 = 15"),
        ("*Names have been changed", "*Names have been changed"),
        ("Prices rose 5%* last year", "Prices rose 5%* last year"),
        ("**unclosed strong and *em*", "**unclosed strong and em"),
        ("in**tra**word", "intraword"),
    ],
)
def test_emphasis_markers_go_and_literal_stars_stay(md: str, text: str) -> None:
    assert markdown_blocks(md) == [(text, None)]


def test_inline_code_is_kept_as_written() -> None:
    md = "Use `a *b* [c](d)` and ``x ` y`` and `` `ticks` `` but `unclosed stays\n"
    assert markdown_blocks(md) == [
        ("Use a *b* [c](d) and x ` y and `ticks` but `unclosed stays", None)
    ]


def test_inline_links_keep_their_text() -> None:
    md = (
        '[titled](https://x.test "Title") [parens](https://x.test/a_(b)) '
        "[angle](<a b>) [empty]() [spaced]( u ) [*emphasis*](u) and [broken](u\n"
    )
    assert markdown_blocks(md) == [
        ("titled parens angle empty spaced emphasis and [broken](u", None)
    ]


def test_reference_links_and_definitions() -> None:
    md = (
        "[Full][r1], [Collapsed][], [Shortcut] and [Undefined][nope] [r1].\n\n"
        "[r1]: https://x.test/1\n"
        "[collapsed]: <https://x.test/2> 'Title'\n"
        "[SHORTCUT]:   /3 (Title)\n\n"
        "[Only a reference][r1]\n"
    )
    assert markdown_blocks(md) == [
        ("Full, Collapsed, Shortcut and [Undefined][nope] r1.", None),
        ("Only a reference", "link-only"),
    ]


def test_a_definition_needs_a_paragraph_start_and_a_valid_form() -> None:
    md = "Text first\n[a]: /not-a-definition\n\n[b]: /url trailing words\n"
    assert markdown_blocks(md) == [
        ("Text first [a]: /not-a-definition", None),
        ("[b]: /url trailing words", None),
    ]


def test_autolinks_keep_the_address() -> None:
    md = "<https://x.test/a_b*c*> <mailto:a@b.test> <me@example.com> and < not > a <3\n"
    assert markdown_blocks(md) == [
        ("https://x.test/a_b*c* mailto:a@b.test me@example.com and < not > a <3", None)
    ]
    assert markdown_blocks("<https://x.test/story>\n") == [("https://x.test/story", "link-only")]


def test_images_keep_their_alt_text() -> None:
    md = (
        '![Alt *text*](a.png "Title")\n\n'
        "See ![icon](i.png) here\n\n"
        "[![Linked photo](p.jpg)](https://x.test)\n\n"
        "![](no-alt.png)\n"
    )
    assert markdown_blocks(md) == [
        ("Alt text", "image"),
        ("See icon here", None),
        ("Linked photo", "image"),
    ]


def test_link_only_paragraphs() -> None:
    md = (
        "**Related article:** [One](#)\n\n"
        "Read more: [Two](u)\n\n"
        "A label of six words here: [Three](u)\n\n"
        "[A](u) and [B](v)\n\n"
        "[A](u) [B](v)\n\n"
        "## [A linked heading](u)\n"
    )
    assert markdown_blocks(md) == [
        ("Related article: One", "link-only"),
        ("Read more: Two", "link-only"),
        ("A label of six words here: Three", None),
        ("A and B", None),
        ("A B", "link-only"),
        ("A linked heading", "heading2"),
    ]


def test_bullet_and_ordered_lists() -> None:
    md = (
        "- dash\n* star\n+ plus\n\n"
        "1. one\n2) two\n\n"
        "- item\n  continued\nlazy line\n- next\n\n"
        "-     indented code in an item\n"
    )
    assert markdown_blocks(md) == [
        ("dash", "list-item"),
        ("star", "list-item"),
        ("plus", "list-item"),
        ("one", "list-item"),
        ("two", "list-item"),
        ("item continued lazy line", "list-item"),
        ("next", "list-item"),
        ("indented code in an item", "list-item"),
    ]


def test_loose_and_nested_list_items() -> None:
    md = "- first para\n\n  second para\n- next item\n  - nested\n    deeper\n\nAfter.\n"
    assert markdown_blocks(md) == [
        ("first para", "list-item"),
        ("second para", "list-item"),
        ("next item", "list-item"),
        ("nested deeper", "list-item"),
        ("After.", None),
    ]


def test_only_a_list_starting_at_1_interrupts_a_paragraph() -> None:
    md = "In 2019 prices rose by\n2. per cent\n1. a real list\n\nA line\n-\n"
    assert markdown_blocks(md) == [
        ("In 2019 prices rose by 2. per cent", None),
        ("a real list", "list-item"),
        ("A line", "heading2"),
    ]


def test_block_quotes() -> None:
    md = (
        "> Quoted\n>still\nlazy continuation\n\n"
        "> > nested\n> back out\n\n"
        "> - a list in a quote\n\n"
        "> # A heading in a quote\n\n"
        ">\n\nAfter.\n"
    )
    assert markdown_blocks(md) == [
        ("Quoted still lazy continuation", "quote"),
        ("nested back out", "quote"),
        ("a list in a quote", "list-item"),
        ("A heading in a quote", "heading1"),
        ("After.", None),
    ]


def test_fenced_code_blocks() -> None:
    md = (
        "```python\ncode *x* [y](z)\n\n  indented\n```\n\n"
        "~~~\ntilde\n~~~~\n\n"
        "````\n```\ninner\n````\n\n"
        "  ```\n  two-space fence\n   three\n  ```\n\n"
        "```\nunclosed runs to the end\n"
    )
    assert markdown_blocks(md) == [
        ("code *x* [y](z)\n\n  indented", None),
        ("tilde", None),
        ("```\ninner", None),
        ("two-space fence\n three", None),
        ("unclosed runs to the end", None),
    ]


def test_indented_code_and_code_in_a_list() -> None:
    md = (
        "    code line\n      more\n\n    after blank\nPara\n    not code\n\n- item\n\n      code\n"
    )
    assert markdown_blocks(md) == [
        ("code line\n  more\n\nafter blank", None),
        ("Para not code", None),
        ("item", "list-item"),
        ("code", "list-item"),
    ]


def test_thematic_breaks_leave_nothing() -> None:
    assert markdown_blocks("***\n---\n___\n- - -\n* * *\n_ _ _\n") == []


def test_raw_html_is_stripped_to_its_words() -> None:
    md = (
        "Line<br>break<br/>here and <b>bold</b> <!-- gone --> <span class='x'>kept</span>\n\n"
        "<!-- a block\ncomment\n\nspanning lines -->\n\n"
        "<div>\nBlock *html* &amp; text\n</div>\n\n"
        "<script>\nvar x = 1;\n\n</script>\n\n"
        "a < b and c > d, x<y\n"
    )
    assert markdown_blocks(md) == [
        ("Line break here and bold kept", None),
        ("Block *html* & text", None),
        ("var x = 1;", None),
        ("a < b and c > d, x<y", None),
    ]


def test_backslash_escapes() -> None:
    md = "\\*not emphasis\\* \\[not link\\](u) \\\\ \\a\n\n\\# Not heading\n\n1\\. Not a list\n"
    assert markdown_blocks(md) == [
        ("*not emphasis* [not link](u) \\ \\a", None),
        ("# Not heading", None),
        ("1. Not a list", None),
    ]


def test_html_entities() -> None:
    md = "Tom &amp; Jerry&nbsp;said &#8217;hi&#x2019; &copy; &bogus; & AT&T &#42;x&#42;\n"
    assert markdown_blocks(md) == [("Tom & Jerry said \u2019hi\u2019 © &bogus; & AT&T *x*", None)]


def test_tables_give_one_block_per_row() -> None:
    md = (
        "| Name | Age |\n|:-----|----:|\n| **Ann** | 30 |\n| Bob \\| Jr | |\n"
        "| one | two | extra cell |\nno pipes row\n\n"
        "Col A | Col B\n--- | ---\nx | y\n\n"
        "Not | a table\n---\n"
    )
    assert markdown_blocks(md) == [
        ("Name | Age", None),
        ("Ann | 30", None),
        ("Bob | Jr |", None),
        ("one | two | extra cell", None),
        ("no pipes row", None),
        ("Col A | Col B", None),
        ("x | y", None),
        ("Not | a table", "heading2"),
    ]


def test_tabs_in_indentation() -> None:
    assert markdown_blocks("-\tTabbed item\n\n>\tTabbed quote\n\n\tcode\n") == [
        ("Tabbed item", "list-item"),
        ("Tabbed quote", "quote"),
        ("code", None),
    ]


def test_a_typical_news_copy() -> None:
    md = (
        "# Rebels flee Idlib\n\n"
        "By [Reuters](https://x.test) | *August 21, 2019*\n\n"
        "![Smoke over Khan Sheikhoun](smoke.jpg)\n"
        "_Smoke rises over Khan Sheikhoun. Photo: AP_\n\n"
        "Tens of thousands of people have fled, residents said on Wednesday.\n\n"
        "> \u201cThe flow of cars is not stopping,\u201d said Abdullah Younis.\n\n"
        "**Related article:** [Rocket attack hits base][1]\n\n"
        "## What next\n\n"
        "* Talks in Ankara\n* A ceasefire?\n\n"
        "[1]: https://x.test/rocket\n"
    )
    assert markdown_blocks(md) == [
        ("Rebels flee Idlib", "heading1"),
        ("By Reuters | August 21, 2019", None),
        ("Smoke over Khan Sheikhoun", "image"),
        ("Smoke rises over Khan Sheikhoun. Photo: AP", "image"),
        ("Tens of thousands of people have fled, residents said on Wednesday.", None),
        ("\u201cThe flow of cars is not stopping,\u201d said Abdullah Younis.", "quote"),
        ("Related article: Rocket attack hits base", "link-only"),
        ("What next", "heading2"),
        ("Talks in Ankara", "list-item"),
        ("A ceasefire?", "list-item"),
    ]


# --- Properties and limits ------------------------------------------------------------------

HINTS = {None, "list-item", "quote", "image", "link-only"} | {f"heading{n}" for n in range(1, 7)}
SYNTAX = [
    *["*", "**", "_", "__", "***", "# ", "## ", "#", "> ", ">", "- ", "+ ", "* ", "    ", "  "],
    *["===", "---", "|", "| --- |", "!", "[", "]", "\\", ".", ",", "?", " ", "\n", "\n\n", "\t"],
]
WORDS = ["Idlib", "rebels", "fled", "2019", "60,000", "caf\u00e9", "snake_case", "Moscow's", "x"]
# Words (each followed by a space, so "2019" never becomes a list marker) among Markdown
# syntax that cannot hide a word: no "(", ":", "<", "&", "`" or "~", hence no link target,
# definition, HTML, entity or code fence info string.
WORDY_MARKDOWN = st.lists(
    st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS).map(lambda w: w + " ")),
    max_size=80,
).map("".join)
ANY_MARKDOWN = st.lists(
    st.one_of(
        st.sampled_from([*SYNTAX, "(u)", "](u)", "[x]: /u\n", "<br>", "<!--", "-->", "`", "```"]),
        st.sampled_from(["~~~", "&amp;", "&#", "<div>", "<http://a.b>", "1. ", "2) ", ":"]),
        st.text(max_size=5),
    ),
    max_size=80,
).map("".join)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


@settings(max_examples=300, deadline=None)
@given(ANY_MARKDOWN)
def test_any_text_gives_clean_blocks(md: str) -> None:
    for text, hint in markdown_blocks(md):
        assert text and text == text.strip()
        assert hint in HINTS


@settings(max_examples=300, deadline=None)
@given(WORDY_MARKDOWN)
def test_no_word_is_lost_added_or_reordered(md: str) -> None:
    blocks = markdown_blocks(md)
    assert _alnum(" ".join(text for text, _ in blocks)) == _alnum(md)


PATHOLOGICAL = [
    "word " * 50000,
    "[" * 100000,
    "![" * 100000,
    "[a](" * 50000,
    "[a][" * 50000,
    "[a](b(" * 40000,
    "<http://" * 30000,
    "<p" * 50000,
    "<a b='" * 40000,
    "<!--" * 30000,
    "x <!--" * 30000,
    "**a" * 30000,
    "a*" * 100000,
    "*_" * 100000,
    "`a``" * 50000,
    "\\" * 200000,
    "&amp" * 60000,
    ">" * 100000,
    "> a\n" * 50000,
    "- a\n" + "b\n" * 50000,
    "- " + "x" * 100000 + "\n" + "lazy\n" * 20000,
    "> " + "x " * 50000 + "\n" + "lazy\n" * 20000,
    "".join("  " * k + "- a\n" for k in range(1000)),
    "[" * 50000 + "[a](u)" * 30000,
    "| a | b |\n|---|---|\n" + "| c | d |\n" * 30000,
]


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=lambda t: repr(t[:8]))
def test_pathological_markdown_converts_in_linear_time(text: str, tmp_path: Path) -> None:
    """A 250 KB line must not make a regex or a search backtrack (it once took 27 s)."""
    start = time.perf_counter()
    markdown_blocks(text)
    assert time.perf_counter() - start < 5
    path = tmp_path / "copy.md"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    with contextlib.suppress(InputError):
        load_document(path, "copy.md")
    assert time.perf_counter() - start < 5
