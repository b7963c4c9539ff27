"""The cross-process regex cache must behave exactly like re.compile, and never fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from storydiff.recache import PatternCache

PATTERNS = [
    (r"^(?=.{0,60}$)story continues below (?:the )?advertisement$", re.IGNORECASE),
    (r"(?P<city>[A-Z][A-Z ]+) \((?P<agency>Reuters|AP|AFP)\) [-\u2013\u2014]", 0),
    (r"\b(?:you|your)\b", re.IGNORECASE | re.MULTILINE),
    (r"(?>\d{1,4}(?:[:.]\d{1,4}){0,2})(?:am|pm)?", 0),
]
TEXTS = [
    "Story continues below advertisement",
    "AMMAN (Reuters) \u2013 Ten of thousands fled",
    "Sign up: your morning briefing",
    "Updated 10:45am",
    "nothing here",
]


def _behaviour(p: re.Pattern[str]) -> list[object]:
    out: list[object] = [p.pattern, p.flags, p.groups, dict(p.groupindex)]
    for t in TEXTS:
        m = p.search(t)
        out.append(None if m is None else (m.span(), m.groups(), m.groupdict()))
    return out


def test_cached_programs_behave_like_re_compile(tmp_path: Path) -> None:
    first = PatternCache("test", tmp_path)
    fresh = [first.compile(p, f) for p, f in PATTERNS]
    first.save()
    assert list(tmp_path.glob("regex-*.marshal"))
    second = PatternCache("test", tmp_path)
    assert not second.dirty and len(second.entries) == len(PATTERNS)
    cached = [second.compile(p, f) for p, f in PATTERNS]
    assert not second.dirty  # every pattern came from the file
    for (p, f), a, b in zip(PATTERNS, fresh, cached, strict=True):
        assert _behaviour(a) == _behaviour(b) == _behaviour(re.compile(p, f))


def test_damaged_or_foreign_cache_file_falls_back(tmp_path: Path) -> None:
    cache = PatternCache("test", tmp_path)
    cache.compile(*PATTERNS[0])
    cache.save()
    (path,) = tmp_path.glob("regex-*.marshal")
    for junk in (b"", b"\x00garbage\xff" * 10, b"not marshal at all"):
        path.write_bytes(junk)
        again = PatternCache("test", tmp_path)
        assert _behaviour(again.compile(*PATTERNS[0])) == _behaviour(re.compile(*PATTERNS[0]))


def test_tampered_entry_is_rejected(tmp_path: Path) -> None:
    cache = PatternCache("test", tmp_path)
    pattern, flags = PATTERNS[1]
    cache.compile(pattern, flags)
    key = next(iter(cache.entries))
    cache.entries[key] = ("not", "a", "program", 1, 2)
    assert _behaviour(cache.compile(pattern, flags)) == _behaviour(re.compile(pattern, flags))


def test_unwritable_cache_directory_is_harmless(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = PatternCache("test", blocker / "sub")  # a directory that cannot exist
    cache.compile(*PATTERNS[2])
    cache.save()  # no exception


def test_disabled_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYDIFF_NO_CACHE", "1")
    cache = PatternCache("test", tmp_path)
    cache.compile(*PATTERNS[0])
    cache.save()
    assert not list(tmp_path.iterdir())


def test_bad_pattern_still_raises(tmp_path: Path) -> None:
    with pytest.raises(re.error):
        PatternCache("test", tmp_path).compile("(unclosed")


def test_memo_keeps_plain_data(tmp_path: Path) -> None:
    calls: list[int] = []

    def build() -> dict[str, list[int]]:
        calls.append(1)
        return {"a": [1, 2]}

    first = PatternCache("memo", tmp_path)
    assert first.memo("x", build) == {"a": [1, 2]}
    first.save()
    assert PatternCache("memo", tmp_path).memo("x", build) == {"a": [1, 2]}
    assert len(calls) == 1
