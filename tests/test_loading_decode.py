"""Decoding: every encoding a copy of a story turns up in, and the files that are not text."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from storydiff.errors import InputError
from storydiff.loading import load_document
from storydiff.loading.decode import decode_bytes, sniff_is_text, utf16_without_bom
from storydiff.model import Format

TEXT = "\u201cThe flow of cars is not stopping,\u201d said Younis. Caf\u00e9 cr\u00e8me.\n"
SECOND = "Rescuers said 60,000 people had fled \u2013 in four days.\n"


def _load(tmp_path: Path, data: bytes, name: str = "copy.txt") -> tuple[str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    doc = load_document(path, name)
    return "\n".join(b.text for b in doc.blocks), doc.encoding


def test_utf8_plain(tmp_path: Path) -> None:
    text, encoding = _load(tmp_path, (TEXT + SECOND).encode("utf-8"))
    assert text == (TEXT + SECOND).strip()
    assert encoding == "utf-8"


def test_utf8_with_bom(tmp_path: Path) -> None:
    text, encoding = _load(tmp_path, codecs.BOM_UTF8 + (TEXT + SECOND).encode("utf-8"))
    assert text.startswith("\u201cThe flow")  # no stray U+FEFF
    assert encoding == "utf-8-sig"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_utf16_with_bom(tmp_path: Path, bom: bytes, codec: str) -> None:
    text, encoding = _load(tmp_path, bom + (TEXT + SECOND).encode(codec))
    assert text == (TEXT + SECOND).strip()
    assert encoding == codec


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_by_nul_pattern(tmp_path: Path, codec: str) -> None:
    text, encoding = _load(tmp_path, (TEXT + SECOND).encode(codec))
    assert text == (TEXT + SECOND).strip()
    assert encoding == codec


def test_utf16_detector_ignores_utf8() -> None:
    assert utf16_without_bom(TEXT.encode("utf-8")) is None


def test_cp1252_curly_quotes_and_accents(tmp_path: Path) -> None:
    data = b"\x93The flow of cars is not stopping,\x94 said Younis. Caf\xe9 cr\xe8me.\n" + (
        b"Rescuers said 60,000 people had fled \x96 in four days.\n"
    )
    text, encoding = _load(tmp_path, data)
    assert text == (TEXT + SECOND).strip()
    assert encoding == "cp1252"
    doc = load_document(tmp_path / "copy.txt", "copy.txt")
    assert any("cp1252" in w for w in doc.warnings)


def test_short_latin1_word_is_cp1252(tmp_path: Path) -> None:
    text, _ = _load(tmp_path, b"Caf\xe9 na\xefve\nd\xe9j\xe0 vu\n")
    assert text == "Café naïve\ndéjà vu"


def test_cyrillic_legacy_text_goes_to_charset_normalizer(tmp_path: Path) -> None:
    original = "Десятки тысяч человек бежали к границе с Турцией за последние дни.\n" * 4
    text, encoding = _load(tmp_path, original.encode("cp1251"))
    assert text.split("\n")[0] == original.split("\n")[0]
    assert encoding == "cp1251"


def test_declared_html_charset_is_used(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1252"><title>T</title></head><body>'
        "<p>\u201cCaf\u00e9\u201d is open again, the owners said on Monday morning.</p>"
        "</body></html>"
    )
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("cp1252"))
    doc = load_document(path, "page.html")
    assert doc.encoding == "cp1252"
    assert doc.blocks[0].text.startswith("\u201cCaf\u00e9\u201d")


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_crlf_and_lone_cr_become_lf(tmp_path: Path, newline: bytes) -> None:
    data = newline.join([b"First paragraph.", b"", b"Second paragraph.", b""])
    path = tmp_path / "copy.txt"
    path.write_bytes(data)
    doc = load_document(path, "copy.txt")
    assert [b.text for b in doc.blocks] == ["First paragraph.", "Second paragraph."]
    assert "\r" not in doc.raw_text


def test_text_is_never_normalised(tmp_path: Path) -> None:
    original = 'Straight "quotes" and \u201ccurly\u201d \u2014 dashes -- kept\u00a0as is.\n'
    text, _ = _load(tmp_path, original.encode("utf-8"))
    assert text == original.strip()


def test_png_renamed_txt_is_binary(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4
    with pytest.raises(InputError, match=r"photo\.txt: looks like a binary file, not text"):
        _load(tmp_path, png, "photo.txt")


def test_control_bytes_without_nul_are_binary(tmp_path: Path) -> None:
    data = bytes([1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x11]) * 50 + b"abc"
    with pytest.raises(InputError, match="binary"):
        _load(tmp_path, data)


@pytest.mark.parametrize("data", [b"", b"   \n\n\t  \r\n", codecs.BOM_UTF8, b"\xff\xfe \x00\n\x00"])
def test_empty_or_whitespace_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InputError, match=r"copy\.txt: the file is empty"):
        _load(tmp_path, data)


def test_broken_utf16_after_bom_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="UTF-16"):
        _load(tmp_path, codecs.BOM_UTF16_LE + b"a\x00b")


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as fh:
        fh.truncate(int(35.2 * 1024 * 1024))  # sparse: no real 35 MB written
    with pytest.raises(InputError) as info:
        load_document(path, "big.txt")
    assert info.value.message == (
        "big.txt: 35.2 MB is over the 20 MB limit per file (raise it with --max-size)"
    )


def test_max_bytes_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "copy.txt"
    path.write_text("One paragraph.\nAnother paragraph.\n" * 10, encoding="utf-8")
    with pytest.raises(InputError, match="limit per file"):
        load_document(path, "copy.txt", max_bytes=100)
    assert load_document(path, "copy.txt", max_bytes=10_000).format is Format.TEXT


def test_sniff_is_text() -> None:
    assert sniff_is_text(b"Hello, plain text\n")
    assert sniff_is_text(b"Caf\xe9 in cp1252\n")
    assert sniff_is_text("UTF-16 text".encode("utf-16"))
    assert not sniff_is_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert not sniff_is_text(b"")


def test_decode_bytes_records_guess() -> None:
    decoded = decode_bytes(b"Caf\xe9\r\n", "x.txt")
    assert (decoded.text, decoded.encoding) == ("Café\n", "cp1252")
    assert "a guess" in decoded.note
    assert decode_bytes(b"plain", "x.txt").note == ""


def test_utf8_cut_mid_character_stays_utf8(tmp_path: Path) -> None:
    data = (TEXT + SECOND + "Caf\u00e9").encode("utf-8")[:-1]  # last byte of é cut off
    path = tmp_path / "cut.txt"
    path.write_bytes(data)
    doc = load_document(path, "cut.txt")
    assert doc.encoding == "utf-8"
    assert doc.blocks[0].text.startswith("\u201cThe flow")
    assert doc.blocks[-1].text == "Caf\ufffd"
    assert doc.warnings == ("1 byte not valid UTF-8, shown as \ufffd",)


def test_load_document_refuses_fifo_and_folder_without_opening(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"pipe\.txt: is a named pipe \(FIFO\)"):
        load_document(fifo, "pipe.txt")  # would block forever if it were opened
    with pytest.raises(InputError, match="is a folder"):
        load_document(tmp_path, "folder")
    with pytest.raises(InputError, match="no such file"):
        load_document(tmp_path / "gone.txt", "gone.txt")
