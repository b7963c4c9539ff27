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
from typing import TYPE_CHECKING, Any

import click

from .errors import StorydiffError

if TYPE_CHECKING:
    from .model import Alignment

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


# The commands that share a story register themselves on ``main`` (after everything they use
# from here is defined).
from . import cli_share as _cli_share  # noqa: E402, F401
