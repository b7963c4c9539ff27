"""N-way paragraph alignment: group the paragraphs of every copy that carry the same content.

How (see ``../shared/ALIGNMENT.md`` for the field):

1. Pick the base, the most central and most complete copy, by a content rule (never by the
   order files were given), and order the other copies by closeness to it.
2. Start one row per base paragraph, then add the copies one at a time, matching each copy's
   paragraphs against *rows* (every copy already in a row can vouch for it), without an order
   constraint so a moved paragraph costs nothing.
3. Candidates come from an inverted index of content-word stems; only a handful of rows per
   paragraph are scored, so the cost grows with the copies, not with their square.
4. Matching runs in passes: exact keys; strong one-to-one matches; splits (a piece of a row's
   paragraph next to a sibling already in it); merges (one paragraph holding two or three rows,
   which are then united); run-together blocks (a paragraph holding four or more rows is cut
   into sentence segments); then a "sandwich" pass that accepts weaker matches between two
   matched neighbours.  What is left is content of its own and becomes a new row next to its
   neighbour.
5. Moves are found afterwards: in each copy, the cells outside the longest run of rows in
   reading order are the moved ones.
"""

from .aligner import Aligner, group_paragraphs
from .rows import Grouping, RowGroup, Unit

__all__ = ["Aligner", "Grouping", "RowGroup", "Unit", "group_paragraphs"]
