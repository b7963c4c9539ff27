#!/usr/bin/env python3
"""Speed on the demo story: the numbers in the README.

    python bench/bench_seeds.py [--runs 30] [--synthetic 5,25,100]

In-process: load + clean + align + diff of the five seed copies, median over runs, with the
per-text caches (tokens, keys, stems) cleared before each run so that every run does all the
work; the once-per-process costs (imports, compiling the chrome patterns) are paid before the
first timed run and shown separately.  Whole process: `storydiff align seeds --json` from
start to exit, median over runs.  --synthetic also aligns generated stories of N versions x 50
paragraphs (storydiff.synthetic, fixed seed) and scores them against their planted rows.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def clear_caches() -> None:
    """Forget every per-text result, so that a timed run redoes all the work."""
    from storydiff import build, features, textnorm
    from storydiff.cleaning import signals

    for fn in (
        textnorm.tokenize,
        textnorm.match_key,
        features.stem,
        features.content_stems,
        signals.text_facts,
        build._same,
    ):
        fn.cache_clear()
    features.TERMS.clear()


def in_process(runs: int) -> tuple[float, list[float], dict[str, float]]:
    t0 = time.perf_counter()
    from storydiff.story import load_story

    load_story([str(SEEDS)])  # first run: imports, regex compilation, data files
    first = time.perf_counter() - t0
    times = []
    stages: dict[str, list[float]] = {}
    for _ in range(runs):
        clear_caches()
        t = time.perf_counter()
        al = load_story([str(SEEDS)])
        times.append(time.perf_counter() - t)
        for k, v in al.timings.items():
            stages.setdefault(k, []).append(v)
    return first, times, {k: statistics.median(v) for k, v in stages.items()}


def whole_process(runs: int) -> list[float]:
    cmd = [
        sys.executable,
        "-c",
        "from storydiff.cli import run; run()",
        "align",
        str(SEEDS),
        "--json",
    ]
    subprocess.run(cmd, check=True, capture_output=True)  # warm the OS file cache
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return times


def synthetic(sizes: list[int], runs: int) -> None:
    from storydiff.build import build_alignment
    from storydiff.synthetic import make_story, planted_f1

    print("synthetic stories, 50 paragraphs per version (align + diff, in-process)")
    for n in sizes:
        story = make_story(n, 50, seed=1)
        times = []
        for _ in range(max(1, runs // max(1, n // 5))):
            clear_caches()
            t = time.perf_counter()
            al = build_alignment(story.versions)
            times.append(time.perf_counter() - t)
        rows = [
            [(vid, p.index, p.part) for vid, c in r.cells.items() for p in c.paragraphs]
            for r in al.rows
        ]
        f1 = planted_f1(story.truth, rows)
        print(
            f"  {n:4d} versions  {statistics.median(times) * 1000:8.1f} ms   "
            f"planted-row pair-F1 {f1:.3f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--synthetic", default="", help="comma-separated version counts")
    args = ap.parse_args()
    first, times, stages = in_process(args.runs)
    proc = whole_process(args.runs)
    ms = 1000.0
    print(f"seeds: 5 copies, median of {args.runs} runs")
    print(
        f"  in-process load+clean+align+diff  {statistics.median(times) * ms:6.1f} ms"
        f"  (min {min(times) * ms:.1f}, first run in a fresh process {first * ms:.1f})"
    )
    print("    stages: " + ", ".join(f"{k} {v * ms:.1f} ms" for k, v in stages.items()))
    print(
        f"  whole process `storydiff align seeds --json`  {statistics.median(proc) * ms:6.1f} ms"
        f"  (min {min(proc) * ms:.1f})"
    )
    if args.synthetic:
        synthetic([int(x) for x in args.synthetic.split(",")], args.runs)


if __name__ == "__main__":
    main()
