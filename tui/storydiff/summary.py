"""A readable summary of an alignment for the terminal (``storydiff align`` without --json).

Text from the copies is hostile (it may contain Rich markup or escape sequences), so it only
ever enters Rich as :class:`rich.text.Text`, never as a markup string.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .model import Alignment, Cell, Row, RowStatus
from .textnorm import visible
from .web import display_name

# One mark per cell; each also differs in shape, so no meaning rests on colour alone.
MARKS = {
    "same": ("=", "green"),
    "changed": ("~", "yellow"),
    "moved": ("↕", "magenta"),
    "missing": ("·", "bright_black"),
    "unique": ("+", "cyan"),
    "base": ("●", "bold"),
}
MAX_MARK_COLUMNS = 12


def cell_mark(al: Alignment, row: Row, vid: str) -> str:
    """The overview category of one version's cell in a row (shared with the app)."""
    cell: Cell | None = row.cells.get(vid)
    if cell is None:
        return "missing"
    if row.status is RowStatus.UNIQUE:
        return "unique"
    if cell.moved:
        return "moved"
    if vid == al.base:
        return "base"
    if al.base not in row.cells:
        return "changed"
    return "same" if all(op.op.value == "equal" for op in cell.diff) else "changed"


def print_summary(al: Alignment, console: Console | None = None) -> None:
    console = console or Console(highlight=False, soft_wrap=False)
    base = al.version(al.base)
    head = Text()
    head.append(visible(al.title or base.title or "(untitled story)"), "bold")
    console.print(head)
    console.print(
        Text(
            f"{len(al.versions)} versions, {len(al.rows)} rows, base: "
            f"{visible(base.outlet)} ({visible(display_name(base.source))}), {al.base_reason}"
        )
    )
    versions = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Versions", title_justify="left")
    versions.add_column("#", justify="right", no_wrap=True)
    versions.add_column("tag", no_wrap=True, min_width=3)
    versions.add_column("outlet", ratio=2)
    versions.add_column("file", ratio=2, overflow="fold")
    versions.add_column("format", no_wrap=True)
    versions.add_column("¶", justify="right", no_wrap=True)
    versions.add_column("folded", justify="right", no_wrap=True)
    versions.add_column("kept", justify="right", no_wrap=True)
    base_rows = sum(1 for r in al.rows if al.base in r.cells)
    for n, v in enumerate(al.versions, 1):
        shared = sum(1 for r in al.rows if v.id in r.cells and al.base in r.cells)
        versions.add_row(
            str(n),
            Text(visible(v.badge), style=f"bold {v.colour}"),
            Text(visible(v.outlet)),
            Text(visible(display_name(v.source))),
            v.format.value,
            str(len(v.body)),
            str(len(v.folded)),
            f"{shared}/{base_rows}",
        )
    console.print(versions)
    fetched = sorted(visible(v.fetched) for v in al.versions if v.fetched)
    if fetched:
        when = fetched[0] if fetched[0] == fetched[-1] else f"{fetched[0]} to {fetched[-1]}"
        console.print(
            Text(f"  web pages as fetched {when} (kept in the cache; --refresh fetches again)")
        )
    rows = Table(
        box=box.SIMPLE_HEAD, pad_edge=False, title="Rows", title_justify="left", expand=True
    )
    rows.add_column("row", justify="right", no_wrap=True, min_width=3)
    rows.add_column("status", no_wrap=True, min_width=7)
    shown = al.versions[:MAX_MARK_COLUMNS]
    for n, v in enumerate(shown, 1):
        rows.add_column(Text(str(n), style=v.colour), no_wrap=True, justify="center", min_width=1)
    rows.add_column(
        "text (base, or the first copy that has it)", ratio=1, no_wrap=True, overflow="ellipsis"
    )
    for row in al.rows:
        marks = []
        for v in shown:
            symbol, style = MARKS[cell_mark(al, row, v.id)]
            marks.append(Text(symbol, style=style))
        cell = row.cells.get(al.base) or next(iter(row.cells.values()))
        excerpt = " ¶ ".join(p.text for p in cell.paragraphs)
        rows.add_row(str(row.id + 1), row.status.value, *marks, Text(visible(excerpt)))
    console.print(rows)
    if len(al.versions) > len(shown):
        console.print(Text(f"  marks shown for the first {len(shown)} versions only"))
    legend = Text("  ")
    for name, (symbol, style) in MARKS.items():
        legend.append(symbol, style)
        legend.append(f" {name}  ")
    console.print(legend)
