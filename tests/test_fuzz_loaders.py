"""Bounded fuzzing of the loaders: whatever bytes a scraper or a user hands over, loading ends in
a result or a one-line error the user can act on, never a traceback.

What is fuzzed:

* ``load_document`` on raw ``st.binary`` and on structured copies: HTML tags, Markdown syntax,
  entities, declared charsets, lines of the seed story, its paragraphs hard-wrapped at any
  width, very long lines, control characters and ANSI escapes, CR/LF/CRLF line ends; encoded
  as UTF-8, UTF-16, UTF-32, latin-1, cp1252, KOI8-R or Shift-JIS; then BOMs, NUL bytes,
  UTF-8-encoded surrogates, cut sequences and random bytes spliced in.  Each is written as
  ``.txt .md .html .htm`` and read with the default size limit, or one equal to its size, or
  one byte short of it.
* ``load_story`` on a folder of two or three such copies beside one good seed copy, sometimes
  with a fuzzed ``storydiff.toml``.
* ``load_manifest`` on TOML-ish bytes (keys right and wrong, every value type, tables, arrays
  of tables, escapes, dates, bad UTF-8, NUL bytes, nesting).

What is asserted: ``load_document`` returns a Document or raises InputError whose message is
one line starting with the file's source; the Document's blocks are numbered, stripped,
non-empty, valid Unicode without NUL, and hold only what the decoded text holds (plain and
wrapped text: each block, less whitespace and hyphens, is a stretch of the text; Markdown and
HTML: no character that neither the text nor its entities contain); the input file keeps its
bytes and mtime and nothing is written beside it.  ``load_story`` returns an Alignment or
raises a StorydiffError with a one-line message, and leaves the folder as it was.
``load_manifest`` returns a checked Manifest or raises a one-line ManifestError naming the file.

By default each test runs ``FUZZ_EXAMPLES=150`` examples (the story test a third of that, as
each example cleans and aligns a whole story), derandomised so CI is reproducible: the file
takes a few seconds.  To search harder with fresh random examples::

    FUZZ_EXAMPLES=5000 HYPOTHESIS_PROFILE=explore pytest -q tests/test_fuzz_loaders.py

Two tests pin loader bugs this fuzzing found, each with its minimal example, so they fail
whatever the example count if the bugs come back: a page declaring a Python pseudo-codec as
its charset (``undefined``, ``unicode_escape``), and a manifest nested a thousand levels deep.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from storydiff.errors import InputError, ManifestError, StorydiffError
from storydiff.loading import DEFAULT_MAX_BYTES, MANIFEST_NAME, Manifest, load_document
from storydiff.loading.manifest import MAX_BADGE, load_manifest
from storydiff.model import Alignment, Document, Format
from storydiff.story import StoryOptions, load_story

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# load_story cleans and aligns the seed copy every time: a third of the examples keeps the file
# inside its time budget and still reaches alignment dozens of times.
STORY_FUZZ = settings(FUZZ, max_examples=max(1, EXAMPLES // 3))

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
GOOD_COPY = sorted(SEEDS.glob("*.txt"))[0]
SEED_TEXT = GOOD_COPY.read_text("utf-8")
SEED_LINES = [line.strip() for line in SEED_TEXT.splitlines() if line.strip()]
SEED_PARAGRAPHS = [" ".join(chunk.split()) for chunk in SEED_TEXT.split("\n\n") if chunk.strip()]

SUFFIXES = st.sampled_from([".txt", ".md", ".html", ".htm"])
# The size limit: the default, or exactly at the copy's size, or one byte short of it.
LIMITS = st.sampled_from(["default", "default", "default", "exact", "one short"])

# --- structured copies -----------------------------------------------------------------------

HTML_PIECES = [
    "<!doctype html>", "<html>", "</html>", "<head>", "</head>", "<title>", "</title>",
    "<body>", "</body>", "<article>", "</article>", "<main>", "<p>", "</p>", "<div>", "</div>",
    "<span>", "<br>", "<br/>", "<pre>", "</pre>", "<h1>", "</h1>", "<li>", "<ul>", "<blockquote>",
    "<figure><figcaption>", "</figcaption></figure>", "<script>var x = '</p>';", "</script>",
    "<style>p{}</style>", "<!--", "-->", "<![CDATA[", "]]>", "<p hidden>",
    '<p style="display:none">', '<div itemprop="articleBody">', "<table><tr><td>",
    "</td></tr></table>", "<a href='/x'>", "</a>",
    "&amp;", "&nbsp;", "&eacute;", "&notin", "&#128;", "&#0;", "&#1;", "&#13;", "&#xD800;",
    "&#x110000;", "&#99999999;", "<?xml version='1.0' encoding='latin-1'?>", "<", ">", "</",
]  # fmt: skip
MARKDOWN_PIECES = [
    "# ", "## ", "###### ", "**", "__", "*", "_", "`", "``", "```", "~~~", "> ", ">> ", "- ",
    "* ", "+ ", "1. ", "2) ", "[", "]", "](http://x.example/a)", "![alt](i.png)", "[ref]",
    "[ref]: http://x.example", "<http://x.example>", "<a@b.example>", "---", "===", "***", "|",
    "| --- | --- |", "\\", "\\*", "    ", "\t", "&eacute;", "&#233;", "&#xD800;", "&#0;",
    "<br>", "<div>", "</div>", "<!-- c -->", "<!--", "<script>", "</script>",
]  # fmt: skip
CONTROL_PIECES = [
    "\x1b[31m", "\x1b[0m", "\x1b]0;title\x07", "\x07", "\x08", "\x0b", "\x0c", "\x1c", "\x1f",
    "\x7f", "\x85", "\u2028", "\u00ad", "\ufeff", "\ufffd", "\u200b", "\u202e",
]  # fmt: skip
NEWLINES = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\r\r\n", "\n\r"]
WORDS = [
    "the", "Syrian", "army", "said", "on", "Wednesday.", "café", "naïve", "Zażółć", "Москва",
    "東京", "“quoted”", "‘s", "—", "–", "1,000", "e-mail", "inter-", "national", "Iranian-",
    "backed", " ", "  ", ".", "!", "?",
]  # fmt: skip
# Charsets real pages declare, and names Python does not know.  Python-only pseudo-codecs
# ("undefined", "unicode_escape") have their own test below.
CHARSETS = [
    "utf-8", "UTF8", "iso-8859-1", "latin1", "ascii", "windows-1252", "windows-1251",
    "koi8-r", "shift_jis", "gb2312", "big5", "utf-16", "utf-32", "x-bogus", "rot13", "hex",
]  # fmt: skip
DECLARATIONS = [
    *(f'<meta charset="{name}">' for name in CHARSETS),
    *(f"<meta http-equiv=Content-Type content='text/html; charset={n}'>" for n in CHARSETS),
    *(f'<?xml version="1.0" encoding="{name}"?>' for name in CHARSETS),
]
ENCODINGS = [
    "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252",
    "koi8-r", "shift_jis",
]  # fmt: skip
RAW_BYTES = [
    b"\x00", b"\x00\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00",
    b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xc0\xaf", b"\xe2\x80", b"\xf0\x9f", b"\x80", b"\xff",
    b"\xd8\x00", b"\x00\xd8", b"\xdc\x00", b"\x1b[1m", b"\r", b"\r\n", b"\n",
]  # fmt: skip
BOMS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]

LONG_LINE = st.builds(
    lambda unit, n: unit * n,
    st.sampled_from(["word ", "a", "[", "<p", "**a", "—", "&amp;", "\t"]),
    st.integers(100, 4000),
)
COMMON = [
    st.sampled_from(WORDS),
    st.sampled_from(NEWLINES),
    st.sampled_from(SEED_LINES),
    st.sampled_from(CONTROL_PIECES),
    st.text(max_size=12),
]
# One pool per kind of copy, so that each loader (plain, wrapped, Markdown, HTML) gets inputs
# that reach deep into it, plus a pool mixing everything.
POOLS = {
    "text": st.one_of(*COMMON, LONG_LINE),
    "markdown": st.one_of(*COMMON, st.sampled_from(MARKDOWN_PIECES)),
    "html": st.one_of(
        *COMMON,
        st.sampled_from(HTML_PIECES),
        st.sampled_from(SEED_LINES).map("<p>{}</p>".format),
        st.sampled_from(DECLARATIONS),
    ),
    "mixed": st.one_of(
        *COMMON,
        LONG_LINE,
        st.sampled_from(MARKDOWN_PIECES),
        st.sampled_from(HTML_PIECES),
        st.sampled_from(DECLARATIONS),
    ),
}
PAGE = ("<!doctype html><html><head><title>T</title></head><body><article>", "</article></body>")


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` as it left the writer, or (one time in four) with bytes spliced in: NULs,
    BOMs, encoded surrogates, cut sequences, random bytes."""
    if draw(st.integers(0, 3)) == 0:
        chunks = st.sampled_from(RAW_BYTES) | st.binary(min_size=1, max_size=8)
        for pos, chunk in draw(
            st.lists(st.tuples(st.integers(0, 1 << 20), chunks), min_size=1, max_size=4)
        ):
            at = pos % (len(data) + 1)
            data = data[:at] + chunk + data[at:]
    return data


