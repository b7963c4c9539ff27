#!/usr/bin/env python3
"""The peer side of the speed benchmark: CollateX collating the same stories at paragraph level.

CollateX is the reference tool for collating many witnesses, so it is the tool storydiff is timed
against.  It lives in its own venv, because it drags in networkx, prettytable and Levenshtein,
none of which storydiff needs::

    python3 -m venv .peer
    .peer/bin/pip install collatex python-levenshtein

On Python 3.11 that installs collatex 2.3 (built from its sdist; the last release, 2019),
networkx 3.6.1, prettytable 3.18.0, python-Levenshtein 0.27.5 (a shim over Levenshtein 0.27.5,
which pulls rapidfuzz 3.14.6) and wcwidth.  It imports and runs with no workaround.
python-Levenshtein is not a declared dependency but is required: ``collatex.core_functions``
imports the near-matching module, which imports ``Levenshtein``, so without it
``import collatex`` itself fails.

Three ways in:

* **The peer script**, run with the peer venv's python::

      .peer/bin/python bench/peer_collatex.py INPUT.json [--no-near-match]

  INPUT.json holds ``{"versions": [{"id": ..., "paragraphs": [str, ...]}, ...]}``.  It prints
  one JSON line: ``{"seconds", "rows", "groups", "dropped", "max_rss_mb", "peer"}``, where
  ``seconds`` times the ``collate`` call alone (not the interpreter start or the collatex
  import), ``rows`` is the number of columns of the alignment table and ``groups`` lists, per
  column, the ``[version_id, paragraph_index]`` it holds.  ``dropped`` counts input paragraphs
  missing from the table (see below).  A missing collatex prints ``{"status": "not installed",
  "message": ...}`` and exits with status 3.

* **run_peer**, importable from storydiff's venv (the module imports only the standard library;
  collatex is imported inside the function that runs in the peer)::

      from peer_collatex import run_peer        # with bench/ on sys.path
      res = run_peer([("v000", ["para", ...]), ("v001", [...])], timeout=60.0)
      if res.ok:
          res.seconds, res.rows, res.groups     # groups: tuple of ((version_id, index), ...)
      else:
          res.status, res.message                # "timeout" / "not installed" / "failed"

  It writes the input to a temporary file, runs the peer script in a subprocess and kills it
  after ``timeout`` seconds (the result then says "timed out after 60 s").  The peer python is
  ``python=`` or ``$STORYDIFF_PEER_PYTHON`` or ``.peer/bin/python``.  It never
  raises for a missing or broken peer: it returns a result whose status says what went wrong.

* **The measurement**, run with storydiff's venv::

      /work/venv/bin/python bench/peer_collatex.py --measure 5,25,100,500 [--seed 1] [--body-only]

  Collates ``storydiff.synthetic.make_story(n, 50, seed)`` for each size and scores the columns
  against the planted rows with ``storydiff.synthetic.planted_f1`` (the pair-F1 that
  ``bench_seeds.py --synthetic`` reports for storydiff).  A size that times out stops the
  larger ones.  ``--body-only`` leaves out the planted boilerplate paragraphs (storydiff gets
  them, labelled; CollateX has no notion of them, so both inputs are worth a look).

The call, per version one witness whose tokens are its paragraphs::

    collate({"witnesses": [{"id": vid, "tokens": [{"t": text, "n": norm, "i": index}, ...]}]},
            output="table", near_match=True, segmentation=False)

``n`` (casefolded words joined by single spaces) is what CollateX matches on; ``i`` is carried
through untouched in ``token_data`` so the columns can be mapped back to paragraph indices.

How CollateX works here, and where it falls short (collatex 2.3 source):

* The default aligner (``EditGraphAligner``) adds one witness at a time to a variant graph and
  matches tokens by *exact* equality of ``n``: a paragraph with one word changed is a different
  token.  Near matching is a post-pass (``near_matching.perform_near_match``) that can only
  push a vertex forward into the gap before its successor, next to the most similar vertex
  there by ``Levenshtein.ratio``, and recomputes the whole graph ranking after every move.  Order is
  kept throughout, so a moved paragraph can never rejoin its row.
* ``AlignmentTable`` keeps one token list per witness and column (``Column.put`` overwrites), so
  when near matching puts two vertices of one witness at the same rank, one of them is silently
  lost.  Those paragraphs are counted in ``dropped`` and score as rows of their own.
* ``astar=True`` (``ExperimentalAstarAligner``) is broken through ``collate`` in 2.3: it raises
  ``TypeError: ExperimentalAstarAligner.collate() missing 1 required positional argument``, so
  only the default aligner is offered here.

Measured on this machine (2 cores, Python 3.11, collatex 2.3, seed 1, 50 paragraphs per version,
timeout 60 s; ``--measure 5,25,100,500``).  Seconds are the collate() call; the subprocess adds
~0.25 s (interpreter, imports).  Peak memory stays small (41-53 MB, 105 MB at 500 exact).

    input            versions  near match: s   F1     dropped   exact only: s   F1
    all paragraphs          5           0.05  0.908         0            0.04  0.875
                           25           1.3   0.868         2            0.30  0.678
                          100          32     0.802        58            2.5   0.572
                          500     timed out (60 s)                      47     0.436
    body only               5           0.04  0.892         0
                           25           1.15  0.880         2
                          100          23     0.832        69
                          500     timed out (60 s)

Near matching is what costs: at 100 versions the aligner takes ~2.8 s and the near-match pass
~23 s, because it re-ranks the whole graph after each of its ~1,400 moves.  Without it, the
scores fall fast as versions grow (copy-edited paragraphs never match exactly).  For scale,
``bench_seeds.py --synthetic`` gives storydiff 16 ms / 113 ms / 0.58 s / 4.0 s at the same sizes
with pair-F1 1.000 / 0.999 / 0.999 / 0.985.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

DEFAULT_PYTHON = str(Path(__file__).resolve().parents[1] / ".peer" / "bin" / "python")
SCRIPT = Path(__file__).resolve()
NOT_INSTALLED_EXIT = 3
_WORD = re.compile(r"\w+")

Status = Literal["ok", "timeout", "not installed", "failed"]
Member = tuple[str, int]


@dataclass(frozen=True, slots=True)
class PeerResult:
    """What one peer run gave: the columns, or why there are none."""

    status: Status
    message: str = ""
    seconds: float | None = None  # the collate() call alone, timed inside the peer
    wall_seconds: float = 0.0  # subprocess start to exit, interpreter and imports included
    rows: int = 0
    groups: tuple[tuple[Member, ...], ...] = ()
    dropped: int = 0  # input paragraphs CollateX left out of its table
    max_rss_mb: float | None = None
    peer: str = ""  # "collatex 2.3"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# --- the peer process (runs in the CollateX venv) ---------------------------------------------


def normalise(text: str) -> str:
    """The form CollateX compares: casefolded words, so spacing and punctuation do not count."""
    return " ".join(_WORD.findall(text.casefold()))


def collate_versions(
    versions: Sequence[dict[str, Any]], *, near_match: bool = True
) -> dict[str, Any]:
    """Collate with one token per paragraph; return the JSON-ready answer of the peer script."""
    from importlib.metadata import version

    from collatex import collate  # type: ignore[import-not-found, unused-ignore]

    witnesses = [
        {
            "id": str(v["id"]),
            "tokens": [
                {"t": text, "n": normalise(text), "i": i} for i, text in enumerate(v["paragraphs"])
            ],
        }
        for v in versions
    ]
    order = {w["id"]: k for k, w in enumerate(witnesses)}
    t0 = time.perf_counter()
    table = collate(
        {"witnesses": witnesses},
        output="table",
        near_match=near_match,
        segmentation=False,
    )
    seconds = time.perf_counter() - t0
    groups: list[list[tuple[str, int]]] = []
    for column in table.columns:
        members = [
            (str(sigil), int(token.token_data["i"]))
            for sigil, tokens in column.tokens_per_witness.items()
            for token in tokens
        ]
        members.sort(key=lambda m: (order[m[0]], m[1]))
        groups.append(members)
    given = sum(len(w["tokens"]) for w in witnesses)
    return {
        "seconds": seconds,
        "rows": len(groups),
        "groups": groups,
        "dropped": given - sum(len(g) for g in groups),
        "max_rss_mb": _max_rss_mb(),
        "peer": f"collatex {version('collatex')}",
    }


def _max_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return round(kb / 1024, 1)


def peer_main(path: str, near_match: bool) -> int:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    try:
        answer = collate_versions(data["versions"], near_match=near_match)
    except ImportError as exc:
        message = f"{exc} (python {sys.executable})"
        print(json.dumps({"status": "not installed", "message": message}))
        return NOT_INSTALLED_EXIT
    print(json.dumps(answer, ensure_ascii=False))
    return 0


# --- the caller's side (runs in storydiff's venv) ---------------------------------------------


def run_peer(
    versions: Sequence[tuple[str, Sequence[str]]],
    timeout: float = 60.0,
    python: str | None = None,
    *,
    near_match: bool = True,
) -> PeerResult:
    """Collate ``(version_id, paragraphs)`` pairs with CollateX in the peer venv; never raise.

    The peer is killed after ``timeout`` seconds of wall time.  A missing interpreter or a
    missing collatex gives status "not installed"; any other failure, status "failed" with the
    last line the peer wrote to stderr.
    """
    python = python or os.environ.get("STORYDIFF_PEER_PYTHON") or DEFAULT_PYTHON
    if not Path(python).exists():
        return PeerResult(
            "not installed",
            f"no peer python at {python} (python3 -m venv .peer && "
            ".peer/bin/pip install collatex python-levenshtein, "
            "or set STORYDIFF_PEER_PYTHON)",
        )
    payload = {"versions": [{"id": vid, "paragraphs": list(ps)} for vid, ps in versions]}
    with tempfile.TemporaryDirectory(prefix="storydiff-peer-") as tmp:
        path = Path(tmp) / "input.json"
        path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        cmd = [python, str(SCRIPT), str(path)]
        if not near_match:
            cmd.append("--no-near-match")
        t0 = time.perf_counter()
        try:
            # on timeout, subprocess.run kills the child and waits for it before raising
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            wall = time.perf_counter() - t0
            return PeerResult("timeout", f"timed out after {timeout:g} s", wall_seconds=wall)
        except OSError as exc:
            return PeerResult("not installed", f"cannot run {python}: {exc}")
        wall = time.perf_counter() - t0
    return _parse(proc, wall)


def _parse(proc: subprocess.CompletedProcess[str], wall: float) -> PeerResult:
    lines = proc.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        answer = {}
    if proc.returncode == NOT_INSTALLED_EXIT and answer.get("status") == "not installed":
        return PeerResult("not installed", str(answer.get("message", "")), wall_seconds=wall)
    if proc.returncode != 0 or "groups" not in answer:
        err = proc.stderr.strip().splitlines()
        why = err[-1] if err else f"exit status {proc.returncode}, no answer"
        return PeerResult("failed", why, wall_seconds=wall)
    groups = tuple(tuple((str(v), int(i)) for v, i in g) for g in answer["groups"])
    return PeerResult(
        "ok",
        seconds=float(answer["seconds"]),
        wall_seconds=wall,
        rows=int(answer["rows"]),
        groups=groups,
        dropped=int(answer.get("dropped", 0)),
        max_rss_mb=answer.get("max_rss_mb"),
        peer=str(answer.get("peer", "")),
    )


def planted_score(
    truth: dict[tuple[str, int, int], int], groups: Sequence[Sequence[Member]]
) -> float:
    """Pair-F1 of the peer's columns against a synthetic story's planted rows."""
    from storydiff.synthetic import planted_f1

    return planted_f1(truth, [[(vid, i, 0) for vid, i in g] for g in groups])


def measure(sizes: Sequence[int], seed: int, timeout: float, body_only: bool) -> None:
    """Time the peer on synthetic stories and score it, as bench_seeds does for storydiff."""
    from storydiff.model import Kind
    from storydiff.synthetic import make_story

    what = "body paragraphs only" if body_only else "all paragraphs, boilerplate included"
    print(f"CollateX, paragraph tokens, near matching; 50 paragraphs per version, seed {seed}")
    print(f"  input: {what}; timeout {timeout:g} s")
    for n in sizes:
        story = make_story(n, 50, seed=seed)
        # each version's paragraphs as given to the peer; their own indices, for the truth
        kept = {
            v.id: [p for p in v.paragraphs if not body_only or p.kind is Kind.BODY]
            for v in story.versions
        }
        res = run_peer([(vid, [p.text for p in ps]) for vid, ps in kept.items()], timeout)
        if not res.ok:
            print(f"  {n:4d} versions  {res.status}: {res.message}")
            if res.status == "timeout":
                print("  (larger sizes skipped)")
            break
        groups = [[(v, kept[v][i].index) for v, i in g] for g in res.groups]
        f1 = planted_score(story.truth, groups)
        print(
            f"  {n:4d} versions  collate {res.seconds or 0.0:8.2f} s"
            f"  wall {res.wall_seconds:7.2f} s"
            f"  rows {res.rows:5d}  dropped {res.dropped:3d}  pair-F1 {f1:.3f}"
            f"  peak {res.max_rss_mb} MB  ({res.peer})"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("input", nargs="?", help="INPUT.json to collate (in the peer venv)")
    ap.add_argument("--no-near-match", action="store_true", help="exact token matches only")
    ap.add_argument("--measure", default="", help="comma-separated version counts (storydiff venv)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--body-only", action="store_true", help="leave boilerplate out (--measure)")
    args = ap.parse_args()
    if args.measure:
        measure([int(x) for x in args.measure.split(",")], args.seed, args.timeout, args.body_only)
        return 0
    if not args.input:
        ap.error("give INPUT.json, or --measure SIZES")
    return peer_main(args.input, not args.no_near_match)


if __name__ == "__main__":
    sys.exit(main())
