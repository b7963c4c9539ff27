"""Review state: marks, flags and notes on rows, attached by content and saved safely.

Engine code (no Textual): the app, ``storydiff review`` and the reports all use it.  The
names below load their modules on first use, so the reader can import
:mod:`storydiff.review.background` on its way to the first frame without paying for the rest.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .codec import FORMAT, SCHEMA, ReviewFileError, encode, parse, review_to_dict
    from .model import Entry, Mark, Review, fingerprint, row_fingerprints, row_text

_WHERE = {
    "FORMAT": "codec",
    "SCHEMA": "codec",
    "ReviewFileError": "codec",
    "encode": "codec",
    "parse": "codec",
    "review_to_dict": "codec",
    "Entry": "model",
    "Mark": "model",
    "Review": "model",
    "fingerprint": "model",
    "row_fingerprints": "model",
    "row_text": "model",
}

__all__ = [
    "FORMAT",
    "SCHEMA",
    "Entry",
    "Mark",
    "Review",
    "ReviewFileError",
    "encode",
    "fingerprint",
    "parse",
    "review_to_dict",
    "row_fingerprints",
    "row_text",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
