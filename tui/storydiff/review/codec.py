"""The review file's format, and the review as scripts and reports see it.

The file (``.storydiff/review.json``) is JSON with ``"format": "storydiff-review"`` and an
integer ``schema``, bumped only when a field changes meaning or disappears (the alignment
JSON's rule).  Anything else found under that name -- broken JSON, another program's file, a
newer schema -- is not ours to overwrite: :func:`parse` raises and the caller keeps it aside.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from .. import __version__
from ..errors import StorydiffError
from ..model import Alignment
from .model import Entry, Mark, Review, row_text

FORMAT = "storydiff-review"
SCHEMA = 1

T = TypeVar("T")


class ReviewFileError(StorydiffError):
    """A review file that cannot be read as ours (broken, foreign or from a newer version)."""


def encode(al: Alignment, review: Review, folder: str | None) -> bytes:
    """The file's bytes: the story it belongs to, then every entry (orphans included)."""
    doc: dict[str, Any] = {
        "format": FORMAT,
        "schema": SCHEMA,
        "tool": {"name": "storydiff", "version": __version__},
        "story": {
            "title": al.title,
            "folder": folder,
            "copies": [v.source for v in al.versions],
        },
        "entries": [_entry(e) for e in review.entries(al)],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _entry(e: Entry) -> dict[str, Any]:
    return {
        "row": e.row,
        "text": e.text,
        "fingerprints": list(e.fingerprints),
        "reviewed": e.mark.reviewed,
        "flagged": e.mark.flagged,
        "note": e.mark.note,
        "updated": e.mark.updated,
    }


def parse(data: bytes) -> list[Entry]:
    """The entries of a review file; :class:`ReviewFileError` saying why it is not one."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ReviewFileError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ReviewFileError(f"broken JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:  # json raises it, not JSONDecodeError, for "[[[[..." nesting
        raise ReviewFileError("broken JSON (nested too deeply)") from None
    except ValueError:  # a number of more digits than int() accepts (sys.int_info)
        raise ReviewFileError("broken JSON (a number too long to read)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ReviewFileError("not a storydiff review file")
    schema = doc.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise ReviewFileError("no schema number")
    if schema > SCHEMA:
        raise ReviewFileError(f"written by a newer storydiff (schema {schema})")
    raw = doc.get("entries")
    if not isinstance(raw, list):
        raise ReviewFileError('"entries" is not a list')
    return [_parse_entry(n, item) for n, item in enumerate(raw, 1)]


def _parse_entry(n: int, item: object) -> Entry:
    if not isinstance(item, dict):
        raise ReviewFileError(f"entry {n} is not an object")
    fps = item.get("fingerprints")
    if not isinstance(fps, list) or not all(isinstance(f, str) for f in fps):
        raise ReviewFileError(f"entry {n}: fingerprints must be a list of strings")
    text = _typed(n, item, "text", str, "")
    row = item.get("row")
    if row is not None and (not isinstance(row, int) or isinstance(row, bool)):
        raise ReviewFileError(f"entry {n}: row must be a number")
    mark = Mark(
        reviewed=_typed(n, item, "reviewed", bool, False),
        flagged=_typed(n, item, "flagged", bool, False),
        note=_typed(n, item, "note", str, ""),
        updated=_typed(n, item, "updated", str, ""),
    )
    return Entry(tuple(fps), text, mark, row)


def _typed(n: int, item: dict[str, Any], key: str, kind: type[T], default: T) -> T:
    value = item.get(key, default)
    if not isinstance(value, kind):
        raise ReviewFileError(f"entry {n}: {key} must be {kind.__name__}")
    return value


def review_to_dict(al: Alignment, review: Review, file: str | None = None) -> dict[str, Any]:
    """The review attached to this alignment, for ``storydiff review --json`` and the JSON
    report: marked rows by number and id, counts, and the orphans (marks whose row is gone)."""
    rows: list[dict[str, Any]] = []
    for n, row in enumerate(al.rows, 1):
        mark = review.marks.get(row.id)
        if mark is None:
            continue
        rows.append(
            {
                "row": n,
                "id": row.id,
                "status": row.status.value,
                "reviewed": mark.reviewed,
                "flagged": mark.flagged,
                "note": mark.note,
                "updated": mark.updated,
                "text": row_text(al, row),
            }
        )
    return {
        "schema": SCHEMA,
        "file": file,
        "counts": {
            "rows": len(al.rows),
            "reviewed": review.reviewed,
            "flagged": review.flagged,
            "notes": review.notes,
            "orphans": len(review.orphans),
        },
        "rows": rows,
        "orphans": [_orphan(e) for e in review.orphans],
    }


def _orphan(e: Entry) -> dict[str, Any]:
    return {
        "was_row": e.row,
        "text": e.text,
        "reviewed": e.mark.reviewed,
        "flagged": e.mark.flagged,
        "note": e.mark.note,
        "updated": e.mark.updated,
    }


def entries_of(al: Alignment, marks: Sequence[tuple[int, Mark]]) -> list[Entry]:
    """Entries for (row position, mark) pairs: a helper for tests and tools that build a
    review without the app."""
    review = Review()
    for n, mark in marks:
        review.set(al.rows[n].id, mark)
    return review.entries(al)
