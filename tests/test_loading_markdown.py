"""Markdown: the words stay, the syntax goes, the structure survives as hints."""

from __future__ import annotations

from pathlib import Path

import pytest

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
