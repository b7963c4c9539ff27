"""HTML: article paragraphs in page order, metadata, and every other visible text kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from storydiff.errors import InputError
from storydiff.loading import load_document
from storydiff.loading.detect import detect_format, looks_like_html
from storydiff.loading.htmlpage import parse_html
from storydiff.model import Format

P1 = (
    "Tens of thousands of people have fled to Syria's border with Turkey in the last few days "
    "as a Syrian army advance pushed further into the opposition's last major stronghold."
)
P2 = (
    "They left Maarat al-Numan, a city in Idlib province that has been a sanctuary for families "
    "fleeing former rebel areas, as a Russian-led push came close to capturing the town."
)
P3 = (
    "Russia has previously downplayed its direct role in the advance, where it used "
    "mercenaries as well as directing battles, according to Western intelligence sources."
)
P4 = (
    "Moscow and Damascus, who deny indiscriminate bombing of civilian areas, say they are "
    "fighting jihadist militants drawn from across the world."
)

PAGE = f"""<!DOCTYPE html>
<html lang="en"><head>
<title>Tens flee | Example News</title>
<link rel="canonical" href="https://news.example.com/2019/08/21/flee">
<meta property="og:site_name" content="Example News">
<meta property="og:title" content="Tens of thousands flee">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2019-08-21T10:00:00Z">
<style>body {{ color: red }}</style>
<script>var hidden = "script text is not text";</script>
</head><body>
<div class="cookie-banner">We use cookies. Accept all cookies to continue.</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li></ul></nav>
<main><article>
<h1>Tens of thousands flee Russian-led onslaught</h1>
<p>{P1}</p>
<figure><img src="a.jpg" alt="alt text"><figcaption>A general view of Khan Sheikhoun in
Idlib province.</figcaption></figure>
<p>{P2}</p>
<h2>Mercenaries</h2>
<p>{P3}</p>
<ul><li>First point about the convoy and the observation post near the town.</li>
<li>Second point about the talks with Russia over the fate of the convoy.</li></ul>
<div style="display:none">Invisible text</div>
<p>{P4}</p>
</article>
<aside><h3>Most read</h3><p>Another story you might like to read today</p></aside></main>
<footer><p>&copy; 2019 Example News. All rights reserved.</p>
<a href="/privacy">Privacy policy</a></footer>
<script type="application/ld+json">{{"headline": "json text"}}</script>
</body></html>
"""


def _load(tmp_path: Path, html: str, name: str = "page.html") -> list[tuple[str, str | None]]:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    doc = load_document(path, name)
    assert doc.format is Format.HTML
    assert [b.index for b in doc.blocks] == list(range(len(doc.blocks)))
    return [(b.text, b.hint) for b in doc.blocks]


def test_article_page_blocks_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = load_document(path, "page.html")
    assert doc.format is Format.HTML
    assert doc.title == "Tens of thousands flee"
    assert doc.site_name == "Example News"
    assert doc.url == "https://news.example.com/2019/08/21/flee"
    assert doc.date == "2019-08-21"
    assert doc.author == "Jane Reporter"
    assert doc.raw_text.startswith("<!DOCTYPE html>")
    blocks = [(b.text, b.hint) for b in doc.blocks]
    assert blocks == [
        ("We use cookies. Accept all cookies to continue.", "outside-article"),
        ("Home", "outside-article"),
        ("World news", "outside-article"),
        ("Tens of thousands flee Russian-led onslaught", "heading1"),
        (P1, None),
        ("A general view of Khan Sheikhoun in Idlib province.", "image"),
        (P2, None),
        ("Mercenaries", "heading2"),
        (P3, None),
        ("First point about the convoy and the observation post near the town.", "list-item"),
        ("Second point about the talks with Russia over the fate of the convoy.", "list-item"),
        (P4, None),
        ("Most read", "outside-article"),
        ("Another story you might like to read today", "outside-article"),
        ("\u00a9 2019 Example News. All rights reserved.", "outside-article"),
        ("Privacy policy", "outside-article"),
    ]


def test_scripts_styles_and_hidden_text_are_not_text(tmp_path: Path) -> None:
    text = " ".join(t for t, _ in _load(tmp_path, PAGE))
    for absent in ("script text", "color: red", "json text", "Invisible text", "alt text"):
        assert absent not in text


def test_headline_repeated_in_a_teaser_box_stays_outside(tmp_path: Path) -> None:
    teaser = P1[:60]
    page = PAGE.replace(
        "<aside><h3>Most read</h3>",
        f"<aside><h3>Most read</h3><p>{P1}</p><p>READ MORE: {teaser}</p>",
    )
    blocks = _load(tmp_path, page)
    hints = [h for t, h in blocks if t == P1]
    assert hints == [None, "outside-article"]


def test_malformed_html_still_loads(tmp_path: Path) -> None:
    html = (
        "<html><body><div><p>Unclosed paragraph with <b>bold <i>nested</b> text"
        "<p>" + P1 + "<div>Stray div</span></p></td>" + "<p>" + P2 + "<br><br>After a double "
        "break<br>and a single one</body>"
    )
    texts = [t for t, _ in _load(tmp_path, html)]
    assert texts[0] == "Unclosed paragraph with bold nested text"
    assert P1 in texts and P2 in texts
    assert "Stray div" in texts
    assert texts[-1] == "After a double break and a single one"


def test_page_without_article_keeps_everything_outside(tmp_path: Path) -> None:
    html = (
        "<!doctype html><html><head><title>Index</title></head><body>"
        "<nav>Home | World | Business</nav><div>Latest</div><footer>Contact us</footer>"
        "</body></html>"
    )
    path = tmp_path / "index.html"
    path.write_text(html, encoding="utf-8")
    doc = load_document(path, "index.html")
    assert [(b.text, b.hint) for b in doc.blocks] == [
        ("Home | World | Business", "outside-article"),
        ("Latest", "outside-article"),
        ("Contact us", "outside-article"),
    ]
    assert doc.title == "Index"
    assert any("no article" in w for w in doc.warnings)


def test_page_with_no_visible_text_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"empty\.html: no readable text"):
        _load(
            tmp_path,
            "<html><head><title>x</title><script>1</script></head><body></body></html>",
            "empty.html",
        )


def test_html_in_a_txt_file_is_detected_by_content(tmp_path: Path) -> None:
    blocks = _load(tmp_path, PAGE, "saved.txt")
    assert (P1, None) in blocks


def test_html_detection() -> None:
    assert looks_like_html("  <!-- saved -->\n<!DOCTYPE html><html>")
    assert looks_like_html('<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">')
    assert looks_like_html("<div>\n" + "<p>x</p>\n" * 12 + "</div>")
    assert not looks_like_html("A story that mentions <b>bold</b> once.\nAnother line.\n")
    assert detect_format("No tags at all.\nSecond line.\n", ".html") is Format.TEXT
    assert detect_format("<p>One tag</p>\n", ".htm") is Format.HTML


def test_xhtml_with_xml_declaration(tmp_path: Path) -> None:
    xhtml = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>X</title></head>'
        f"<body><article><p>{P1}</p><p>{P2}</p></article></body></html>"
    )
    texts = [t for t, _ in _load(tmp_path, xhtml, "page.xhtml")]
    assert texts == [P1, P2]


def test_parse_html_survives_control_characters() -> None:
    page = parse_html("<html><body><p>Form\x0cfeed and \x01 control</p></body></html>")
    assert [t for t, _ in page.blocks] == ["Form feed and control"]


def test_list_of_headlines_is_not_an_article(tmp_path: Path) -> None:
    """trafilatura returns *something* for any page; a menu of headlines is no article."""
    items = "".join(
        f'<li><a href="/a{i}">Headline number {i} about something that happened</a></li>'
        for i in range(12)
    )
    html = f"<html><body><nav>Home World</nav><h1>Latest news</h1><ul>{items}</ul></body></html>"
    blocks = _load(tmp_path, html)
    assert len(blocks) == 14
    assert {h for _, h in blocks} == {"outside-article"}


def test_figcaption_outside_the_article_is_outside(tmp_path: Path) -> None:
    page = PAGE.replace(
        "<aside><h3>Most read</h3>",
        "<aside><h3>Most read</h3><figure><figcaption>Teaser photo caption</figcaption></figure>",
    )
    blocks = _load(tmp_path, page)
    assert ("Teaser photo caption", "outside-article") in blocks
    assert ("A general view of Khan Sheikhoun in Idlib province.", "image") in blocks


def test_missing_extractor_dependency_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken installation (e.g. lxml_html_clean missing) must not pass for a page with no
    article: it is a one-line error that says what to do."""
    from storydiff.loading import htmlpage

    def broken(text: str) -> object:
        raise ImportError("lxml.html.clean module is now a separate project")

    monkeypatch.setattr(htmlpage, "_extract", broken)
    path = tmp_path / "page.html"
    path.write_text("<html><body><article><p>Some words here.</p></article></body></html>")
    with pytest.raises(InputError, match=r"page\.html: cannot read HTML.*reinstall"):
        load_document(path, "page.html")
