"""What the user asked for when loading a story (``--base``, size limits, fetching).

A module of its own, with no imports, so the CLI can build it before it forks the loading
process (see :mod:`storydiff.prefetch`) without paying for the engine's imports first."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # one copy: 20 MB
DEFAULT_MAX_STORY_BYTES = 25 * 1024 * 1024  # the story's text, all copies: 25 MB
DEFAULT_TIMEOUT = 10.0  # seconds: connecting to a web server, and each wait for data


@dataclass(frozen=True, slots=True)
class StoryOptions:
    base: str | None = None  # version id, file name, source, outlet name or badge
    max_bytes: int = DEFAULT_MAX_BYTES
    # The story's text (what the copies hold once read: an HTML page's article, not its
    # markup) for all copies together.  Memory grows with it, about 50 MB per MB at worst
    # (many short paragraphs), so this bounds it: ~1.3 GB at the default.
    max_story_bytes: int = DEFAULT_MAX_STORY_BYTES
    # One copy is nothing to compare, so a summary or report refuses it; the reader shows
    # it alone (its paragraphs, what the cleaner folded) and says why.
    allow_single: bool = False
    # Copies given as web addresses: how long to wait for a server, and whether to fetch a
    # page again although the cache has it.
    timeout: float = DEFAULT_TIMEOUT
    refresh: bool = False


# The app writes its reports next to the copies; a Markdown or HTML report must not come back
# as one more copy of the story on the next run, so the loader skips this name.
REPORT_PREFIX = "storydiff-report"
