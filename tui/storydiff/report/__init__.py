"""Reports of a story for people and programs: Markdown, one-file HTML, JSON and CSV.

Engine code (no Textual): ``storydiff report`` and the app's export both call :func:`render`.
Every format shows the same content, decided in :mod:`.common` and counted in :mod:`.stats`;
each format module escapes everything that comes from a copy at its one output point.
"""

from __future__ import annotations

from ..model import Alignment
from ..review import Review
from .common import now

FORMATS = ("md", "html", "json", "csv")
SUFFIX = {"md": ".md", "html": ".html", "json": ".json", "csv": ".csv"}


def render(al: Alignment, review: Review | None, fmt: str, *, generated: str | None = None) -> str:
    """The report of ``al`` with ``review``'s marks (None: no review section) in ``fmt``.

    ``generated`` is the time printed in the header (default: now, UTC, to the second); tests
    and reproducible builds pass a fixed one."""
    stamp = generated if generated is not None else now()
    if fmt == "md":
        from .markdown import render_markdown

        return render_markdown(al, review, stamp)
    if fmt == "html":
        from .html import render_html

        return render_html(al, review, stamp)
    if fmt == "json":
        from .jsonreport import render_json

        return render_json(al, review)
    if fmt == "csv":
        from .table import render_csv

        return render_csv(al, review)
    raise ValueError(f"unknown report format {fmt!r} (expected one of {', '.join(FORMATS)})")


__all__ = ["FORMATS", "SUFFIX", "render"]