@st.composite
def wrapped_text(draw: st.DrawFn) -> str:
    """A print or e-mail copy: paragraphs of the story hard-wrapped at some width, split
    across lines inside hyphenated words, with a few foreign pieces dropped in."""
    paragraphs = draw(st.lists(st.sampled_from(SEED_PARAGRAPHS), min_size=1, max_size=8))
    width = draw(st.integers(25, 110))
    indent = draw(st.sampled_from(["", " ", "    "]))
    lines = [
        line
        for para in paragraphs
        for line in [*textwrap.wrap(para, width, initial_indent=indent), ""]
    ]
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(POOLS["mixed"]))
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


@st.composite
def copies(draw: st.DrawFn) -> bytes:
    """A copy a scraper might have saved: markup and text, encoded, then maybe damaged."""
    kind = draw(st.sampled_from([*sorted(POOLS), "wrapped"]))
    if kind == "wrapped":
        text = draw(wrapped_text())
    else:
        parts = draw(st.lists(POOLS[kind], min_size=1, max_size=40))
        if kind == "html" and draw(st.booleans()):
            parts = [PAGE[0], *parts, PAGE[1]]
        text = "".join(parts)
    # Mostly UTF-8, as most copies are; the other encodings each now and then.
    encoding = draw(st.sampled_from(["utf-8"] * len(ENCODINGS) + ENCODINGS))
    data = draw(damaged(text.encode(encoding, errors="replace")))
    if draw(st.integers(0, 7)) == 0:
        data = draw(st.sampled_from(BOMS)) + data
    return data


