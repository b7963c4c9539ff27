"""Reviewing in a real terminal: marks, a flag and a note typed through tmux survive quitting
and starting again, ``storydiff review --json`` lists them, and killing the app with SIGKILL
while it saves never leaves a review file that does not parse."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from storydiff.review import parse
from storydiff.review.store import SIDECAR_DIR, SIDECAR_NAME
from terminal import Terminal, tmux_missing

STORYDIFF = Path(sys.executable).parent / "storydiff"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
STARTUP = 20.0
STEP = 5.0
APP_ENV: dict[str, str | None] = {"NO_COLOR": None, "COLORTERM": None}
ROW = re.compile(r"\brow (\d+)/(\d+)")

pytestmark = pytest.mark.skipif(
    tmux_missing() is not None or not STORYDIFF.exists(),
    reason=tmux_missing() or f"no storydiff console script next to {sys.executable}",
)


def row_of(screen: str) -> int:
    found = ROW.search(screen)
    assert found, screen
    return int(found.group(1))


def review_json(folder: Path) -> dict[str, Any]:
    out = subprocess.run(
        [str(STORYDIFF), "review", "--json", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    data = json.loads(out.stdout)
    assert isinstance(data, dict)
    return data


def wait_row(t: Terminal, n: int) -> str:
    return t.wait_for(lambda s: ROW.search(s) and row_of(s) == n, timeout=STEP, what=f"row {n}")


def test_marks_flags_and_notes_survive_a_restart(story: Path) -> None:
    with Terminal([str(STORYDIFF), str(story)], cols=80, rows=24, env=APP_ENV) as t:
        t.wait_for(ROW.search, timeout=STARTUP, what="the reader")
        t.send("Space")
        t.wait_for("1/27", timeout=STEP)
        t.send("j")
        wait_row(t, 2)
        t.send("!")
        t.wait_for(lambda s: "1 flagged" in s or "1 ⚑" in s, timeout=STEP, what="the flag")
        t.send("a")
        t.wait_for("Enter save", timeout=STEP)
        t.type_text("quote cut [bold]")
        t.wait_for("▊ quote cut [bold]", timeout=STEP)
        t.send("Enter")
        t.wait_for("✎ quote cut [bold]", timeout=STEP)
        t.send("j", "j")
        wait_row(t, 4)
        t.send("Space")
        t.wait_for("2/27", timeout=STEP)
        t.send("q")
        assert t.wait_exit(timeout=STEP) == 0

    with Terminal([str(STORYDIFF), str(story)], cols=80, rows=24, env=APP_ENV) as t:
        screen = t.wait_for(ROW.search, timeout=STARTUP, what="the reader")
        assert "2/27" in screen
        assert re.search(r"1 (flagged|⚑)", screen), screen
        t.send("j")
        screen = wait_row(t, 2)
        assert "✎ quote cut [bold]" in screen and "⚑ flagged" in screen
        t.send("q")
        assert t.wait_exit(timeout=STEP) == 0

    data = review_json(story)
    got = {r["row"]: (r["reviewed"], r["flagged"], r["note"]) for r in data["rows"]}
    assert got == {1: (True, False, ""), 2: (False, True, "quote cut [bold]"), 4: (True, False, "")}
    assert data["counts"] == {
        "rows": 27,
        "reviewed": 2,
        "flagged": 1,
        "notes": 1,
        "orphans": 0,
    }


LAUNCH = """
import os, sys
with open(sys.argv[1], "w") as fh:
    fh.write(str(os.getpid()))
os.execv(sys.argv[2], sys.argv[2:])
"""


def test_sigkill_while_saving_never_breaks_the_review(story: Path, tmp_path: Path) -> None:
    """The app toggles marks as fast as keys arrive (each toggle a save) and is killed at a
    random moment; every time, the review file parses and holds whole entries."""
    rng = random.Random(7)
    pidfile = tmp_path / "pid"
    path = story / SIDECAR_DIR / SIDECAR_NAME
    for round_ in range(4):
        command = [sys.executable, "-c", LAUNCH, str(pidfile), str(STORYDIFF), str(story)]
        with Terminal(command, cols=100, rows=30, env=APP_ENV) as t:
            t.wait_for(ROW.search, timeout=STARTUP, what="the reader")
            keys = [k for _ in range(15) for k in ("Space", "!", "j")]
            t.send(*keys)
            time.sleep(rng.uniform(0.0, 0.25))
            pid = int(pidfile.read_text())
            os.kill(pid, signal.SIGKILL)
            # the shell reaps it; its "[exit 137]" lands amid the app's last frame
            t.wait_for(lambda s: "[exit 137]" in s, timeout=STEP, what="the kill")
        assert path.exists(), f"round {round_}: nothing saved"
        entries = parse(path.read_bytes())  # raises if the file is broken
        assert all(e.fingerprints and e.text for e in entries)
        leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
        # at most the write each kill interrupted (removed once they are old: see store)
        assert len(leftovers) <= round_ + 1, leftovers
