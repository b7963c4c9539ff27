"""Review state: marks, flags and notes on rows, attached by content and saved safely.

Engine code (no Textual): the app, ``storydiff review`` and the reports all use it."""

from .codec import FORMAT, SCHEMA, ReviewFileError, encode, parse, review_to_dict
from .model import Entry, Mark, Review, fingerprint, row_fingerprints, row_text

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
