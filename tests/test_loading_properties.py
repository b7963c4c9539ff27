"""Property tests: whatever bytes a user hands over, loading either yields clean blocks or a
one-line InputError, never a traceback."""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from storydiff.errors import InputError
from storydiff.loading import load_document
from storydiff.model import Document

SUFFIXES = st.sampled_from([".txt", ".md", ".html", ""])
PIECES = [
    *"abcdefgh ABC.,;:!?\"'-#*_[]()<>/=\n\n\n\t",
    *["\u201c", "\u201d", "\u2014", "\u00e9", "<p>", "</p>", "<br>", "**", "](u)", "# "],
    *["Iranian-\n", "long words in a sentence that goes on ", "<html>", "<!doctype html>"],
]
TEXTY = st.lists(st.sampled_from(PIECES), max_size=300).map("".join)


def _check(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"copy{suffix}"
        path.write_bytes(data)
        try:
            doc = load_document(path, path.name)
        except InputError as exc:
            assert "\n" not in exc.message
            assert exc.message.startswith(path.name + ": ")
            return
    assert isinstance(doc, Document)
    assert doc.blocks
    for i, block in enumerate(doc.blocks):
        assert block.index == i
        assert block.text and block.text == block.text.strip()


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=1500), SUFFIXES)
def test_random_bytes(data: bytes, suffix: str) -> None:
    _check(data, suffix)


@settings(max_examples=150, deadline=None)
@given(TEXTY, SUFFIXES, st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_random_text(text: str, suffix: str, encoding: str) -> None:
    _check(text.encode(encoding), suffix)


PATHOLOGICAL = [
    "word " * 50000,
    "[" * 100000,
    "<" * 100000,
    "[a](" * 50000,
    "<http://" * 30000,
    "<p" * 50000,
    "<!--" * 30000,
    "**a" * 30000,
    '."' * 100000,
]


def test_pathological_lines_load_in_linear_time(tmp_path: Path) -> None:
    """Detection regexes once backtracked quadratically on one 250 KB line (27 s)."""
    for n, text in enumerate(PATHOLOGICAL):
        for suffix in (".txt", ".html"):
            path = tmp_path / f"p{n}{suffix}"
            path.write_text(text, encoding="utf-8")
            start = time.perf_counter()
            with contextlib.suppress(InputError):
                load_document(path, path.name)
            assert time.perf_counter() - start < 5, (text[:10], suffix)
