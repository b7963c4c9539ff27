"""The ``storydiff`` command.

``storydiff align`` is the non-interactive side: a readable summary, or the JSON that scripts
and the scorer read.  Start-up time matters here (people pipe it into other tools), so the
heavy parts -- Rich for the table, Textual for the app -- are imported only when used.

Every problem with the user's input ends as one line on stderr and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import StorydiffError

if TYPE_CHECKING:
    from .model import Alignment
    from .review import Review

MB = 1024 * 1024


class _DefaultGroup(click.Group):
    """A group whose first argument may be a path: ``storydiff seeds`` runs the default
    command on ``seeds`` while ``storydiff align seeds`` runs ``align``."""

    default_command = "read"

    own_options = frozenset({"--help", "-h", "--version"})

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in self.own_options):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def _fail(exc: StorydiffError) -> None:
    click.echo(f"storydiff: error: {exc.message}", err=True)
    sys.exit(exc.exit_code)


def _warn(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(f"storydiff: warning: {line}", err=True)


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="storydiff", prog_name="storydiff")
def main() -> None:
    """Compare the republished copies of a news story, paragraph by paragraph.

    PATHS are copies of the story: files, story folders, or web addresses (http:// or
    https://), which are fetched and kept in the user cache. With no PATHS, storydiff works on
    its bundled demo story (five copies of one Reuters report)."""


# readable=False: click's own check would answer an unreadable path with a three-line usage
# error; the loader says it in one line, and only skips the file when others can be compared.
_path_arg = click.argument("paths", nargs=-1, type=click.Path(readable=False))
_base_opt = click.option(
    "--base",
    metavar="OUTLET|FILE",
    help="The copy to compare the others against (default: the most central copy).",
)
_size_opt = click.option(
    "--max-size",
    type=click.FloatRange(min=0.001),
    default=20.0,
    show_default=True,
    metavar="MB",
    help="Largest file storydiff will read, in megabytes.",
)


_timeout_opt = click.option(
    "--timeout",
    type=click.FloatRange(min=0.01),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="For web addresses: how long to wait for a server to connect or send data.",
)
_refresh_opt = click.option(
    "--refresh",
    is_flag=True,
    help="Fetch web pages again even when the cache has them (default: use the cache).",
)


def _web_opts(f: Any) -> Any:
    return _timeout_opt(_refresh_opt(f))


_story_size_opt = click.option(
    "--max-story-size",
    type=click.FloatRange(min=0.001),
    default=25.0,
    show_default=True,
    metavar="MB",
    help="Largest total of the copies' text (an HTML page counts its article), in megabytes.",
)


@main.command()
@_path_arg
@_base_opt
@_size_opt
@_story_size_opt
@_web_opts
@click.option(
    "--colours",
    "--colors",
    type=click.Choice(["auto", "colour", "ansi", "mono"]),
    default="auto",
    show_default=True,
    help="Palette: auto (from the terminal), colour, ansi (16 colours), mono (no colour).",
)
def read(
    paths: tuple[str, ...],
    base: str | None,
    max_size: float,
    max_story_size: float,
    timeout: float,
    refresh: bool,
    colours: str,
) -> None:
    """Open the reader on the copies at PATHS: files, folders or web addresses (the default
    command: `storydiff PATHS`)."""
    if not sys.stdout.isatty() or not sys.stdin.isatty() or os.environ.get("TERM") == "dumb":
        # a pipe, a script or a terminal that cannot draw the reader: the plain summary,
        # like `git log` without its pager
        ctx = click.get_current_context()
        ctx.invoke(
            align,
            paths=paths,
            base=base,
            as_json=False,
            max_size=max_size,
            max_story_size=max_story_size,
            timeout=timeout,
            refresh=refresh,
        )
        return
    from .options import StoryOptions
    from .prefetch import Prefetch

    options = StoryOptions(
        base=base,
        max_bytes=int(max_size * MB),
        max_story_bytes=int(max_story_size * MB),
        allow_single=True,  # one copy is shown alone, with a word on why
        timeout=timeout,
        refresh=refresh,
    )
    # the story loads in a child process while Textual imports and starts here
    prefetch = Prefetch.start(paths, options)
    from .app import StorydiffApp

    # Everything imported so far lives as long as the process: move it out of the garbage
    # collector's sight, so no full collection walks Textual's objects during start-up.
    gc.freeze()
    app = StorydiffApp(
        paths, options, colours=None if colours == "auto" else colours, prefetch=prefetch
    )
    try:
        app.run()
    finally:
        if prefetch is not None:
            prefetch.cancel()
    if app.error is not None:
        _fail(app.error)
    sys.exit(app.return_code or 0)


@main.command()
@_path_arg
@_base_opt
@click.option("--json", "as_json", is_flag=True, help="Print the alignment as JSON (schema 1).")
@_size_opt
@_story_size_opt
@_web_opts
def align(
    paths: tuple[str, ...],
    base: str | None,
    as_json: bool,
    max_size: float,
    max_story_size: float,
    timeout: float,
    refresh: bool,
) -> None:
    """Align the copies at PATHS (files, a story folder or web addresses) and summarise the
    result."""
    alignment = _load(paths, base, max_size, max_story_size, timeout, refresh)
    if as_json:
        from .jsonio import dumps

        # indented for a person at a terminal; compact (and 4x faster to write) for a pipe
        _write(dumps(alignment, indent=2 if sys.stdout.isatty() else None) + "\n")
    else:
        from .summary import print_summary

        print_summary(alignment)


class _Progress:
    """Fetching progress on stderr, one line redrawn in place, for a person at a terminal:
    a pipe or a log gets only the warnings and errors."""

    INTERVAL = 0.1

    def __init__(self) -> None:
        self.shown = False
        self.last = 0.0

    @staticmethod
    def wanted() -> bool:
        return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != "fetching":
            self.clear()
            return
        now = time.monotonic()
        if done < total and now - self.last < self.INTERVAL:
            return
        self.last = now
        pages = "page" if total == 1 else "pages"
        sys.stderr.write(f"\rstorydiff: fetching {done}/{total} {pages}\x1b[K")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.shown = False


def _load(
    paths: tuple[str, ...],
    base: str | None,
    max_size: float,
    max_story_size: float,
    timeout: float = 10.0,
    refresh: bool = False,
) -> Alignment:
    """The story's alignment, its warnings said on stderr; a one-line error otherwise."""
    from .story import StoryOptions, load_story

    options = StoryOptions(
        base=base,
        max_bytes=int(max_size * MB),
        max_story_bytes=int(max_story_size * MB),
        timeout=timeout,
        refresh=refresh,
    )
    progress = _Progress() if _Progress.wanted() else None
    try:
        alignment = load_story(list(paths), options, progress)
    except StorydiffError as exc:
        if progress is not None:
            progress.clear()
        _fail(exc)
        raise  # not reached: _fail exits
    finally:
        if progress is not None:
            progress.clear()
    _warn(alignment.warnings)
    return alignment


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


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `storydiff align --json | head` is fine
        sys.stderr.close()
        sys.exit(0)


def run() -> Any:
    """Console-script entry point.

    Input problems are StorydiffErrors, handled where they arise.  Anything else reaching
    here is a bug or an operating-system failure: say so in one line (the traceback only
    with STORYDIFF_DEBUG=1) rather than drown the user in it."""
    try:
        return main()
    except KeyboardInterrupt:
        click.echo("storydiff: interrupted", err=True)
        sys.exit(130)
    except OSError as exc:
        if os.environ.get("STORYDIFF_DEBUG"):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"storydiff: error: {where}{exc.strerror or exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        if os.environ.get("STORYDIFF_DEBUG"):
            raise
        click.echo(
            f"storydiff: internal error: {type(exc).__name__}: {exc} "
            "(a bug: please report it; STORYDIFF_DEBUG=1 shows the traceback)",
            err=True,
        )
        sys.exit(70)
