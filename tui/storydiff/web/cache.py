"""Every fetched page, kept in the user cache directory.

A second run on the same addresses, or a run on a train with no network, must work and give
the same comparison: so each page that was fetched successfully is stored, keyed by its
address, with the time it was fetched.  ``--refresh`` asks the server again.

One page is two files named by the SHA-256 of the normalised address: ``<key>.body`` (the
bytes as served, after content decoding) and ``<key>.json`` (the address asked for, the final
address after redirects, the content type, validators for a conditional refetch, the fetch
time).  Each is written to a temporary file and renamed over the old one, body first: the
JSON is the entry's commit mark and records the body's size and digest, so an interrupted
write or a damaged file is a cache miss, never a wrong page.  Only pages that were fetched
and accepted are stored; errors never are.

The directory is ``$STORYDIFF_CACHE_DIR`` when set, else ``pages/`` in the platform's user
cache directory (``~/.cache/storydiff/pages`` on Linux).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import normalize_url

CACHE_ENV = "STORYDIFF_CACHE_DIR"
_FORMAT = 1  # bumped if the sidecar's meaning changes; other formats are misses


@dataclass(frozen=True, slots=True)
class Page:
    """A page as fetched: what the reader needs to turn it into a copy of the story."""

    url: str  # the normalised address asked for (the cache key)
    final_url: str  # where the redirects ended
    content_type: str  # the Content-Type header as sent ("" when none)
    fetched: str  # ISO 8601, UTC, to the second ("2024-05-01T09:30:00Z")
    body: bytes
    etag: str = ""  # validators for a conditional refetch (If-None-Match / -Modified-Since)
    last_modified: str = ""


def now_utc() -> str:
    """The current time as the cache and the manifests write it."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def cache_dir() -> Path:
    """Where the pages are kept (see the module docstring)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    from platformdirs import user_cache_path  # lazy: only a run with addresses needs it

    return user_cache_path("storydiff", appauthor=False) / "pages"


def _key(url: str) -> str:
    return hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class PageCache:
    """The pages kept in one directory.  Reading never raises: a cache that cannot be read
    is a cache that does not have the page."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else cache_dir()

    def paths(self, url: str) -> tuple[Path, Path]:
        """The body file and the sidecar of ``url``'s entry."""
        key = _key(url)
        return self.root / f"{key}.body", self.root / f"{key}.json"

    def get(self, url: str) -> Page | None:
        body_path, meta_path = self.paths(url)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        try:
            if (
                meta.get("format") != _FORMAT
                or meta.get("size") != len(body)
                or meta.get("sha256") != hashlib.sha256(body).hexdigest()
                or meta.get("url") != normalize_url(url)
            ):
                return None
            return Page(
                url=str(meta["url"]),
                final_url=str(meta["final_url"]),
                content_type=str(meta.get("content_type", "")),
                fetched=str(meta["fetched"]),
                body=body,
                etag=str(meta.get("etag", "")),
                last_modified=str(meta.get("last_modified", "")),
            )
        except (AttributeError, KeyError, TypeError):
            return None

    def put(self, page: Page) -> Path | None:
        """Store ``page``; return its body file, or None when the cache is not writable (a
        full disk or a read-only home must not stop the comparison: the page is in memory)."""
        body_path, meta_path = self.paths(page.url)
        meta = {k: v for k, v in asdict(page).items() if k != "body"}
        meta.update(
            format=_FORMAT, size=len(page.body), sha256=hashlib.sha256(page.body).hexdigest()
        )
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _write_atomic(body_path, page.body)
            _write_atomic(meta_path, json.dumps(meta, indent=1).encode("utf-8"))
        except OSError:
            return None
        return body_path
