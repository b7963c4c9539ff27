"""A fetched page becomes a copy of the story exactly as a saved file would.

The bytes go through the same reader as a file's (decode, detect the format, split; for HTML
trafilatura's article and metadata), so a story given as addresses aligns like the same
pages saved and given as files.  Only two things differ: the server's charset is a hint to
the decoder, and the document remembers where and when it was fetched.
"""

from __future__ import annotations

from storydiff.errors import InputError
from storydiff.model import Document

from ..loading.reader import document_from_bytes, over_limit
from .cache import PageCache
from .fetch import Fetched, page_charset, page_kind


def page_document(fetched: Fetched, cache: PageCache, max_bytes: int) -> Document:
    """The copy a fetched page holds; its error, if the fetch failed, as a one-line
    :class:`InputError`."""
    if fetched.error is not None:
        raise fetched.error
    page = fetched.page
    if page is None:  # pragma: no cover - a Fetched has a page or an error
        raise InputError(f"{fetched.source}: nothing was fetched; check the address")
    if len(page.body) > max_bytes:  # cached by a run with a larger --max-size
        size, limit = over_limit(len(page.body), max_bytes)
        raise InputError(
            f"{fetched.source}: {size} is over the {limit} limit per file "
            "(raise it with --max-size)"
        )
    body_path, _ = cache.paths(page.url)
    return document_from_bytes(
        page.body,
        fetched.source,
        body_path,
        suffix=page_kind(page),
        charset=page_charset(page),
        fetched=page.fetched,
        fetched_from=page.final_url,
    )
