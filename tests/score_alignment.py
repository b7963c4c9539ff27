#!/usr/bin/env python3
"""(Vendored from ../shared/tools so the suite runs without ../shared.)
Score a storydiff alignment (the JSON of `storydiff align --json`) against a gold file.

Usage:
    storydiff align DIR --json > out.json
    python ../shared/tools/score_alignment.py ../shared/gold/seeds.json out.json [--min-f1 0.9] ...

A gold file lists rows; each row names, per version, the opening words of every paragraph
of that version that belongs in the row (see shared/gold/seeds.json). The scorer finds each
snippet in the alignment and reports:

  pair F1     over every pair of gold content snippets: do they share a row exactly when the
              gold says they should?  (precision: no wrong merges; recall: no missed matches)
  coverage    share of gold content snippets that appear in a content row (not folded away,
              not lost)
  rows-exact  gold rows reproduced exactly: all their snippets in one output row, alone
  leak        share of gold boilerplate snippets that appear in a content row

Versions are matched to gold by the file name of each version's "source".
Only the standard library is used, so it runs anywhere.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import unicodedata
from pathlib import Path

_NON_WORD = re.compile(r"[^0-9a-z]+")


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def _paragraphs(cell) -> list[str]:
    if cell is None:
        return []
    if isinstance(cell, str):
        return [p for p in re.split(r"\n\s*\n", cell) if p.strip()]
    if isinstance(cell, list):
        out: list[str] = []
        for item in cell:
            out.extend(_paragraphs(item))
        return out
    if isinstance(cell, dict):
        if cell.get("paragraphs") is not None:
            return _paragraphs(cell["paragraphs"])
        if cell.get("text") is not None:
            return _paragraphs(cell["text"])
    return []


def _is_folded_cell(row: dict, cell) -> bool:
    if row.get("kind") in ("boilerplate", "metadata", "folded"):
        return True
    return isinstance(cell, dict) and bool(cell.get("boilerplate") or cell.get("folded"))


class Alignment:
    """The parts of an alignment JSON that scoring needs, keyed by gold version letter."""

    def __init__(self, data: dict, gold_versions: dict[str, str]):
        by_file = {
            Path(str(v.get("source") or v.get("path") or "")).name: v
            for v in data.get("versions", [])
        }
        self.letter_of: dict[str, str] = {}
        self.unmatched: list[str] = []
        for letter, filename in gold_versions.items():
            v = by_file.get(filename)
            if v is None:
                self.unmatched.append(filename)
            else:
                self.letter_of[str(v.get("id"))] = letter
        # content[letter] = [(row_index, normalised paragraph)], folded[letter] = [normalised text]
        self.content: dict[str, list[tuple[int, str]]] = {k: [] for k in gold_versions}
        self.folded: dict[str, list[str]] = {k: [] for k in gold_versions}
        for i, row in enumerate(data.get("rows", [])):
            cells = row.get("cells", {})
            if isinstance(cells, list):  # [{"version": id, ...}, ...]
                cells = {str(c.get("version")): c for c in cells}
            for vid, cell in cells.items():
                letter = self.letter_of.get(str(vid))
                if letter is None:
                    continue
                target = self.folded[letter] if _is_folded_cell(row, cell) else None
                for p in _paragraphs(cell):
                    if target is not None:
                        target.append(norm(p))
                    else:
                        self.content[letter].append((i, norm(p)))
        folded = data.get("folded", [])
        if isinstance(folded, dict):
            folded = [{"version": k, "text": t} for k, items in folded.items() for t in items]
        for item in folded:
            if isinstance(item, dict):
                letter = self.letter_of.get(str(item.get("version")))
                text = item.get("text", "")
            else:
                continue
            if letter is not None:
                self.folded[letter].extend(norm(p) for p in _paragraphs(text))

    def locate(self, letter: str, snippet: str) -> tuple[str, int | None]:
        """('row', index) where the snippet opens (or else lies in) a content paragraph;
        ('folded', None) where it was folded away; ('missing', None) otherwise."""
        s = norm(snippet)
        starts = [i for i, p in self.content[letter] if p.startswith(s)]
        if starts:
            return "row", starts[0]
        inside = [i for i, p in self.content[letter] if s in p]
        if inside:
            return "row", inside[0]
        if any(s in f for f in self.folded[letter]):
            return "folded", None
        return "missing", None


def score(gold: dict, data: dict) -> dict:
    al = Alignment(data, gold["versions"])
    located: list[tuple[str, str, int]] = []  # (gold row id, "letter: snippet", output row)
    lost: list[str] = []
    total = 0
    tp = fp = fn = 0
    for row in gold["rows"]:
        found = 0
        for letter, snippets in row.items():
            if letter == "id":
                continue
            for snip in snippets:
                total += 1
                where, idx = al.locate(letter, snip)
                if where == "row":
                    located.append((row["id"], f"{letter}: {snip}", idx))
                    found += 1
                else:
                    lost.append(f"{letter} ({where}): {snip}")
        size = sum(len(v) for k, v in row.items() if k != "id")
        # every pair of this row with a lost member is a missed match
        fn += size * (size - 1) // 2 - found * (found - 1) // 2
    wrong_merges: list[str] = []
    missed: list[str] = []
    for (g1, s1, o1), (g2, s2, o2) in itertools.combinations(located, 2):
        same_gold, same_out = g1 == g2, o1 == o2
        if same_gold and same_out:
            tp += 1
        elif same_out:
            fp += 1
            wrong_merges.append(f"{s1}  +  {s2}")
        elif same_gold:
            fn += 1
            missed.append(f"{s1}  |  {s2}")
    # a gold row is reproduced exactly when all its snippets share one output row and nothing
    # else gold-scored shares it
    members: dict[int, set[str]] = {}
    for g, _, o in located:
        members.setdefault(o, set()).add(g)
    exact = 0
    for row in gold["rows"]:
        outs = {o for g, _, o in located if g == row["id"]}
        size = sum(len(v) for k, v in row.items() if k != "id")
        found = sum(1 for g, _, _ in located if g == row["id"])
        if found == size and len(outs) == 1 and members[next(iter(outs))] == {row["id"]}:
            exact += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    leaks: list[str] = []
    bp_total = 0
    for letter, snippets in gold.get("boilerplate", {}).items():
        for snip in snippets:
            bp_total += 1
            s = norm(snip)
            if any(s in p for _, p in al.content.get(letter, [])):
                leaks.append(f"{letter}: {snip}")
    return {
        "versions_unmatched": al.unmatched,
        "pairs": {"tp": tp, "fp": fp, "fn": fn},
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "coverage": (total - len(lost)) / total if total else 1.0,
        "rows_exact": exact,
        "rows_total": len(gold["rows"]),
        "lost": lost,
        "leak": len(leaks) / bp_total if bp_total else 0.0,
        "leaks": leaks,
        "wrong_merges": wrong_merges,
        "missed_matches": missed,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold", type=Path)
    ap.add_argument("alignment", help="alignment JSON file, or - for standard input")
    ap.add_argument("--min-f1", type=float, default=0.0)
    ap.add_argument("--min-coverage", type=float, default=0.0)
    ap.add_argument("--max-leak", type=float, default=1.0)
    ap.add_argument("--quiet", action="store_true", help="print only the summary line")
    args = ap.parse_args(argv)
    gold = json.loads(args.gold.read_text(encoding="utf-8"))
    raw = (
        sys.stdin.read()
        if args.alignment == "-"
        else Path(args.alignment).read_text(encoding="utf-8")
    )
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        print(f"not JSON: {exc}")
        return 1
    r = score(gold, data)
    if not args.quiet:
        if r["versions_unmatched"]:
            print("versions not found in the alignment:", ", ".join(r["versions_unmatched"]))
        for title, key in (
            ("lost (gold content not in any content row)", "lost"),
            ("boilerplate shown as story text", "leaks"),
            ("wrong merges (share a row, gold says apart)", "wrong_merges"),
            ("missed matches (apart, gold says same row)", "missed_matches"),
        ):
            if r[key]:
                print(f"{title}: {len(r[key])}")
                for line in r[key][:40]:
                    print("   ", line)
    ok = (
        r["f1"] >= args.min_f1 and r["coverage"] >= args.min_coverage and r["leak"] <= args.max_leak
    )
    print(
        f"{gold.get('story', args.gold.stem)}: pair-F1 {r['f1']:.3f} (P {r['precision']:.3f} R {r['recall']:.3f}) "
        f"rows-exact {r['rows_exact']}/{r['rows_total']} coverage {r['coverage']:.3f} leak {r['leak']:.3f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
