"""Bytes to text, the way a reader would expect.

Copies of a story come from everywhere: UTF-8 exports, Windows tools writing UTF-16 with or
without a byte-order mark, and old cp1252 files whose curly quotes must survive.  Decoding is
strict (a wrong guess must never turn quotes into mojibake silently) and, apart from line
endings, never changes a character: quote and dash normalisation is only for matching.

charset-normalizer is imported only when strict UTF-8 fails, so the common case stays cheap.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from storydiff.errors import InputError

from ..recache import recompile

SNIFF_BYTES = 4096

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 controls that never occur in text (tab, LF, VT, FF, CR and ESC are tolerated).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_CONTROL_CHARS = recompile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
# What a page declares as Latin-1 or ASCII is cp1252 in practice (browsers read it so too).
_AS_CP1252 = frozenset({"iso8859-1", "ascii"})
# cp1252 symbols that are not letters: one wedged between two letters ("Za¿ó³æ") means the
# bytes were really some other code page.  Apostrophes are legitimate there ("Syria’s").
_ODD_IN_WORD = recompile(r"(?<=[^\W\d_])[¡¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿ƒ„…†‡ˆ‰‹›•˜™×÷](?=[^\W\d_])")
_LETTER = recompile(r"[^\W\d_]")
_NON_ASCII_LETTER = recompile(r"[^\W\d_a-zA-Z]")
_SURROGATE = recompile(r"[\ud800-\udfff]")


_GUESS = "read as {}, not UTF-8 (a guess from the bytes: if it reads wrong, save it as UTF-8)"


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str  # LF line endings, no BOM
    encoding: str
    note: str = ""  # for the user when the encoding is a guess or bytes were replaced


def utf16_without_bom(head: bytes) -> str | None:
    """Recognise BOM-less UTF-16 by its NUL pattern: mostly-ASCII text has a NUL in every
    other byte, always on the same side."""
    sample = head[: len(head) - len(head) % 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if odd >= 0.3 * pairs and even <= 0.05 * odd:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.05 * even:
        return "utf-16-be"
    return None


def _mostly_control(data: bytes) -> bool:
    if not data:
        return False
    bad = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return bad > 0.1 * len(data) or b"\x00" in data


def sniff_is_text(head: bytes) -> bool:
    """Whether the first bytes of a file look like text of any encoding we can read.

    Used to decide whether a file without a known suffix belongs in a story folder; it never
    imports anything heavy.
    """
    if not head.strip():
        return False
    if any(head.startswith(bom) for bom, _ in _BOMS) or utf16_without_bom(head):
        return True
    return not _mostly_control(head)


def _binary(source: str) -> InputError:
    return InputError(
        f"{source}: looks like a binary file, not text; give the story as a text, Markdown or "
        "HTML file"
    )


# Python codecs a page may name that are not character sets: they turn backslash sequences
# into other characters, or lone surrogates into text, or fail on every byte.
_NOT_CHARSETS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "undefined", "idna", "punycode", "mbcs", "oem"}
)


def _strict(data: bytes, encoding: str) -> str | None:
    """The bytes in ``encoding`` if every byte decodes to real text, else None."""
    try:
        if codecs.lookup(encoding).name in _NOT_CHARSETS:
            return None
        text = data.decode(encoding)
    except (UnicodeError, LookupError):  # UnicodeError: the "undefined" codec's own error
        return None
    return None if _SURROGATE.search(text) else text


def _plausible_western(text: str) -> bool:
    """Whether a cp1252 reading looks like real Western-European text, not mojibake of
    another code page (Cyrillic read as cp1252 is nearly all accented capitals)."""
    text = text[:262144]  # a quarter of a megabyte tells as well as the whole file
    letters = len(_LETTER.findall(text))
    non_ascii = len(_NON_ASCII_LETTER.findall(text))
    if letters and non_ascii > 0.5 * letters:
        return False
    return len(_ODD_IN_WORD.findall(text)) <= max(1, letters // 2000)


def _declared_codec(name: str, data: bytes) -> str:
    """The codec a page or server names, as browsers read it ("" when unknown or UTF-*:
    those were tried already)."""
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        return ""
    if codec in _AS_CP1252 and _strict(data, "cp1252") is not None:
        codec = "cp1252"
    return "" if codec in ("utf-8", "utf-16", "utf-32") else codec


def _guess_legacy(data: bytes, source: str, hint: str | None = None) -> Decoded:
    """Decode bytes that are not UTF-8: the charset the page declares first, then the one
    a web server sent (``hint``; often a server default rather than the page's truth, so
    the page's own word wins), then cp1252 when it reads as Western text (charset-normalizer
    often mistakes short cp1252 text for cp1250/cp1257), then charset-normalizer."""
    declared = _DECLARED.search(data[:SNIFF_BYTES])
    names: list[str] = []
    if declared:
        names.append((declared.group(1) or declared.group(2)).decode("ascii", "replace"))
    if hint:
        names.append(hint)
    for name in names:
        codec = _declared_codec(name, data)
        if codec:
            text = _strict(data, codec)
            if text is not None:
                return Decoded(text, codec)
    western = _strict(data, "cp1252")
    if western is not None and _plausible_western(western):
        return Decoded(western, "cp1252", _GUESS.format("cp1252"))

    import charset_normalizer  # lazy: only legacy files pay for it

    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        codec = codecs.lookup(best.encoding).name
        text = _strict(data, codec)
        if text is not None:
            return Decoded(text, codec, _GUESS.format(codec))
    if western is not None:
        return Decoded(western, "cp1252", _GUESS.format("cp1252"))
    raise InputError(
        f"{source}: cannot tell which text encoding it uses; save it as UTF-8 and try again"
    )


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR (old Mac files, some scrapers) to LF: every splitter counts on LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_bytes(data: bytes, source: str, *, hint: str | None = None) -> Decoded:
    """Decode a whole file; raise :class:`InputError` for binary or undecodable data.

    ``hint`` is the charset a web server named for the bytes.  It is weighed after valid
    UTF-8 and after the page's own ``<meta charset>``: servers send a default
    (``iso-8859-1``) for pages that are really UTF-8, and bytes that are valid UTF-8 with
    any non-ASCII in them are UTF-8 in practice, whatever the header said."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom) :], encoding)
            if text is None:
                label = encoding.removesuffix("-sig").upper()
                raise InputError(
                    f"{source}: starts like {label} but is not valid {label}; re-save it as UTF-8"
                )
            return _finish(text, encoding, source)
    utf16 = utf16_without_bom(data[:SNIFF_BYTES])
    if utf16 is not None:
        text = _strict(data, utf16)
        if text is None:
            raise _binary(source)
        return _finish(text, utf16, source)
    if _mostly_control(data[: SNIFF_BYTES * 4]):
        raise _binary(source)
    text = _strict(data, "utf-8")
    if text is not None:
        return _finish(text, "utf-8", source)
    damaged = _damaged_utf8(data)
    if damaged is not None:
        return _finish(damaged.text, damaged.encoding, source, note=damaged.note)
    legacy = _guess_legacy(data, source, hint)
    return _finish(legacy.text, legacy.encoding, source, note=legacy.note)


def _damaged_utf8(data: bytes) -> Decoded | None:
    """UTF-8 with a few bad bytes (a file cut mid-character, one corrupted byte) is still
    UTF-8: reading it as cp1252 would turn every accent and curly quote into mojibake."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad
    if good >= 2 and bad * 4 <= good:
        plural = "s" if bad > 1 else ""
        return Decoded(text, "utf-8", f"{bad} byte{plural} not valid UTF-8, shown as \ufffd")
    return None


def _finish(text: str, encoding: str, source: str, *, note: str = "") -> Decoded:
    sample = text[: SNIFF_BYTES * 4]
    if sample and len(_CONTROL_CHARS.findall(sample)) > 0.1 * len(sample):
        raise _binary(source)
    if "\x00" in text:
        raise _binary(source)
    return Decoded(normalise_newlines(text), encoding, note)
