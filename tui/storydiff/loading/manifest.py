"""``storydiff.toml``: what the user knows about the copies, kept next to them.

Outlet detection is a guess; the manifest is the user's word and wins over it.  It is checked
strictly (unknown keys and wrong types are errors naming the key) because a typo such as
``oulet`` would otherwise be ignored silently and the guess would win without the user knowing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from storydiff.errors import ManifestError, StorydiffError
from storydiff.web import is_url, normalize_url

from .reader import cannot_read, human_size, not_a_file

MANIFEST_NAME = "storydiff.toml"
MAX_MANIFEST_BYTES = 1024 * 1024  # a title, a base and a few lines per copy
MAX_BADGE = 6
_TOP_KEYS = ("title", "base", "copies")
_COPY_KEYS = ("outlet", "badge", "url", "date", "tags", "fetched")


@dataclass(frozen=True, slots=True)
class CopyInfo:
    """What the manifest says about one copy; ``None`` where it says nothing."""

    outlet: str | None = None
    badge: str | None = None
    url: str | None = None
    date: str | None = None
    fetched: str | None = None  # when ``storydiff fetch`` fetched the page (ISO 8601, UTC)
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manifest:
    title: str | None = None
    base: str | None = None  # file name of the copy to compare the others against
    # file name or web address -> info
    copies: dict[str, CopyInfo] = field(default_factory=dict)
    source: str = field(default="", compare=False)  # the file it was read from, for messages

    def for_file(self, name: str) -> CopyInfo | None:
        """The entry for a copy, by its file name (a path is reduced to its name) or, for a
        page, by its web address in any spelling (``HTTP://Example.com`` is
        ``http://example.com/``)."""
        if is_url(name):
            wanted = _normal(name)
            hits = [
                info for key, info in self.copies.items() if is_url(key) and _normal(key) == wanted
            ]
            return hits[0] if hits else None
        info = self.copies.get(name)
        if info is None and ("/" in name or "\\" in name):
            info = self.copies.get(Path(name).name)
        return info

    @property
    def urls(self) -> tuple[str, ...]:
        """The copies the manifest lists by web address: pages to fetch."""
        return tuple(key for key in self.copies if is_url(key))


def _normal(url: str) -> str:
    try:
        return normalize_url(url)
    except StorydiffError:
        return url.strip()


def _quoted(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)


def _string(where: str, key: str, value: object, *, allow_date: bool = False) -> str:
    if allow_date and isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if not isinstance(value, str):
        kind = "a string (a date like 2019-08-21)" if allow_date else "a string"
        raise ManifestError(f"{where}{key} must be {kind}")
    if not value.strip():
        raise ManifestError(f"{where}{key} must not be empty")
    return value.strip()


def _unknown(
    where: str,
    table: Mapping[str, object],
    allowed: tuple[str, ...],
    owner: str,
) -> None:
    for key in table:
        if key not in allowed:
            place = f" in {owner}" if owner else ""
            raise ManifestError(
                f"{where}unknown key {_quoted(key)}{place} (expected {', '.join(allowed)})"
            )


def _copy(where: str, name: str, raw: object) -> CopyInfo:
    owner = f"copies.{_quoted(name)}"
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}{owner} must be a table ([{owner}] with outlet = ...)")
    _unknown(where, raw, _COPY_KEYS, owner)
    values: dict[str, str | None] = {}
    for key in ("outlet", "badge", "url", "date", "fetched"):
        value = raw.get(key)
        values[key] = (
            None
            if value is None
            else _string(where, f"{owner}.{key}", value, allow_date=key in ("date", "fetched"))
        )
    badge = values["badge"]
    if badge is not None and len(badge) > MAX_BADGE:
        raise ManifestError(
            f"{where}{owner}.badge {_quoted(badge)} is longer than {MAX_BADGE} characters"
        )
    tags_raw = raw.get("tags", [])
    if not isinstance(tags_raw, list) or not all(isinstance(t, str) for t in tags_raw):
        raise ManifestError(f"{where}{owner}.tags must be a list of strings")
    return CopyInfo(
        outlet=values["outlet"],
        badge=badge,
        url=values["url"],
        date=values["date"],
        fetched=values["fetched"],
        tags=tuple(t.strip() for t in tags_raw if t.strip()),
    )


def load_manifest(path: Path) -> Manifest:
    """Read and check a manifest; every problem is a one-line :class:`ManifestError`."""
    where = f"{path}: "
    # A storydiff.toml in a story folder is read without being asked for: stat it first, as a
    # FIFO of that name would block ``open`` forever.
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ManifestError(cannot_read(str(path), exc)) from None
    if not stat.S_ISREG(info.st_mode):
        advice = "make it a TOML file or remove it"
        raise ManifestError(not_a_file(str(path), info.st_mode, "a manifest file", advice))
    if info.st_size > MAX_MANIFEST_BYTES:
        raise ManifestError(
            f"{where}{human_size(info.st_size)} is too big for a manifest (a few lines per copy); "
            "remove it or fix it"
        )
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{where}not valid TOML: {exc}; fix the TOML there") from None
    except UnicodeDecodeError:
        raise ManifestError(f"{where}not valid TOML: save it as UTF-8") from None
    except RecursionError:  # tomllib recurses once per level of [ or {
        raise ManifestError(
            f"{where}not valid TOML: nested too deeply; fix the TOML there"
        ) from None
    except OSError as exc:
        raise ManifestError(cannot_read(str(path), exc)) from None
    _unknown(where, data, _TOP_KEYS, "")
    title = None if data.get("title") is None else _string(where, "title", data["title"])
    base = None if data.get("base") is None else _string(where, "base", data["base"])
    copies_raw = data.get("copies", {})
    if not isinstance(copies_raw, dict):
        raise ManifestError(f'{where}copies must be a table ([copies."name.txt"] sections)')
    copies = {name: _copy(where, name, raw) for name, raw in copies_raw.items()}
    return Manifest(title=title, base=base, copies=copies, source=str(path))
