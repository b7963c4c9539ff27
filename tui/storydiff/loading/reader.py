"""One file to one :class:`~storydiff.model.Document`: read, decode, detect, split.

The only module that touches the file's bytes.  It stats before it opens (a FIFO would block
``open`` and a 2 GB log would fill memory) and reads at most ``max_bytes + 1`` bytes, so a file
that grows between the stat and the read is still refused.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from storydiff.errors import InputError
from storydiff.model import Block, Document, Format
from storydiff.web import is_url

from ..options import DEFAULT_MAX_BYTES as DEFAULT_MAX_BYTES
from .decode import decode_bytes
from .detect import detect_format
from .plaintext import BlockSpec, measure, reflow, split_lines

_MB = 1024 * 1024


def human_size(n: float) -> str:
    """``35.2 MB``, ``20 MB``, ``512 KB``, ``100 bytes``: as a user would write it."""
    for unit, size in (("MB", _MB), ("KB", 1024)):
        if n >= size:
            value = f"{n / size:.1f}".removesuffix(".0")
            return f"{value} {unit}"
    return f"{int(n)} bytes"


def file_kind(mode: int) -> str:
    """Name a non-regular file in words, for messages that say why it was refused."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def not_a_file(
    source: str,
    mode: int,
    what: str = "a story file",
    advice: str = "save the story to a file and give that",
) -> str:
    """The message for a FIFO, socket or device where a file was expected (never opened:
    ``open`` on a FIFO blocks until a writer comes)."""
    return f"{source}: is {file_kind(mode)}, not {what}; {advice}"


def cannot_read(source: str, exc: OSError, what: str = "read it") -> str:
    """The operating system's reason, and what the user can do about it."""
    denied = exc.errno in (errno.EACCES, errno.EPERM)
    advice = "check its permissions" if denied else "check the path"
    return f"{source}: cannot {what} ({exc.strerror or exc}); {advice}"


def _read(path: Path, source: str, max_bytes: int) -> bytes:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file or folder") from None
    except OSError as exc:
        raise InputError(cannot_read(source, exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(not_a_file(source, info.st_mode))
    if info.st_size > max_bytes:
        raise _too_big(source, info.st_size, max_bytes)
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(cannot_read(source, exc)) from None
    if len(data) > max_bytes:
        raise _too_big(source, len(data), max_bytes)
    return data


def over_limit(size: int, limit: int) -> tuple[str, str]:
    """A size and the limit it is over, as a user would write them, but never equal in
    words ("2 MB is over the 2 MB limit"): then both in bytes."""
    said = human_size(size), human_size(limit)
    return said if said[0] != said[1] else (f"{size:,} bytes", f"{limit:,} byte")


def _too_big(source: str, size: int, limit: int) -> InputError:
    size_said, limit_said = over_limit(size, limit)
    return InputError(
        f"{source}: {size_said} is over the {limit_said} limit per file (raise it with --max-size)"
    )


def _empty(source: str) -> InputError:
    if is_url(source):
        return InputError(f"{source}: the server sent an empty page; check the address")
    return InputError(f"{source}: the file is empty; save the story's text in it, or leave it out")


def _split(text: str, fmt: Format) -> tuple[list[BlockSpec], dict[str, str | None], list[str]]:
    """Blocks, page metadata and warnings for one decoded text in the chosen format."""
    if fmt is Format.HTML:
        from .htmlpage import parse_html  # lazy: pulls in lxml and trafilatura

        page = parse_html(text)
        meta = {
            "title": page.title,
            "site_name": page.site_name,
            "url": page.url,
            "date": page.date,
            "author": page.author,
        }
        return page.blocks, meta, list(page.warnings)
    if fmt is Format.MARKDOWN:
        from .mdtext import markdown_blocks  # lazy: only Markdown copies need it

        return markdown_blocks(text), {}, []
    if fmt is Format.WRAPPED:
        return reflow(text, measure(text).width), {}, []
    return split_lines(text), {}, []


def load_document(path: Path, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read one copy of the story; every user-caused failure is a one-line InputError."""
    data = _read(path, source, max_bytes)
    return document_from_bytes(data, source, path, suffix=path.suffix)


def document_from_bytes(
    data: bytes,
    source: str,
    path: Path,
    *,
    suffix: str,
    charset: str | None = None,
    fetched: str | None = None,
    fetched_from: str | None = None,
) -> Document:
    """Decode, detect and split a copy's bytes, wherever they came from (a file, a fetched
    page).  ``charset`` is what a web server said the bytes are: a hint only, as servers
    are often wrong (see :func:`~storydiff.loading.decode.decode_bytes`)."""
    if not data.strip():
        raise _empty(source)
    decoded = decode_bytes(data, source, hint=charset)
    text = decoded.text.removeprefix("\ufeff")
    if not text.strip():
        raise _empty(source)
    fmt = detect_format(text, suffix)
    try:
        specs, meta, warnings = _split(text, fmt)
    except ImportError as exc:
        raise InputError(
            f"{source}: cannot read {fmt.value.upper()} with this installation ({exc}); "
            "reinstall storydiff with its dependencies"
        ) from exc
    if decoded.note:
        warnings.insert(0, decoded.note)
    blocks: list[Block] = []
    for body, hint in specs:
        body = body.strip()
        if body:
            blocks.append(Block(index=len(blocks), text=body, hint=hint))
    if not blocks:
        if is_url(source):
            raise InputError(
                f"{source}: no readable text on this {fmt.value} page; check the address"
            )
        raise InputError(
            f"{source}: no readable text in this {fmt.value} file; "
            "save the story's text in it, or leave it out"
        )
    return Document(
        source=source,
        path=path,
        format=fmt,
        blocks=tuple(blocks),
        encoding=decoded.encoding,
        title=meta.get("title"),
        site_name=meta.get("site_name"),
        url=meta.get("url"),
        date=meta.get("date"),
        author=meta.get("author"),
        raw_text=text,
        warnings=tuple(warnings),
        fetched=fetched,
        fetched_from=fetched_from,
    )
