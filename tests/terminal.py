"""A program in a real terminal: tmux runs it in a detached pane, tests type at it and read
the screen it draws.

Pilot tests drive the app inside Textual's own headless driver; these go through a real
terminal (and, with ``ssh -t``, through a second one), which is where escape handling, key
decoding, SIGWINCH and colour downgrades live. Every wait polls the screen instead of sleeping
for a fixed time, so a quick program makes a quick test and a slow one only costs its timeout.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

POLL = 0.05
"""Seconds between two looks at the screen."""

EXIT_LINE = re.compile(r"^\[exit (\d+)\]$", re.MULTILINE)
"""What the wrapper prints once the program has ended; the program's own screen is gone by
then (a full-screen app leaves the alternate screen), so the line is unambiguous enough."""


def tmux_missing() -> str | None:
    """Why the real-terminal tests cannot run here, or None when they can."""
    if shutil.which("tmux") is None:
        return "tmux is not installed (apt-get install tmux; .ci/run installs it)"
    return None


class TerminalTimeout(AssertionError):
    """A wait ran out. An AssertionError, so pytest shows it as a failed expectation, with the
    screen as the user would have seen it in the message."""


@dataclass
class Terminal:
    """One program in a tmux server of its own (its own socket, so nothing is shared with the
    developer's tmux or with other tests), in a pane of ``cols`` x ``rows``.

    ``env`` adds variables to the program's environment; a value of None removes one (so
    ``{"NO_COLOR": None}`` guarantees colour is not suppressed). ``term`` is the TERM the
    program sees, whatever tmux itself would advertise.
    """

    command: Sequence[str]
    cols: int = 80
    rows: int = 24
    term: str = "xterm"
    env: Mapping[str, str | None] = field(default_factory=dict)
    cwd: Path | None = None
    _dir: Path = field(init=False)
    _socket: str = field(init=False)
    _started: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="storydiff-tmux-"))
        self._socket = f"storydiff-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        unset = [arg for name, value in self.env.items() if value is None for arg in ("-u", name)]
        assign = [f"{name}={value}" for name, value in self.env.items() if value is not None]
        program = shlex.join(["env", *unset, f"TERM={self.term}", *assign, *self.command])
        # The shell keeps the pane open after the program ends so its status can be read.
        wrapped = f'{program}; echo "[exit $?]"; sleep 600'
        # Options go in the same tmux invocation as the session, so they are set before the
        # program has started (a status line would steal a row, then give it back).
        self._tmux(
            *("new-session", "-d", "-s", "main", "-x", str(self.cols), "-y", str(self.rows)),
            *(("-c", str(self.cwd)) if self.cwd else ()),
            wrapped,
            *(";", "set-option", "-g", "status", "off"),
            *(";", "set-option", "-g", "window-size", "manual"),
            *(";", "set-option", "-g", "aggressive-resize", "on"),
        )
        self._started = True
        return self

    def close(self) -> None:
        """Kill the server (and so the program, with SIGHUP) and remove its socket."""
        if self._started:
            self._tmux("kill-server", check=False)
            self._started = False
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- input ----------------------------------------------------------------------------

    def send(self, *keys: str) -> None:
        """Press keys, named as tmux send-keys names them: ``j``, ``?``, ``Escape``,
        ``Enter``, ``Down``, ``C-c``. Each key is one argument."""
        self._tmux("send-keys", "-t", "main", *keys)

    def type_text(self, text: str) -> None:
        """Type ``text`` literally (no key-name lookup)."""
        self._tmux("send-keys", "-t", "main", "-l", text)

    def resize(self, cols: int, rows: int) -> None:
        """Resize the window as a user dragging the terminal would (the program gets
        SIGWINCH), and wait until tmux reports the new size."""
        self._tmux("resize-window", "-t", "main", "-x", str(cols), "-y", str(rows))
        self.cols, self.rows = cols, rows
        self.wait_for(lambda _: self.size() == (cols, rows), timeout=2, what=f"{cols}x{rows}")

    # -- output ---------------------------------------------------------------------------

    def screen(self, escapes: bool = False, history: bool = False) -> str:
        """The pane as text, one line per row. ``escapes`` keeps the SGR sequences tmux has
        recorded for each cell (``capture-pane -e``); ``history`` includes what has scrolled
        off the top (where a traceback printed on exit may have gone)."""
        args = ["capture-pane", "-p", "-t", "main"]
        if escapes:
            args.append("-e")
        if history:
            args += ["-S", "-"]
        return self._tmux(*args).stdout

    def size(self) -> tuple[int, int]:
        out = self._tmux("display-message", "-p", "-t", "main", "#{pane_width} #{pane_height}")
        cols, rows = out.stdout.split()
        return int(cols), int(rows)

    def title(self) -> str:
        """The pane title, which an OSC 0/2 sequence written by the program would change."""
        return self._tmux("display-message", "-p", "-t", "main", "#{pane_title}").stdout.strip()

    def exit_status(self) -> int | None:
        """The program's exit status once it has ended, else None."""
        found = EXIT_LINE.findall(self.screen(history=True))
        return int(found[-1]) if found else None

    # -- waiting --------------------------------------------------------------------------

    def wait_for(
        self,
        want: str | Callable[[str], object],
        timeout: float = 10.0,
        *,
        escapes: bool = False,
        what: str | None = None,
    ) -> str:
        """Poll the screen until it contains ``want`` (or ``want(screen)`` is true) and return
        that screen. Gives up early, with the screen in the message, if the program ends
        first; else after ``timeout`` seconds."""
        test: Callable[[str], object] = (lambda s: want in s) if isinstance(want, str) else want
        label = what or (repr(want) if isinstance(want, str) else getattr(want, "__name__", "?"))
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen(escapes=escapes)
            if test(text):
                return text
            ended = EXIT_LINE.search(text)
            if ended and not test(text):
                raise TerminalTimeout(
                    f"program ended (status {ended.group(1)}) before {label} appeared:\n"
                    + self.screen(history=True)
                )
            if time.monotonic() > deadline:
                raise TerminalTimeout(f"no {label} after {timeout:g}s; the screen:\n{text}")
            time.sleep(POLL)

    def wait_exit(self, timeout: float = 10.0) -> int:
        """Wait for the program to end and return its exit status."""
        deadline = time.monotonic() + timeout
        while (status := self.exit_status()) is None:
            if time.monotonic() > deadline:
                raise TerminalTimeout(
                    f"still running after {timeout:g}s; the screen:\n{self.screen()}"
                )
            time.sleep(POLL)
        return status

    def wait_stable(self, quiet: float = 0.3, timeout: float = 10.0) -> str:
        """Wait until the screen has not changed for ``quiet`` seconds (a redraw after a
        resize has no text to wait for) and return it."""
        deadline = time.monotonic() + timeout
        last, since = self.screen(escapes=True), time.monotonic()
        while time.monotonic() - since < quiet:
            if time.monotonic() > deadline:
                raise TerminalTimeout(f"screen still changing after {timeout:g}s:\n{last}")
            time.sleep(POLL)
            now = self.screen(escapes=True)
            if now != last:
                last, since = now, time.monotonic()
        return self.screen()

    # -- plumbing -------------------------------------------------------------------------

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        # The socket lives in a directory of our own (TMUX_TMPDIR), removed on close; TMUX is
        # dropped so running the tests inside tmux does not confuse the client.
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        env["TMUX_TMPDIR"] = str(self._dir)
        proc = subprocess.run(
            ["tmux", "-L", self._socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=10,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args[:1])} failed: {proc.stderr.strip()}")
        return proc