ANY_COPY = st.one_of(st.binary(max_size=2000), copies())

# --- checks ----------------------------------------------------------------------------------

_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}))")
_HYPHENS = str.maketrans("", "", "-\u2010\u00ad")


def _squeeze(text: str) -> str:
    """Text without whitespace and hyphens: what plain-text splitting and reflowing keep (a
    reflow joins lines with a space and may drop the hyphen or soft hyphen that broke a word)."""
    return "".join(text.split()).translate(_HYPHENS)


def _char_refs(text: str) -> set[str]:
    """Every character a numeric reference in ``text`` names, as a parser may read it."""
    found: set[str] = set()
    for hexa, dec in _CHAR_REF.findall(text):
        n = int(hexa, 16) if hexa else int(dec)
        if n < 0x110000:
            found.add(chr(n))
    return found


def _outcome(exc: StorydiffError) -> str:
    """The kind of refusal, for ``--hypothesis-show-statistics``: the message without the
    file and the numbers."""
    words = exc.message.split(": ", 1)[-1].split()
    return f"{type(exc).__name__}: " + re.sub(r"\d+(?:\.\d+)?", "N", " ".join(words[:4]))


def _assert_one_line(exc: StorydiffError) -> None:
    assert exc.message, type(exc).__name__
    assert "\n" not in exc.message and "\r" not in exc.message, exc.message


def _assert_blocks_come_from_input(doc: Document) -> None:
    raw = doc.raw_text
    assert "\x00" not in raw and "\r" not in raw, "decoded text keeps NUL or CR"
    assert doc.blocks
    for i, block in enumerate(doc.blocks):
        text = block.text
        assert block.index == i
        assert text.strip() and text == text.strip(), repr(text)
        assert "\x00" not in text, repr(text)
        # Valid Unicode: a lone surrogate cannot be printed, written to a report or saved.
        assert not any("\ud800" <= c <= "\udfff" for c in text), f"lone surrogate: {text!r}"
    if doc.format in (Format.TEXT, Format.WRAPPED):
        squeezed = _squeeze(raw)
        for block in doc.blocks:
            assert _squeeze(block.text) in squeezed, (doc.format, block.text[:200])
    else:
        # Markdown and HTML drop syntax and decode entities: a block may only hold characters
        # of the text or of its entities (U+FFFD for a reference to no character).
        allowed = set(raw) | set(html.unescape(raw)) | _char_refs(raw) | {"\ufffd"}
        for block in doc.blocks:
            invented = {c for c in block.text if not c.isspace()} - allowed
            assert not invented, (doc.format, invented, block.text[:200])


