"""The commands that share a story: ``review`` (the saved marks), ``report`` (Markdown, HTML,
JSON or CSV) and ``fetch`` (web pages saved as a story folder).

They live apart from :mod:`storydiff.cli` to keep that module (the reader and ``align``, where
start-up time matters) small; importing this module registers them on the same group.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli import (
    MB,
    _base_opt,
    _fail,
    _load,
    _path_arg,
    _Progress,
    _size_opt,
    _story_size_opt,
    _warn,
    _web_opts,
    _write,
    main,
)
from .errors import StorydiffError

if TYPE_CHECKING:
    from .model import Alignment
    from .review import Review


def _saved_review(alignment: Alignment, strict: bool) -> tuple[Review, str]:
    """The saved review of the story, attached to this alignment, and its file.

    Read only: a file storydiff cannot read is an error here (``strict``) or a warning and
    no review; only the app, which is about to write one, moves such a file aside."""
    from .review import Review, ReviewFileError
    from .review.store import locate, read_entries

    location = locate(alignment.story_dir, one_folder=alignment.one_folder)
    try:
        entries = read_entries(location.path)
    except ReviewFileError as exc:
        message = f"{location.path}: not a review file storydiff can read ({exc.message})"
        if strict:
            _fail(StorydiffError(message))
        _warn([message + "; reporting without review marks"])
        entries = []
    return Review.attach(alignment, entries), str(location.path)


@main.command()
@_path_arg
@click.option("--json", "as_json", is_flag=True, help="Print the review as JSON.")
@_size_opt
@_story_size_opt
@_web_opts
def review(
    paths: tuple[str, ...],
    as_json: bool,
    max_size: float,
    max_story_size: float,
    timeout: float,
    refresh: bool,
) -> None:
    """Print the saved review of the story at PATHS: rows reviewed, flagged and noted, and
    notes whose passage is no longer in the story."""
    from .review import review_to_dict

    alignment = _load(paths, None, max_size, max_story_size, timeout, refresh)
    saved, file = _saved_review(alignment, strict=True)
    data = review_to_dict(alignment, saved, file if Path(file).exists() else None)
    if as_json:
        import json

        _write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    from .textnorm import visible

    counts = data["counts"]
    lines = [
        f"{counts['reviewed']}/{counts['rows']} reviewed, {counts['flagged']} flagged, "
        f"{counts['notes']} notes"
        + (f" ({visible(file)})" if data["file"] else " (no review saved yet)")
    ]
    for row in data["rows"]:
        state = ("✓" if row["reviewed"] else " ") + ("⚑" if row["flagged"] else " ")
        lines.append(f"{state} row {row['row']}: {visible(_excerpt(row['text']))}")
        lines.extend(f"     note: {visible(line)}" for line in row["note"].splitlines())
    for orphan in data["orphans"]:
        lines.append(f"?  passage no longer in the story: {visible(_excerpt(orphan['text']))}")
        lines.extend(f"     note: {visible(line)}" for line in orphan["note"].splitlines())
    _write("\n".join(lines) + "\n")


def _excerpt(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@main.command()
@_path_arg
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "json", "csv"]),
    default=None,
    help="Report format (default: from the -o file's suffix, else md).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True, writable=False),
    default=None,
    help="Write to this file (or into this folder) instead of standard output.",
)
@_base_opt
@_size_opt
@_story_size_opt
@_web_opts
def report(
    paths: tuple[str, ...],
    fmt: str | None,
    output: str | None,
    base: str | None,
    max_size: float,
    max_story_size: float,
    timeout: float,
    refresh: bool,
) -> None:
    """Write a report of the story at PATHS with its review marks: Markdown, a
    self-contained HTML page, JSON or CSV."""
    from .report import SUFFIX, render

    if fmt is None:
        suffix = Path(output).suffix.lower().lstrip(".") if output else ""
        fmt = {"markdown": "md", "htm": "html"}.get(suffix, suffix)
        if fmt not in SUFFIX:
            fmt = "md"
    target = _report_target(output, fmt) if output else None
    alignment = _load(paths, base, max_size, max_story_size, timeout, refresh)
    saved, _ = _saved_review(alignment, strict=False)
    text = render(alignment, saved, fmt)
    if target is None:
        _write(text if text.endswith("\n") else text + "\n")
        return
    copies = {os.path.realpath(v.source) for v in alignment.versions}
    if os.path.realpath(target) in copies:
        _fail(
            StorydiffError(f"{target}: is one of the copies compared; write the report elsewhere")
        )
    from .review.store import write_atomic

    write_atomic(target, text.encode("utf-8"))
    click.echo(f"storydiff: {fmt} report written to {target}", err=True)


@main.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    # not file_okay=False: click would answer a file in the way with a usage block; the
    # saver says it in one line
    type=click.Path(writable=False),
    metavar="FOLDER",
    help="The story folder to save the pages in (made if missing).",
)
@_size_opt
@_web_opts
def fetch(
    urls: tuple[str, ...], folder: str, max_size: float, timeout: float, refresh: bool
) -> None:
    """Fetch the pages at URL... and save them in FOLDER as a story folder (one HTML file per
    page and a storydiff.toml with each page's address, outlet and fetch time), to compare
    later with `storydiff FOLDER`, offline. Pages already in the cache are not fetched
    again unless --refresh is given."""
    from .options import StoryOptions
    from .story import load_copies
    from .web import is_url
    from .web.save import save_story

    for url in urls:
        if not is_url(url):
            _fail(
                StorydiffError(
                    f"{url}: not a web address; storydiff fetch takes http:// or https:// "
                    "addresses (give files and folders to `storydiff` itself)"
                )
            )
    options = StoryOptions(
        max_bytes=int(max_size * MB), timeout=timeout, refresh=refresh, allow_single=True
    )
    progress = _Progress() if _Progress.wanted() else None
    try:
        copies = load_copies(list(urls), options, progress)
        if progress is not None:
            progress.clear()
        pages = {s: f.page for s, f in copies.pages.items() if f.page is not None}
        saved = save_story(Path(folder), copies.versions, pages)
    except StorydiffError as exc:
        if progress is not None:
            progress.clear()
        _fail(exc)
        return
    _warn(copies.warnings)
    count = len(saved.files)
    click.echo(
        f"storydiff: saved {count} page{'s' if count != 1 else ''} in {folder} (listed in "
        f"{saved.manifest.name}); compare them offline with: storydiff {folder}",
        err=True,
    )


def _report_target(output: str, fmt: str) -> Path:
    """``-o`` names a file, or a folder to put ``storydiff-report.<format>`` in."""
    from .options import REPORT_PREFIX
    from .report import SUFFIX

    path = Path(output)
    if path.is_dir():
        path = path / f"{REPORT_PREFIX}{SUFFIX[fmt]}"
    if not path.parent.is_dir():
        _fail(StorydiffError(f"{output}: no such folder to write the report in"))
    return path
