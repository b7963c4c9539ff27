#!/usr/bin/env python3
"""Speed of the reader app: the app figures in the README (issue 3 "Speed", issue 6).

    python bench/bench_app.py [--runs 7] [--big] [--no-tmux]

Real terminal: `storydiff` (the console script next to this Python) runs in a detached tmux
server of its own at 120x40, TERM=xterm-256color, with PYTHONDONTWRITEBYTECODE removed from its
environment so that bytecode caches work as on a user's machine.  The pane is read with
`capture-pane` every ~5 ms through one tmux control-mode client (a capture costs ~0.1 ms, so
the polling takes no core from the program); a time is taken when the capture that first shows
a thing returns, so it errs late by at most one poll (the resolution is printed).  Measured
from spawning the program (`respawn-pane`) to: the first paint (anything drawn, colour
included), the progress screen (large stories), the reader (its header's `row 1/`).  "Cold"
is one run with an empty bytecode cache (a fresh PYTHONPYCACHEPREFIX: everything compiles);
then one untimed warm-up, then --runs timed runs.  Peak memory: VmHWM of the app process when
the reader is up (before `q`), and of the loading process it forks, sampled at every poll.
Keypresses: `j` is sent and the pane polled until the header's row counter moves: the app's
whole path, escape sequences and terminal included.

In-process: `StorydiffApp(alignment=...).run_test(size=(120, 40))`, headless.  Each key is
posted to the app as a Key event; the time runs until the reader's state has changed (the
action ran) and the screen has then been refreshed (`wait_for_refresh`: the compositor has
produced the update).  This is the app's processing of the key plus Textual's layout and
compositing, including the wait for the next frame tick (up to 1/60 s); not the encoding of
the update into escape sequences, nor the terminal.  `pilot.press` is not timed because its
idle detection sleeps at least 2 x 20 ms per key, which would measure the test harness.

Synthetic stories (storydiff.synthetic.make_story, seed 1, 50 paragraphs per version) are
written as .txt files with a manifest and loaded like a user's folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

COLS, ROWS = 120, 40
POLL = 0.005  # seconds between the starts of two captures
TIMEOUT = 60.0  # seconds before a wait gives up (and shows the screen)
ESCAPE = re.compile(r"\x1b\[[0-9;:?]*[A-Za-z]")
ROW = re.compile(r"row (\d+)/(\d+)")
PROGRESS = re.compile(r"storydiff: (loading|aligning)")
MS = 1000.0
MB = 1024.0


# ---------------------------------------------------------------------------------- results
@dataclass
class Result:
    """One line of the table: samples in seconds (or MB when ``unit`` is "MB")."""

    measure: str
    story: str
    samples: list[float]
    target: float | None = None  # same unit as the samples
    spread: str = "range"  # "range" (min-max) or "p95"
    unit: str = "ms"
    note: str = ""  # added to the spread column

    def fmt(self, x: float) -> str:
        if self.unit == "MB":
            return f"{x:.0f} MB"
        ms = x * MS
        return f"{ms:.0f} ms" if ms >= 100 else f"{ms:.1f} ms"

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def row(self) -> list[str]:
        s = self.samples
        if len(s) == 1:
            spread = "(1 run)"
        elif self.spread == "p95":
            spread = f"p95 {self.fmt(percentile(s, 95))} (n={len(s)})"
        else:
            spread = f"{self.fmt(min(s))} – {self.fmt(max(s))} (n={len(s)})"
        if self.note:
            spread = f"{spread[:-1]}; {self.note})" if spread.endswith(")") else spread
        if self.target is None:
            target = "—"
        else:
            ok = self.median <= self.target
            target = f"≤ {self.fmt(self.target)} {'✓' if ok else '✗'}"
        return [self.measure, self.story, self.fmt(self.median), spread, target]


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: an observed value, never an interpolation."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def table(results: Sequence[Result]) -> str:
    head = ["measure", "story", "median", "range / p95", "target"]
    rows = [head, ["---"] * len(head), *(r.row() for r in results)]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in rows)


def misses(results: Sequence[Result]) -> list[str]:
    out = []
    for r in results:
        if r.target is not None and r.median > r.target:
            over = r.median - r.target
            out.append(
                f"- {r.measure} ({r.story}): median {r.fmt(r.median)}, {r.fmt(over)} "
                f"({over / r.target:.0%}) over the target {r.fmt(r.target)}"
            )
    return out


# ---------------------------------------------------------------------------------- stories
def write_story(n_versions: int, where: Path) -> Path:
    """A synthetic story as a user would have it: one .txt per copy and a manifest."""
    from storydiff.synthetic import make_story

    story = make_story(n_versions, 50, seed=1)
    folder = where / f"synthetic-{n_versions}"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = [f"title = {json.dumps(f'Synthetic story, {n_versions} versions')}", ""]
    for v in story.versions:
        name = f"{v.id}.txt"
        (folder / name).write_text("\n\n".join(p.text for p in v.paragraphs) + "\n")
        manifest += [
            f"[copies.{json.dumps(name)}]",
            f"outlet = {json.dumps(v.outlet)}",
            f"badge = {json.dumps(v.badge)}",
            "",
        ]
    (folder / "storydiff.toml").write_text("\n".join(manifest))
    return folder


def storydiff_command() -> list[str]:
    script = Path(sys.executable).with_name("storydiff")
    if script.exists():
        return [str(script)]
    print(f"note: {script} not found; running the CLI through {sys.executable} -c", flush=True)
    return [sys.executable, "-c", "from storydiff.cli import run; run()"]


# ---------------------------------------------------------------------------------- tmux
@dataclass
class Pane:
    """A tmux server on its own socket with one pane of COLS x ROWS that stays open (dead)
    after its program exits, so that each run respawns the program in a ready terminal and
    times the program, not tmux's own start-up.

    Commands go through one tmux control-mode client (``tmux -C``) rather than a `tmux`
    process each: a capture then costs ~0.1 ms instead of ~2 ms of fork and exec, so polling
    every few ms does not take a core away from the program being timed (a 2-core machine
    runs the reader and its loading process at once)."""

    cols: int = COLS
    rows: int = ROWS
    socket: str = field(
        default_factory=lambda: f"storydiff-bench-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    )
    captures: list[float] = field(default_factory=list)  # how long each capture took
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="storydiff-bench-")))
    _control: subprocess.Popen[bytes] | None = None
    _socket_path: str = ""

    @property
    def status_file(self) -> Path:
        return self.folder / "status"

    def tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def __enter__(self) -> Self:
        self.tmux(
            *("new-session", "-d", "-s", "bench", "-x", str(self.cols), "-y", str(self.rows)),
            "sleep 3600",
            *(";", "set-option", "-g", "status", "off"),
            *(";", "set-option", "-g", "remain-on-exit", "on"),
            *(";", "set-option", "-g", "window-size", "manual"),
        )
        self._control = subprocess.Popen(
            ["tmux", "-L", self.socket, "-C", "attach-session", "-f", "no-output,ignore-size"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._socket_path = self.info("#{socket_path}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._control is not None:
            assert self._control.stdin is not None
            self._control.stdin.close()
            self._control.wait()
        self.tmux("kill-server", check=False)
        if self._socket_path:  # tmux leaves its socket file behind
            Path(self._socket_path).unlink(missing_ok=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def command(self, line: str) -> str:
        """Run one tmux command through the control client; its output."""
        ctl = self._control
        assert ctl is not None and ctl.stdin is not None and ctl.stdout is not None
        ctl.stdin.write(line.encode() + b"\n")
        ctl.stdin.flush()
        out: list[str] = []
        block: str | None = None  # "<time> <number>" of the reply being read
        while True:
            raw = ctl.stdout.readline()
            if not raw:
                raise RuntimeError(f"the tmux control client ended (at {line!r})")
            text = raw.decode("utf-8", "replace").rstrip("\n")
            if block is None:
                # a reply to us is flagged 1; the attach's own reply and notifications
                # (%session-changed ...) are not ours
                if text.startswith("%begin ") and text.endswith(" 1"):
                    block = text.split()[1] + " " + text.split()[2]
                    out = []
                continue
            if text in (f"%end {block} 1", f"%error {block} 1"):
                if text.startswith("%error"):
                    raise RuntimeError(f"tmux {line}: {' '.join(out)}")
                return "\n".join(out)
            out.append(text)

    def spawn(self, argv: Sequence[str], env: Mapping[str, str | None]) -> float:
        """Start ``argv`` in the pane (``env``: None removes a variable); returns the time
        just before the spawn."""
        unset = [a for k, v in env.items() if v is None for a in ("-u", k)]
        assign = [f"{k}={v}" for k, v in env.items() if v is not None]
        # the shell stays as the pane's process and writes the exit status to a file (tmux's
        # own #{pane_dead_status} is sometimes never filled in, and what the shell prints
        # last can be lost when the pane dies); a script spares quoting for tmux
        self.status_file.unlink(missing_ok=True)
        program = shlex.join(["env", *unset, *assign, *argv])
        script = self.folder / "run.sh"
        script.write_text(f"{program}\necho $? > {shlex.quote(str(self.status_file))}\n")
        t0 = time.perf_counter()
        self.command(f"respawn-pane -k -t bench 'sh {script}'")
        return t0

    def screen(self, escapes: bool = False) -> str:
        t = time.perf_counter()
        out = self.command(f"capture-pane -p {'-e ' if escapes else ''}-t bench")
        self.captures.append(time.perf_counter() - t)
        return out

    def send(self, key: str) -> None:
        self.command(f"send-keys -t bench {key}")

    def info(self, fmt: str) -> str:
        return self.command(f"display-message -p -t bench '{fmt}'").strip()

    def wait(self, seen: Callable[[str], bool], t0: float, escapes: bool = False) -> float:
        """Poll until ``seen(screen)``; seconds from ``t0`` to the capture that showed it."""
        while True:
            start = time.perf_counter()
            text = self.screen(escapes)
            now = time.perf_counter()
            if seen(text):
                return now - t0
            if now - t0 > TIMEOUT:
                self.fail(f"gave up after {TIMEOUT:.0f} s waiting", text)
            if self.exit_status():
                self.fail(f"the program ended (status {self.exit_status()})", text)
            time.sleep(max(0.0, POLL - (time.perf_counter() - start)))

    def fail(self, why: str, text: str) -> None:
        raise RuntimeError(f"{why}; the screen was:\n{ESCAPE.sub('', text)}")

    def quit(self) -> None:
        """Press q and wait for the program to end with status 0."""
        self.send("q")
        t0 = time.perf_counter()
        while not (status := self.exit_status()):
            if time.perf_counter() - t0 > TIMEOUT:
                self.fail("q did not end the program", self.screen())
            time.sleep(POLL)
        if status != "0":
            self.fail(f"the program exited with status {status}", self.screen())

    def exit_status(self) -> str:
        try:
            return self.status_file.read_text().strip()
        except FileNotFoundError:
            return ""


class Memory:
    """Peak memory of the program under the pane's shell and of any process it forks (the
    reader loads a story in a child process where it can).  VmHWM is each process's own
    high-water mark; a child that has ended can no longer be read, so children are sampled at
    every poll (their figure errs low by what they grew in their last few ms)."""

    def __init__(self, shell: str) -> None:
        self.shell = shell
        self.peaks: dict[str, float] = {}  # pid -> VmHWM in MB
        self.program = ""

    @staticmethod
    def children(pid: str) -> list[str]:
        try:
            return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []

    @staticmethod
    def hwm(pid: str) -> float | None:
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / MB
        return None

    def sample(self) -> None:
        top = self.children(self.shell)
        if not top:
            return
        self.program = top[0]
        todo = list(top)
        while todo:
            pid = todo.pop()
            todo += self.children(pid)
            mb = self.hwm(pid)
            if mb is not None:
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), mb)

    def ui(self) -> float:
        return self.peaks.get(self.program, 0.0)

    def total(self) -> float:
        """The sum of every process's peak: an upper bound of what they held at once (and
        pages a fork shares with its parent count twice)."""
        return sum(self.peaks.values())


def painted(text: str) -> bool:
    """Anything drawn: a visible character or a coloured cell (a screen's background)."""
    return bool(text.strip())


def reader_up(text: str) -> bool:
    return "row 1/" in text


def row_of(text: str) -> tuple[int, int] | None:
    m = ROW.search(text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def at_row(row: int, total: int) -> Callable[[str], bool]:
    return lambda text: row_of(text) == (row, total)


@dataclass
class Start:
    painted: float
    progress: float | None
    reader: float
    memory: Memory


def start_once(pane: Pane, argv: Sequence[str], env: Mapping[str, str | None]) -> Start:
    """One start in the pane: times to first paint, progress screen (if any) and reader."""
    t0 = pane.spawn(argv, env)
    marks: dict[str, float] = {}
    memory = Memory(pane.info("#{pane_pid}"))

    def seen(text: str) -> bool:
        memory.sample()
        plain = ESCAPE.sub("", text)
        now = time.perf_counter() - t0
        if "paint" not in marks and painted(text):
            marks["paint"] = now
        if "progress" not in marks and PROGRESS.search(plain):
            marks["progress"] = now
        return reader_up(plain)

    reader = pane.wait(seen, t0, escapes=True)
    memory.sample()
    pane.quit()
    return Start(marks.get("paint", reader), marks.get("progress"), reader, memory)


def child_env(**extra: str | None) -> dict[str, str | None]:
    return {
        "PYTHONDONTWRITEBYTECODE": None,  # caches as on a user's machine
        "PYTHONPYCACHEPREFIX": None,
        "NO_COLOR": None,
        "TEXTUAL": None,
        "TERM": "xterm-256color",
        **extra,
    }


def terminal_starts(
    pane: Pane,
    argv: Sequence[str],
    story: str,
    runs: int,
    target: float | None,
    memory_target: float | None = None,
) -> list[Result]:
    cold_cache = tempfile.mkdtemp(prefix="storydiff-bench-pyc-")
    try:
        cold = start_once(pane, argv, child_env(PYTHONPYCACHEPREFIX=cold_cache))
    finally:
        shutil.rmtree(cold_cache, ignore_errors=True)
    start_once(pane, argv, child_env())  # warm-up: writes the bytecode caches if missing
    starts = [start_once(pane, argv, child_env()) for _ in range(runs)]
    out = [
        Result("first frame, cold (empty bytecode cache)", story, [cold.reader]),
        Result("first paint (anything drawn), real terminal", story, [s.painted for s in starts]),
    ]
    progress = [s.progress for s in starts if s.progress is not None]
    if progress:
        out.append(Result("progress screen shown, real terminal", story, progress))
    out.append(
        Result(
            "first frame (reader, `row 1/`), real terminal",
            story,
            [s.reader for s in starts],
            target,
        )
    )
    out.append(
        Result("peak memory, UI process (VmHWM)", story, [s.memory.ui() for s in starts], unit="MB")
    )
    if any(len(s.memory.peaks) > 1 for s in starts):
        out.append(
            Result(
                "peak memory, UI + loader processes (sum of VmHWM)",
                story,
                [s.memory.total() for s in starts],
                unit="MB",
                target=memory_target,
            )
        )
    else:
        out[-1].target = memory_target
    return out


def terminal_keys(
    pane: Pane, argv: Sequence[str], story: str, presses: int, target: float | None
) -> Result:
    """Send `j` and time until the header's row counter has moved."""
    t0 = pane.spawn(argv, child_env())
    pane.wait(reader_up, t0)
    times: list[float] = []
    while len(times) < presses:
        now = row_of(pane.screen())
        assert now is not None
        row, total = now
        if row == total:  # at the last row `j` does nothing: back to the top, untimed
            pane.send("g")
            pane.wait(at_row(1, total), time.perf_counter())
            continue
        t = time.perf_counter()
        pane.send("j")
        times.append(pane.wait(at_row(row + 1, total), t))
    pane.quit()
    return Result("keypress `j` → header updated, real terminal", story, times, target, "p95")


# ---------------------------------------------------------------------------------- in-process
async def keys_in_process(
    path: str | None, plan: Sequence[tuple[str, int]]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Time each key of ``plan`` ((key, presses)) in the headless app on the story at path:
    to the refreshed screen, and to the end of the key's action alone."""
    from textual import events

    from storydiff.app import StorydiffApp
    from storydiff.story import load_story
    from storydiff.ui.screens.reader import ReaderScreen

    al = load_story([path] if path else [])
    app = StorydiffApp(alignment=al, colours="colour")
    chars = {"tab": "\t"}
    out: dict[str, list[float]] = {}
    actions: dict[str, list[float]] = {}
    async with app.run_test(size=(COLS, ROWS)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)

        def state() -> tuple[object, ...]:
            return (screen.pos, screen.focus_id, screen.view)

        def would_move(key: str) -> bool:
            last = len(screen.reading.rows) - 1
            if key == "j":
                return screen.pos < last
            if key == "n":
                nxt = screen.reading.next_differing(
                    screen.pos, 1, screen._compared(), screen.consensus
                )
                return nxt is not None
            return True

        async def press(key: str) -> tuple[float, float]:
            before = state()
            event = events.Key(key, chars.get(key, key))
            event.set_sender(app)
            t0 = time.perf_counter()
            app.post_message(event)
            while state() == before:  # the action has not run yet
                await asyncio.sleep(0)
                if time.perf_counter() - t0 > TIMEOUT:
                    raise RuntimeError(f"key {key!r} changed nothing")
            acted = time.perf_counter() - t0
            await screen.wait_for_refresh()
            return time.perf_counter() - t0, acted

        for key, presses in plan:
            times = out.setdefault(key, [])
            while len(times) < presses:
                if not would_move(key):
                    await pilot.press("g")  # back to the top, untimed
                    await pilot.pause()
                    continue
                frame, acted = await press(key)
                times.append(frame)
                actions.setdefault(key, []).append(acted)
                await pilot.pause()  # let any follow-up work settle, untimed
        await pilot.press("q")
    return out, actions


KEY_PLAN = (("j", 30), ("n", 30), ("tab", 6), ("v", 8))
KEY_TARGET = 0.050  # issue 3: a keypress redraws in <= 50 ms, even with 100 versions


def in_process(path: str | None, story: str, target: float | None) -> list[Result]:
    frames, actions = asyncio.run(keys_in_process(path, KEY_PLAN))
    return [
        Result(
            f"keypress `{k}` → frame, in-process headless",
            story,
            t,
            target,
            "p95",
            note=f"the action alone: median {statistics.median(actions[k]) * MS:.1f} ms",
        )
        for k, t in frames.items()
    ]


# ---------------------------------------------------------------------------------- main
def machine(load_before: float) -> str:
    """What the figures depend on; other work on the machine inflates them all."""
    from importlib.metadata import version

    py = ".".join(map(str, sys.version_info[:3]))
    return (
        f"Machine: {os.cpu_count()} CPUs, load average {load_before:.2f} before and "
        f"{os.getloadavg()[0]:.2f} after; Python {py}, Textual {version('textual')}."
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7, help="timed starts per story (default 7)")
    ap.add_argument("--big", action="store_true", help="also a story of 500 versions")
    ap.add_argument("--no-tmux", action="store_true", help="skip the real-terminal measures")
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    use_tmux = not args.no_tmux
    if use_tmux and shutil.which("tmux") is None:
        print("tmux not found: skipping the real-terminal measures (apt-get install tmux)")
        use_tmux = False
    sizes = [100, 500] if args.big else [100]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="storydiff-bench-") as tmp:
        folders = {n: write_story(n, Path(tmp)) for n in sizes}
        argv = storydiff_command()
        demo = "demo (5 versions)"
        if use_tmux:
            with Pane() as pane:
                print(f"real terminal: demo, {args.runs} runs …", flush=True)
                results += terminal_starts(pane, argv, demo, args.runs, 0.350)
                results.append(terminal_keys(pane, argv, demo, 20, KEY_TARGET))
                for n, folder in folders.items():
                    runs = args.runs if n <= 100 else max(1, args.runs // 3)
                    print(f"real terminal: {n} versions, {runs} runs …", flush=True)
                    story = f"synthetic, {n} versions"
                    big = n > 100  # the issues set the app's targets up to 100 versions
                    results += terminal_starts(
                        pane,
                        [*argv, str(folder)],
                        story,
                        runs,
                        None if big else 1.0,
                        None if big else 300.0,
                    )
                    keys = None if big else KEY_TARGET
                    results.append(terminal_keys(pane, [*argv, str(folder)], story, 20, keys))
                resolution = statistics.median(pane.captures) + POLL
        print("in-process keypresses: demo …", flush=True)
        results += in_process(None, demo, KEY_TARGET)
        for n, folder in folders.items():
            print(f"in-process keypresses: {n} versions …", flush=True)
            keys = None if n > 100 else KEY_TARGET
            results += in_process(str(folder), f"synthetic, {n} versions", keys)
    order: dict[str, int] = {}
    for i, r in enumerate(results):
        order.setdefault(r.story, i)
    results.sort(key=lambda r: order[r.story])
    print()
    print(table(results))
    print()
    if use_tmux:
        print(
            f"Real terminal: tmux {COLS}x{ROWS}, TERM=xterm-256color; a capture every "
            f"~{resolution * MS:.0f} ms (times err late by at most that); medians of "
            f"{args.runs} runs after a cold and a warm-up run."
        )
    print(
        f"In-process: headless run_test at {COLS}x{ROWS}; key posted → action done → "
        "screen refreshed (layout + compositor, incl. the wait for the next 1/60 s tick)."
    )
    print(machine(load_before))
    missed = misses(results)
    if missed:
        print("\nTargets missed:")
        print("\n".join(missed))


if __name__ == "__main__":
    main()