def _limit(data: bytes, limit: str) -> int:
    if limit == "exact":
        return max(len(data), 1)
    if limit == "one short":
        return max(len(data) - 1, 1)
    return DEFAULT_MAX_BYTES


def _check_load_document(data: bytes, suffix: str, limit: str = "default") -> None:
    max_bytes = _limit(data, limit)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"copy{suffix}"
        path.write_bytes(data)
        mtime = path.stat().st_mtime_ns
        source = str(path)
        try:
            doc = load_document(path, source, max_bytes=max_bytes)
        except InputError as exc:
            _assert_one_line(exc)
            assert exc.message.startswith(source + ": "), exc.message
            event(_outcome(exc))
        else:
            event(f"loaded as {doc.format.value}")
            assert len(data) <= max_bytes, "a copy over the size limit was read"
            assert isinstance(doc, Document)
            assert doc.source == source
            _assert_blocks_come_from_input(doc)
        assert path.read_bytes() == data, "the copy was modified"
        assert path.stat().st_mtime_ns == mtime, "the copy's mtime changed"
        assert os.listdir(tmp) == [path.name], "something was written beside the copy"


# --- load_document ---------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=3000), SUFFIXES, LIMITS)
def test_random_bytes_give_clean_blocks_or_one_line_input_error_and_stay_untouched(
    data: bytes, suffix: str, limit: str
) -> None:
    _check_load_document(data, suffix, limit)


@FUZZ
@given(copies(), SUFFIXES, LIMITS)
def test_scraped_markup_in_any_encoding_gives_clean_blocks_or_one_line_input_error(
    data: bytes, suffix: str, limit: str
) -> None:
    _check_load_document(data, suffix, limit)


@FUZZ
@given(
    st.sampled_from(["undefined", "unicode_escape", "raw_unicode_escape", "unicode-escape"]),
    st.sampled_from(["<meta charset={}>", '<?xml version="1.0" encoding="{}"?>']),
    st.binary(min_size=1, max_size=40),
    st.sampled_from(["\\ud800", "\\udfff", "\\U0001f600", "\\x41", "plain words"]),
    SUFFIXES,
)
@example("undefined", "<meta charset={}>", b"\x80", "", ".txt")
@example("unicode_escape", "<meta charset={}>", b"\x80", "\\ud800", ".txt")
def test_declared_python_pseudo_codecs_give_one_line_input_error_or_valid_text(
    name: str, template: str, junk: bytes, escape: str, suffix: str
) -> None:
    """A page's charset declaration is the page's word, not a codec name to hand to Python."""
    data = template.format(name).encode() + b" \xff story text " + junk + escape.encode()
    _check_load_document(data, suffix)


# --- manifests -------------------------------------------------------------------------------

COPY_NAMES = ['"copy0.txt"', '"copy1.md"', f'"{GOOD_COPY.name}"', '"gone.txt"', '"a/b.txt"']
TOML_KEYS = ["title", "base", "copies", "outlet", "badge", "url", "date", "tags", "oulet", "a.b"]
TOML_VALUES = [
    *COPY_NAMES, '"The Moscow Times"', '"MT-prn"', '"MT-prn-long"', '""', '"  "', "''",
    "'lit\\eral'", '"""multi\nline"""', "'''raw\nlines'''", "42", "-0", "3.14", "inf", "nan",
    "true", "2019-08-21", "1979-05-27T07:32:00Z", "07:32:00", "[]", '["print", " web ", ""]',
    '["a", 1]', "[1, [2]]", '{ outlet = "X" }', "{ oulet = 1 }", "{}", '"\\u00e9"',
    '"\\U0010FFFF"', '"tab\\there"',
]  # fmt: skip
BAD_TOML_VALUES = ["9999-99-99", '"\\uD800"', '"\\x41"', '"unclosed', "[1,", "{a=1,}", "01"]
TOML_HEADERS = [
    *(f"[copies.{name}]" for name in COPY_NAMES),
    "[copies.x]", "[copies]", "[[copies]]", "[title]", "[copies.x.y]", '[copies."a.txt".tags]',
    "[]", "[[",
]  # fmt: skip
VALUE = st.sampled_from(TOML_VALUES)
# Lines that may break the TOML itself: few per file, so most files reach the manifest checks.
KEY_VALUE = st.builds(
    "{} = {}".format, st.sampled_from(TOML_KEYS), VALUE | st.sampled_from(BAD_TOML_VALUES)
)
NESTED = st.builds(
    lambda opening, n: "x = " + opening * n, st.sampled_from(["[", "{a="]), st.integers(1, 64)
)
JUNK_LINE = st.one_of(
    KEY_VALUE,
    st.sampled_from(TOML_HEADERS),
    st.sampled_from(["# comment", "title", "=", "é = 1", "\x00", "\ufeff"]),
    st.text(max_size=10),
    NESTED,
)