# -- reading SGR attributes --------------------------------------------------------------

_ESCAPE = re.compile(
    r"\x1b\[(?P<csi>[0-?]*)[ -/]*(?P<final>[@-~])"  # CSI, SGR when the final byte is m
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC (hyperlinks), ignored
    r"|\x1b[@-_]"  # any other two-byte escape
)

_ON = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 7: "reverse", 9: "strike"}
_OFF = {
    21: ("bold",),  # 21 is double underline on some terminals, bold off on others
    22: ("bold", "dim"),
    23: ("italic",),
    24: ("underline",),
    25: ("blink",),
    27: ("reverse",),
    29: ("strike",),
}


def _apply_sgr(params: str, active: set[str]) -> None:
    """Update ``active`` with one SGR parameter list, the way a terminal does: the arguments
    of 38/48/58 (``5;n`` or ``2;r;g;b``) are colours, not attributes, so ``38;5;4`` is not
    an underline; ``4:3`` (curly) is one and ``4:0`` is none."""
    fields = params.split(";") if params else ["0"]
    i = 0
    while i < len(fields):
        head, _, sub = fields[i].partition(":")
        code = int(head) if head.isdigit() else 0
        i += 1
        if code in (38, 48, 58):
            if not sub and i < len(fields):  # semicolon form: the colour follows
                kind = fields[i]
                i += 2 if kind == "5" else 4 if kind == "2" else 1
            continue
        if code == 0:
            active.clear()
        elif code == 4 and sub:
            (active.add if sub != "0" else active.discard)("underline")
        elif code in _ON:
            active.add(_ON[code])
        elif code in _OFF:
            active.difference_update(_OFF[code])


def styled_text(screen: str) -> dict[str, str]:
    """For each attribute seen (``underline``, ``strike``, ``bold``, ...) in a
    ``capture-pane -e`` screen, the screen's text with every cell not drawn with it blanked:
    ``styled_text(s)["underline"].split()`` are the underlined runs. The state carries
    across lines, as tmux only writes changes."""
    active: set[str] = set()
    cells: list[tuple[str, frozenset[str]]] = []
    pos = 0
    for match in _ESCAPE.finditer(screen + "\x1b[0m"):
        state = frozenset(active)
        cells.extend((char, state) for char in screen[pos : match.start()])
        pos = match.end()
        if match.group("final") == "m":
            _apply_sgr(match.group("csi"), active)
    seen = {attr for _, state in cells for attr in state}
    return {
        attr: "".join(c if attr in state or c == "\n" else " " for c, state in cells)
        for attr in sorted(seen)
    }
