#!/usr/bin/env python3
"""Speed at scale: storydiff against CollateX on many versions of one story.

    python bench/bench_scale.py [--sizes 5,25,100,500] [--runs 5] [--timeout 60]

For each size, a synthetic story (``storydiff.synthetic.make_story``: a base text of 50
paragraphs and N versions made from it by cuts from the bottom, dropped and moved paragraphs,
splits, merges, copy-edits, rewrites, local additions and boilerplate; fixed seed) is written
as N text files, and:

* **storydiff, in-process**: ``load_story`` on the folder (load + clean + align + diff), the
  median of ``--runs`` runs with every per-text cache cleared before each, in a child process
  of its own so that its **peak memory** (VmHWM) is the story's alone;
* **storydiff, whole process**: ``storydiff align FOLDER --json`` from start to exit;
* **pair-F1** of that process's rows (the files loaded, cleaned of their boilerplate and
  aligned, as a user's would be) against the planted rows (the generator knows which
  paragraph came from which), so speed is never bought with accuracy;
* **per version**: the median divided by the number of versions (roughly constant: the
  aligner matches each copy against rows through an index, never all pairs);
* **CollateX** (the reference collator) on the same versions, each paragraph one token with
  near matching, in its own interpreter (``bench/peer_collatex.py``): its time, its pair-F1
  and the ratio to storydiff's in-process time.  A peer run still going after ``--timeout``
  seconds is stopped and said so; the larger sizes are then not tried.

The peer lives in a virtual environment of its own::

    python3 -m venv .peer && .peer/bin/pip install collatex python-levenshtein
    STORYDIFF_PEER_PYTHON=.peer/bin/python python bench/bench_scale.py

Without it the table says "not installed" in the peer's columns.  The README keeps the latest
table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

PARAGRAPHS = 50
SEED = 1


@dataclass(frozen=True, slots=True)
class Ours:
    median: float  # seconds, load + clean + align + diff
    low: float
    peak_mb: float
    whole: float  # seconds, `storydiff align --json`
    f1: float


def write_story(n: int, folder: Path) -> None:
    """The synthetic story of ``n`` versions as one text file per version."""
    from storydiff.synthetic import make_story

    story = make_story(n, PARAGRAPHS, seed=SEED)
    for v in story.versions:
        text = "\n\n".join(p.text for p in v.paragraphs) + "\n"
        (folder / f"{v.id}.txt").write_text(text, encoding="utf-8")


def child(folder: str, runs: int) -> None:
    """Time ``load_story`` on the folder and print the times and this process's peak."""
    from bench_seeds import clear_caches

    from storydiff.story import load_story

    load_story([folder])  # imports, compiled patterns: once per process, not timed
    times = []
    for _ in range(runs):
        clear_caches()
        t = time.perf_counter()
        load_story([folder])
        times.append(time.perf_counter() - t)
    peak_kb = 0
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak_kb = int(line.split()[1])
    print(json.dumps({"times": times, "peak_kb": peak_kb}))


def ours(n: int, folder: Path, runs: int) -> Ours:
    from storydiff.synthetic import make_story

    out = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), "--runs", str(runs)],
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    cmd = [sys.executable, "-c", "from storydiff.cli import run; run()", "align", str(folder)]
    whole = []
    result = b""
    for _ in range(max(1, min(runs, 3))):
        t = time.perf_counter()
        result = subprocess.run([*cmd, "--json"], check=True, capture_output=True).stdout
        whole.append(time.perf_counter() - t)
    story = make_story(n, PARAGRAPHS, seed=SEED)
    times = data["times"]
    return Ours(
        statistics.median(times),
        min(times),
        data["peak_kb"] / 1024,
        statistics.median(whole),
        score_output(story.truth, json.loads(result)),
    )