@st.composite
def manifests(draw: st.DrawFn) -> bytes:
    """A ``storydiff.toml`` edited by hand: the right keys in the right tables (unique, so the
    TOML is often valid and the manifest's own checks run) with values of every type; one
    time in three a stray line (a wrong key, a bad value, junk), one in four damaged bytes."""
    top = draw(st.dictionaries(st.sampled_from(["title", "base"]), VALUE))
    lines = [f"{key} = {value}" for key, value in top.items()]
    sections = draw(
        st.dictionaries(
            st.sampled_from(COPY_NAMES),
            st.dictionaries(st.sampled_from(["outlet", "badge", "url", "date", "tags"]), VALUE),
            max_size=4,
        )
    )
    for name, table in sections.items():
        lines.append(f"[copies.{name}]")
        lines.extend(f"{key} = {value}" for key, value in table.items())
    if draw(st.integers(0, 2)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(JUNK_LINE))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))  # a lone CR is not TOML
    data = newline.join(lines).encode("utf-8")
    return draw(damaged(data))


TOMLISH = st.one_of(manifests(), manifests(), st.binary(max_size=300))

# --- load_story ------------------------------------------------------------------------------


@STORY_FUZZ
@given(
    st.lists(
        st.tuples(ANY_COPY, st.sampled_from([".txt", ".md", ".html", ".htm", ""])),
        min_size=2,
        max_size=3,
    ),
    st.integers(0, 3),
    TOMLISH,
)
def test_folder_of_fuzzed_copies_aligns_or_fails_with_one_line_storydiff_error(
    fuzzed: list[tuple[bytes, str]], manifest_dice: int, manifest: bytes
) -> None:
    """One good copy beside the fuzzed ones, so that a single readable fuzzed copy takes the
    story through cleaning, outlet naming and alignment."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / GOOD_COPY.name).write_bytes(GOOD_COPY.read_bytes())
        for n, (data, suffix) in enumerate(fuzzed):
            (folder / f"copy{n}{suffix}").write_bytes(data)
        if manifest_dice == 0:  # one folder in four has a storydiff.toml
            (folder / MANIFEST_NAME).write_bytes(manifest)
        before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
        try:
            alignment = load_story([str(folder)], StoryOptions())
        except StorydiffError as exc:
            _assert_one_line(exc)
            event(_outcome(exc))
        else:
            event("aligned")
            assert isinstance(alignment, Alignment)
            assert len(alignment.versions) >= 2
        after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
        assert after == before, "load_story modified, added or removed a file"


# --- load_manifest ---------------------------------------------------------------------------


def _check_load_manifest(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / MANIFEST_NAME
        path.write_bytes(data)
        try:
            manifest = load_manifest(path)
        except RecursionError:
            # Not a ManifestError, so a bug; said in one line, as pytest takes seconds to print
            # a thousand-frame traceback.
            raise AssertionError("RecursionError escaped load_manifest") from None
        except ManifestError as exc:
            _assert_one_line(exc)
            assert exc.message.startswith(f"{path}: "), exc.message
            event(_outcome(exc))
        else:
            event("manifest loaded")
            assert isinstance(manifest, Manifest)
            assert manifest.source == str(path)
            for value in (manifest.title, manifest.base):
                assert value is None or (value and value == value.strip())
            for info in manifest.copies.values():
                assert info.badge is None or 0 < len(info.badge) <= MAX_BADGE
                assert all(tag and tag == tag.strip() for tag in info.tags)
        assert path.read_bytes() == data, "the manifest was modified"


@FUZZ
@given(TOMLISH)
def test_fuzzed_manifest_is_checked_or_fails_with_one_line_manifest_error(data: bytes) -> None:
    _check_load_manifest(data)


@FUZZ
@given(st.sampled_from(["[", "{a="]), st.integers(1, 5000))
@example("[", 1000)
def test_deeply_nested_manifest_fails_with_one_line_manifest_error(
    opening: str, depth: int
) -> None:
    _check_load_manifest(("x = " + opening * depth).encode())
