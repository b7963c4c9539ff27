"""Copies from the web: web addresses as inputs next to files.

A copy given as an ``http(s)`` address is fetched (:mod:`.fetch`), kept in the user cache
(:mod:`.cache`) and then read exactly like a saved page (:mod:`.pages`);
``storydiff fetch`` saves such pages as a story folder (:mod:`.save`).

This module holds only what every part needs to recognise and name an address: it imports
nothing heavy, so the loader can ask "is this a URL?" of every path for free.  httpx is
imported only when a page is really fetched.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from storydiff.errors import InputError

_SCHEME = re.compile(r"^https?://", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
SLUG_MAX = 80  # characters of a file name made from an address, before its suffix


def is_url(text: str) -> bool:
    """Whether a command-line argument or manifest key is a web address (``http://`` or
    ``https://``; anything else is a path, even one holding a colon)."""
    return bool(_SCHEME.match(text.strip()))


def normalize_url(url: str) -> str:
    """The address in one spelling: scheme and host in lower case, no default port, no
    ``#fragment`` (never sent to the server), ``/`` for an empty path.

    The cache is keyed by it and duplicates are found with it, so ``HTTP://Example.com``
    and ``http://example.com/#top`` are one page.  An address storydiff cannot use is a
    one-line :class:`InputError`."""
    raw = url.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise InputError(f"{raw}: not a web address storydiff can use ({exc}); check it") from None
    host = (parts.hostname or "").lower()
    if not host:
        raise InputError(f"{raw}: a web address with no host name; check it")
    scheme = parts.scheme.lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    if parts.username or parts.password:
        # credentials in an address would be stored in the cache and manifests: refuse them
        raise InputError(f"{raw}: a web address with a user name or password; leave them out")
    # spaces and non-ASCII characters escaped; escapes already there kept as they are
    path = quote(parts.path, safe="/%:@!$&'()*+,;=~-._") or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def url_slug(url: str) -> str:
    """A file-name stem made from an address's host and path, safe on every file system:
    ``https://www.example.com/world/2019/story.html`` -> ``www.example.com-world-2019-story``.

    The version ids of pages given as addresses and the files ``storydiff fetch`` writes
    share it, so a fetched folder read offline names its versions as the addresses did.
    A query string or a long path adds a short hash, so different pages never share a
    stem."""
    parts = urlsplit(normalize_url(url))
    host = (parts.hostname or "page").replace(":", "-")
    if parts.port is not None:
        host += f"-{parts.port}"
    path = PurePosixPath(unquote(parts.path))
    stem_parts = [*path.parent.parts[1:], path.stem] if path.name else list(path.parts[1:])
    words = [host, *stem_parts]
    slug = _SLUG_UNSAFE.sub("-", "-".join(w for w in words if w))
    slug = re.sub(r"-{2,}", "-", slug).strip("-.") or "page"
    if parts.query or len(slug) > SLUG_MAX:
        tail = hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:8]
        slug = f"{slug[: SLUG_MAX - 9].rstrip('-.')}-{tail}"
    return slug


def display_name(source: str) -> str:
    """How to name a copy in a narrow column: a file by its name, a page by its host and
    path (without the scheme, which says nothing in a table of web pages)."""
    if is_url(source):
        parts = urlsplit(source.strip())
        shown = parts.netloc + parts.path
        if parts.query:
            shown += "?" + parts.query
        return shown.rstrip("/") or source
    return Path(source).name or source
