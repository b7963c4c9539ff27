"""storydiff.toml: a valid manifest, and one error message per way of getting it wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from storydiff.errors import ManifestError
from storydiff.loading import CopyInfo, Manifest, load_manifest

VALID = """
title = "Tens of thousands flee"
base = "003_42d899cb014f27ae.txt"

[copies."000_213675de9e36e604.txt"]
outlet = "The Moscow Times"
badge = "MTprnt"
url = "https://www.themoscowtimes.com/2019/08/21/x"
date = "2019-08-21"
tags = ["print", "hard-wrapped"]

[copies."004_7908be4e56a87519.txt"]
outlet = "IPA News"
date = 2019-08-23
"""


def _manifest(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "storydiff.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_manifest(tmp_path: Path) -> None:
    manifest = load_manifest(_manifest(tmp_path, VALID))
    assert manifest.title == "Tens of thousands flee"
    assert manifest.base == "003_42d899cb014f27ae.txt"
    assert manifest.for_file("000_213675de9e36e604.txt") == CopyInfo(
        outlet="The Moscow Times",
        badge="MTprnt",
        url="https://www.themoscowtimes.com/2019/08/21/x",
        date="2019-08-21",
        tags=("print", "hard-wrapped"),
    )
    ipa = manifest.for_file("seeds/004_7908be4e56a87519.txt")
    assert ipa == CopyInfo(outlet="IPA News", date="2019-08-23")  # TOML date -> ISO string
    assert manifest.for_file("missing.txt") is None


def test_empty_manifest_is_valid(tmp_path: Path) -> None:
    assert load_manifest(_manifest(tmp_path, "")) == Manifest()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[copies."x.txt"]\ntags = "print"\n',
            'copies."x.txt".tags must be a list of strings',
        ),
        (
            '[copies."x.txt"]\ntags = ["a", 1]\n',
            'copies."x.txt".tags must be a list of strings',
        ),
        (
            '[copies."x.txt"]\ncolour = "red"\n',
            'unknown key "colour" in copies."x.txt" '
            "(expected outlet, badge, url, date, tags, fetched)",
        ),
        ('colour = "red"\n', 'unknown key "colour" (expected title, base, copies)'),
        ('[copies."x.txt"]\nbadge = "TOOLONG"\n', 'copies."x.txt".badge "TOOLONG" is longer'),
        ('[copies."x.txt"]\noutlet = 3\n', 'copies."x.txt".outlet must be a string'),
        ('[copies."x.txt"]\noutlet = "  "\n', 'copies."x.txt".outlet must not be empty'),
        ('[copies."x.txt"]\ndate = true\n', 'copies."x.txt".date must be a string'),
        ("title = 1\n", "title must be a string"),
        ('copies = "all"\n', "copies must be a table"),
        ('[copies]\n"x.txt" = "Reuters"\n', 'copies."x.txt" must be a table'),
    ],
)
def test_each_error_names_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = _manifest(tmp_path, text)
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    assert info.value.message.startswith(f"{path}: ")
    assert message in info.value.message
    assert "\n" not in info.value.message


def test_invalid_toml_reports_the_line(tmp_path: Path) -> None:
    path = _manifest(tmp_path, 'title = "ok"\n\n[copies."x.txt"\noutlet = "A"\n')
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    assert info.value.message.startswith(f"{path}: not valid TOML")
    assert "line 3" in info.value.message
    assert "\n" not in info.value.message


def test_non_utf8_manifest(tmp_path: Path) -> None:
    path = tmp_path / "storydiff.toml"
    path.write_bytes(b'title = "Caf\xe9"\n')
    with pytest.raises(ManifestError, match="not valid TOML"):
        load_manifest(path)
