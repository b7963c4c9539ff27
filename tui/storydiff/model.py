"""The data model every part of storydiff shares.

Data flows one way: files -> :class:`Document` (what a loader found: raw blocks and page
metadata) -> :class:`Version` (classified paragraphs and an outlet) -> :class:`Alignment`
(rows of cells with word diffs) -> UI or report.  Everything here is a plain frozen dataclass
so the UI and the reports can render straight from it and never re-parse text.

Paragraph text is always the user's own characters: typographic normalisation happens only in
the matching keys (see :mod:`storydiff.textnorm`), never in what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")


def _pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Pickle as the class and its fields in order, rebuilt by the constructor.

    The reader gets the story from its loading process as a pickle (hundreds of versions:
    thousands of paragraphs, cells and diff ops); a slotted frozen dataclass's default pickle
    restores each field through ``object.__setattr__`` and took twice as long to load."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    get = attrgetter(*names)

    def __reduce__(self: Any) -> tuple[type[_T], tuple[Any, ...]]:
        return (cls, get(self))

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls


class Format(StrEnum):
    """How a copy was written; decides which loader reads it."""

    TEXT = "text"  # one paragraph per line or blank-line separated
    WRAPPED = "wrapped"  # hard-wrapped plain text, reflowed on load
    MARKDOWN = "markdown"
    HTML = "html"


class Kind(StrEnum):
    """What a paragraph is to the story.

    Only BODY paragraphs are aligned; the others are folded (kept, shown on demand, listed in
    the JSON under ``folded``) so that nothing the user gave is silently dropped.
    """

    BODY = "body"
    METADATA = "metadata"
    BOILERPLATE = "boilerplate"


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph-like unit of a copy as its loader found it, before classification.

    ``hint`` carries structure the loader saw and the cleaner may use: ``"heading1"`` ..
    ``"heading6"``, ``"list-item"``, ``"quote"``, ``"image"`` (alt text / caption),
    ``"link-only"`` (a paragraph that is nothing but a link), ``"outside-article"`` (HTML text
    that the article extractor left out), or ``None``.
    """

    index: int
    text: str
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded, split copy of the story, straight from its loader."""

    source: str  # the path or web address exactly as the user gave it
    path: Path
    format: Format
    blocks: tuple[Block, ...]
    encoding: str = "utf-8"
    title: str | None = None
    site_name: str | None = None
    url: str | None = None
    date: str | None = None
    author: str | None = None
    raw_text: str = ""  # the whole decoded text, for outlet evidence (addresses, URLs)
    warnings: tuple[str, ...] = ()
    fetched: str | None = None  # a web page: when it was fetched (ISO 8601, UTC)
    fetched_from: str | None = None  # a web page: the address it came from, after redirects


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Paragraph:
    """A classified unit of a copy.

    ``index`` is the block's position in its copy's own numbering (0-based).  ``part`` is 0
    unless one block became several paragraphs: a dateline split off the paragraph it opens
    (dateline part 0, body part 1), or a run-together block cut into segments by the aligner.
    ``role`` names what it is (``body``, ``crosshead``, ``headline``, ``byline``,
    ``dateline``, ``date``, ``credit``, ``url``, ``paywall``, ``advert``, ``newsletter``,
    ``related``, ``caption``, ``comments``, ``cookie``, ``region``, ``social``, ``footer``,
    ``navigation``, ``repeated`` ...); ``reason`` says in words why it was folded.
    """

    index: int
    text: str
    kind: Kind = Kind.BODY
    role: str = "body"
    reason: str = ""
    part: int = 0

    @property
    def folded(self) -> bool:
        return self.kind is not Kind.BODY


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Version:
    """One copy of the story, cleaned, with its outlet tag."""

    id: str
    source: str
    format: Format
    outlet: str
    badge: str  # <= 6 characters
    colour: str  # "#rrggbb", stable for the outlet name
    paragraphs: tuple[Paragraph, ...]  # every paragraph, body and folded, in reading order
    url: str | None = None
    title: str | None = None
    byline: str | None = None
    date: str | None = None
    tags: tuple[str, ...] = ()
    encoding: str = "utf-8"
    outlet_evidence: str = ""  # how the outlet was named ("manifest", "url in text", ...)
    warnings: tuple[str, ...] = ()
    fetched: str | None = None  # a web page: when it was fetched (ISO 8601, UTC)

    @property
    def body(self) -> tuple[Paragraph, ...]:
        return tuple(p for p in self.paragraphs if p.kind is Kind.BODY)

    @property
    def folded(self) -> tuple[Paragraph, ...]:
        return tuple(p for p in self.paragraphs if p.kind is not Kind.BODY)


class Op(StrEnum):
    EQUAL = "equal"
    INSERT = "insert"  # words this cell has and the reference lacks
    DELETE = "delete"  # words of the reference this cell lacks
    REPLACE = "replace"


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class DiffOp:
    """One word-level edit of a cell against a reference cell (the base or the consensus).

    ``text`` is this cell's own characters (empty for DELETE); ``ref`` the reference's
    (empty for INSERT).  Both keep their trailing whitespace, so joining ``text`` of every op
    gives back the cell's text exactly.  ``number`` marks a change that touches a number.
    """

    op: Op
    text: str
    ref: str = ""
    number: bool = False


class RowStatus(StrEnum):
    SAME = "same"  # every copy present carries the same words
    CHANGED = "changed"  # every copy present, some worded differently
    PARTIAL = "partial"  # some copies lack this content
    UNIQUE = "unique"  # only one copy has it
    MOVED = "moved"  # some copy carries it out of the base's order


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Cell:
    """What one version says in one row.

    ``position`` is the (0-based) rank of the cell's first paragraph among its version's body
    paragraphs, so a moved paragraph can show where it stands in its own copy.
    """

    version: str
    paragraphs: tuple[Paragraph, ...]
    position: int
    moved: bool = False
    similarity: float = 1.0  # to the base cell, 0..1 (1.0 for the base itself)
    diff: tuple[DiffOp, ...] = ()  # against the base cell (empty when no base cell)
    consensus_diff: tuple[DiffOp, ...] = ()  # against the row's majority reading

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Row:
    id: int
    status: RowStatus
    cells: dict[str, Cell]  # version id -> cell; a version with no cell lacks this content
    kind: str = "body"  # "body" or "crosshead"
    consensus: str = ""  # version id whose reading is the row's majority reading


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Alignment:
    versions: tuple[Version, ...]
    base: str  # version id
    rows: tuple[Row, ...]
    title: str = ""
    warnings: tuple[str, ...] = ()
    base_reason: str = ""  # "named by the user", "manifest", "most central copy"
    timings: dict[str, float] = field(default_factory=dict)
    # The folder the copies came from (the one given, or the common parent of the files):
    # where the review sidecar and the app's reports go.  None for hand-built alignments.
    story_dir: str | None = None
    # Whether every copy sits directly in story_dir (a folder, or files from one folder).
    # Copies gathered from several folders have only a distant common parent -- maybe the
    # home folder or / -- and storydiff writes nothing there.
    one_folder: bool = True

    def version(self, vid: str) -> Version:
        for v in self.versions:
            if v.id == vid:
                return v
        raise KeyError(vid)