def score_output(truth: dict[tuple[str, int, int], int], data: dict[str, Any]) -> float:
    """Pair-F1 of ``storydiff align --json`` output (the files loaded, cleaned and aligned as
    a user's would be) against the planted rows.  A copy's file is named after its planted
    id, and a paragraph's index is its block's place in the file, as in the generator."""
    from storydiff.synthetic import planted_f1

    vid = {v["id"]: Path(v["source"]).stem for v in data["versions"]}
    rows = [
        [
            (vid[v], p["index"], p.get("part", 0))
            for v, cell in row["cells"].items()
            for p in cell["paragraphs"]
        ]
        for row in data["rows"]
    ]
    return planted_f1(truth, rows)


def peer(n: int, timeout: float) -> tuple[str, float | None, float | None]:
    """CollateX on the same versions: (what happened, seconds, pair-F1)."""
    from peer_collatex import planted_score, run_peer

    from storydiff.synthetic import make_story

    story = make_story(n, PARAGRAPHS, seed=SEED)
    res = run_peer([(v.id, [p.text for p in v.paragraphs]) for v in story.versions], timeout)
    if not res.ok:
        return res.status, None, None
    return "ok", res.seconds, planted_score(story.truth, res.groups)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sizes", default="5,25,100,500")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds for a peer run")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.runs)
        return
    print(
        f"synthetic stories, {PARAGRAPHS} paragraphs per version, seed {SEED}; "
        f"storydiff medians of {args.runs} runs"
    )
    print(
        "| versions | storydiff load+align+diff | per version | peak memory "
        "| `align --json` process | pair-F1 | CollateX | CollateX pair-F1 | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    peer_on = True
    missed: list[str] = []
    for n in [int(x) for x in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_story(n, folder)
            o = ours(n, folder, args.runs if n < 500 else max(3, args.runs // 2))
        status, secs, pf1 = peer(n, args.timeout) if peer_on else ("not run", None, None)
        times: float | None = None  # how many times faster than the peer (at least)
        if status == "timeout":
            peer_on = False  # a bigger story would take longer still
            times = args.timeout / o.median
            theirs, ratio, their_f1 = f"> {args.timeout:g} s (stopped)", f"> {times:.0f}x", "–"
        elif secs is None:
            theirs, ratio, their_f1 = status, "", "–"
        else:
            times = secs / o.median
            theirs, ratio = f"{secs:.2f} s", f"{times:.1f}x"
            their_f1 = f"{pf1:.3f}"
        print(
            f"| {n} | {o.median * 1000:.0f} ms (min {o.low * 1000:.0f}) "
            f"| {o.median * 1000 / n:.1f} ms | {o.peak_mb:.0f} MB "
            f"| {o.whole * 1000:.0f} ms | {o.f1:.3f} | {theirs} | {their_f1} | {ratio} |",
            flush=True,
        )
        missed += _missed(n, o, times)
        if times is None:
            missed.append(f"{n} versions: CollateX {status}, so no ratio (see the docstring)")
    print("Targets (issue 6): " + ("all met" if not missed else "missed:"))
    for line in missed:
        print(f"- {line}")


# Issue 6's targets: (versions -> seconds) for load + align + diff, the peak at 500, the
# planted-structure bar, and how far ahead of the peer.
TIME_TARGETS = {100: 0.75, 500: 5.0}
PEAK_TARGET_MB = {500: 250.0}
F1_TARGET = 0.95
RATIO_TARGETS = {100: 10.0}


def _missed(n: int, o: Ours, times: float | None) -> list[str]:
    out = []
    if n in TIME_TARGETS and o.median > TIME_TARGETS[n]:
        out.append(f"{n} versions: {o.median:.2f} s, target {TIME_TARGETS[n]:g} s")
    if n in PEAK_TARGET_MB and o.peak_mb > PEAK_TARGET_MB[n]:
        out.append(f"{n} versions: peak {o.peak_mb:.0f} MB, target {PEAK_TARGET_MB[n]:g} MB")
    if o.f1 < F1_TARGET:
        out.append(f"{n} versions: pair-F1 {o.f1:.3f}, target {F1_TARGET}")
    if times is not None and times <= RATIO_TARGETS.get(n, 1.0):
        out.append(f"{n} versions: {times:.1f}x CollateX, target > {RATIO_TARGETS.get(n, 1.0):g}x")
    return out


if __name__ == "__main__":
    main()
