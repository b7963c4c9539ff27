"""Typographic normalisation, used for matching only, never for what the user sees.

Copies of one wire story differ in curly versus straight quotes, en/em dashes versus hyphens,
non-breaking spaces and compatibility characters.  None of that is a difference a reader cares
about, so every comparison goes through these keys while the displayed text keeps the copy's own
characters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from .recache import recompile

# Characters folded to a plain ASCII equivalent before comparing.
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00ad": None,
    }
)

_WORD = recompile(r"\w+(?:['.,\-]\w+)*", re.UNICODE)
_DIGIT = recompile(r"\d")
_QUOTE_EDGES = "\"'()[]{}<>*_"
_EDGE_PUNCT = "\"'()[]{}<>*_.,;:!?-"


def typographic(text: str) -> str:
    """NFKC plus quote, dash and space unification: the form used for every comparison."""
    if text.isascii():  # most text: NFKC leaves ASCII alone, only the backtick is folded
        return text.replace("`", "'") if "`" in text else text
    return unicodedata.normalize("NFKC", text.translate(_TRANSLATE))


@lru_cache(maxsize=65536)
def match_key(text: str) -> str:
    """A case-folded, punctuation-light key for whole-paragraph comparison."""
    return " ".join(_WORD.findall(typographic(text).casefold()))


def has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


class Tokens(NamedTuple):
    """A text cut into whitespace-delimited chunks, and the key each is compared by.

    ``texts`` keep their trailing whitespace, so ``"".join(texts)`` is exactly the input.
    Two parallel tuples rather than one object per word: diffs build thousands of them.
    """

    texts: tuple[str, ...]
    keys: tuple[str, ...]


_CHUNK = recompile(r"\S+\s*|\s+")


def token_key(chunk: str) -> str:
    """Compare words, not their wrapping: quote marks, brackets and trailing punctuation
    around a word are typographic noise (``“scorched`` == ``"scorched``, ``stopping,`` ==
    ``stopping``)."""
    t = typographic(chunk.strip())
    stripped = t.strip(_EDGE_PUNCT)
    return stripped if stripped else t


@lru_cache(maxsize=65536)
def tokenize(text: str) -> Tokens:
    """Split text into tokens for word diffs; cached because rows are diffed many times.

    The common case (an ASCII word) is keyed inline: this runs on every word of every cell."""
    texts = _CHUNK.findall(text)
    if text.isascii() and "`" not in text:  # (the loop below, for ASCII words only)
        return Tokens(
            tuple(texts), tuple([(w := c.rstrip()).strip(_EDGE_PUNCT) or w for c in texts])
        )
    keys: list[str] = []
    append = keys.append
    for chunk in texts:
        word = chunk.rstrip()
        if not word:  # leading whitespace of the text
            append("")
        elif word.isascii() and "`" not in word:
            append(word.strip(_EDGE_PUNCT) or word)
        else:
            append(token_key(word))
    return Tokens(tuple(texts), tuple(keys))


# C0/C1 control characters (ESC starts every terminal escape sequence) and the bidi
# overrides/isolates that can reorder what a terminal shows.
_UNSAFE = recompile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Text from a copy made safe to print: control and bidi-override characters become
    visible escapes (``\\x1b``, ``\\u202e``) so they are shown, never obeyed."""
    return _UNSAFE.sub(lambda m: _escape(m.group(0)), text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_paste(text: str) -> str:
    """Text for an input box (a paste, a note to edit): :func:`visible`, with a CR or CRLF line
    break kept as a newline rather than shown as ``\\x0d``. Textual's text boxes write what
    they hold to the terminal as it is, so a raw escape sequence in one would be obeyed."""
    return visible(text.replace("\r\n", "\n").replace("\r", "\n"))
