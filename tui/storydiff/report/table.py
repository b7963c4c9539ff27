"""The CSV report: one line per (row, copy that has the row), for spreadsheets and scripts.

Not named ``csv.py``: that would shadow the standard library's module for anything that
imports it from this folder.
"""

from __future__ import annotations

import csv
import io

from ..model import Alignment, DiffOp, Op
from ..review import Review
from ..textnorm import visible
from .common import pieces, reference_ops

COLUMNS = (
    "row",
    "row_status",
    "version",
    "outlet",
    "badge",
    "moved",
    "position",
    "similarity",
    "text",
    "marked",
    "reviewed",
    "flagged",
    "note",
)

# Characters that make a spreadsheet read a cell as a formula (or, for tab and carriage
# return, let one through after the program strips them).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: str) -> str:
    """A text field a spreadsheet will show as text, never run as a formula.

    Excel, LibreOffice and Google Sheets evaluate a cell starting with ``=``, ``+``, ``-`` or
    ``@`` (and strip a leading tab or CR first), so a copy's paragraph such as
    ``=HYPERLINK("http://evil", "click")`` or ``-2+3`` would become live on opening the
    file: CSV injection.  A leading ``'`` is the spreadsheets' own "this is text" prefix;
    scripts reading the file can strip it.  All text from the copies gets it."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def marked(ops: tuple[DiffOp, ...]) -> str:
    """A diff in wdiff's notation, ``[-lost-] {+added+}``: readable in any spreadsheet cell.
    A copy's own ``[-`` is not escaped; scripts wanting the exact edits read the JSON."""
    out = []
    for p in pieces(ops):
        if p.kind == "same":
            out.append(p.text)
        elif p.kind == "del":
            out.append(f"[-{p.text}-]{p.gap}")
        else:
            out.append(f"{{+{p.text}+}}{p.gap}")
    return "".join(out)


def render_csv(al: Alignment, review: Review | None) -> str:
    """One line per (row, copy that has it): a missing cell has nothing to say, and the rows a
    copy lacks are those where it has no line.  ``position`` is 1-based in the copy's own body
    paragraphs; ``similarity`` is to the base and empty when the base lacks the row, where
    ``marked`` is against the row's majority reading instead.  ``reviewed``, ``flagged`` and
    ``note`` are empty without a review."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n, row in enumerate(al.rows, 1):
        mark = review.get(row.id) if review is not None else None
        has_base = al.base in row.cells
        for v in al.versions:
            cell = row.cells.get(v.id)
            if cell is None:
                continue
            ops = reference_ops(al, row, v.id)
            text = marked(ops) if any(op.op is not Op.EQUAL for op in ops) else cell.text
            writer.writerow(
                [
                    n,
                    row.status.value,
                    defuse(visible(v.id)),
                    defuse(visible(v.outlet)),
                    defuse(visible(v.badge)),
                    "true" if cell.moved else "false",
                    cell.position + 1,
                    f"{cell.similarity:.3f}" if has_base else "",
                    defuse(visible(cell.text)),
                    defuse(visible(text)),
                    "" if mark is None else ("true" if mark.reviewed else "false"),
                    "" if mark is None else ("true" if mark.flagged else "false"),
                    "" if mark is None else defuse(visible(mark.note)),
                ]
            )
    return buf.getvalue()
