"""The app in a real terminal: tmux at 80x24 and 160x48, and over ``ssh -t`` to localhost.

Pilot tests cannot see what happens between the app and a terminal: key decoding, SIGWINCH,
colour downgrades for TERM=xterm, text that carries escape sequences or Rich markup. These
tests run the installed ``storydiff`` command in tmux, press keys and read the screen. What
they expect comes from ``storydiff align --json`` on the same story, never from copies of it
here. The first tests check the harness itself against small programs, so a red app test
means the app, not the harness.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from sshd import Sshd, SshdUnavailable, private_sshd, sshd_missing
from terminal import Terminal, styled_text, tmux_missing

STORYDIFF = Path(sys.executable).parent / "storydiff"
"""The console script of the environment running the tests (ssh's remote shell has no
virtualenv on its PATH, so it always gets this absolute path)."""

STARTUP = 20.0
"""Seconds allowed for the first screen: the engine's cache starts cold in the tests."""
STEP = 5.0
"""Seconds allowed for the app to answer one key."""

ROW = re.compile(r"\brow (\d+)/(\d+)")
APP_ENV: dict[str, str | None] = {"NO_COLOR": None, "COLORTERM": None}
"""Colour on, and its depth decided by TERM alone, as over SSH where COLORTERM is dropped."""


def _skip_reason() -> str | None:
    if reason := tmux_missing():
        return reason
    if not STORYDIFF.exists():
        return f"no storydiff console script next to {sys.executable} (pip install -e .)"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


# -- what the screen should show, from the JSON ------------------------------------------


@dataclass(frozen=True)
class Story:
    badges: tuple[str, ...]
    base: str
    """The base copy's badge."""
    differs: tuple[bool, ...]
    """Per row, in order: does any copy differ from the others?"""
    added: frozenset[str]
    """Every word some word diff inserts (against the base or the majority reading)."""
    lost: frozenset[str]
    """Every word some word diff deletes or replaces away."""


PUNCTUATION = ".,;:!?\"'()[]‘’“”…"


def words(text: str) -> set[str]:
    return {w for w in (raw.strip(PUNCTUATION) for raw in text.split()) if w}


@cache
def story(*paths: str) -> Story:
    proc = subprocess.run(
        [str(STORYDIFF), "align", "--json", *paths],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    added: set[str] = set()
    lost: set[str] = set()
    for row in data["rows"]:
        for cell in row["cells"].values():
            cell = cell or {}  # a copy without the row
            for op in [*(cell.get("diff") or []), *(cell.get("consensus_diff") or [])]:
                if op["op"] in ("insert", "replace"):
                    added |= words(op["text"])
                if op["op"] in ("delete", "replace"):
                    lost |= words(op["ref"])
    badges = {v["id"]: v["badge"] for v in data["versions"]}
    return Story(
        badges=tuple(badges.values()),
        base=badges[data["base"]],
        differs=tuple(row["status"] != "same" for row in data["rows"]),
        added=frozenset(added),
        lost=frozenset(lost),
    )


def header_row(screen: str) -> tuple[int, int] | None:
    """(N, M) from ``row N/M`` in the top line, or None."""
    top = screen.split("\n", 1)[0]
    found = ROW.search(top)
    return (int(found.group(1)), int(found.group(2))) if found else None


def badge_shown(badge: str, screen: str) -> bool:
    # A whole badge: "MT" inside "MT-prn" does not count as MT.
    return re.search(rf"(?<![\w-]){re.escape(badge)}(?![\w-])", screen) is not None


def ready(want: Story) -> Callable[[str], bool]:
    def header_and_badges(screen: str) -> bool:
        return header_row(screen) is not None and all(badge_shown(b, screen) for b in want.badges)

    header_and_badges.__name__ = f"header 'row N/M' and badges {', '.join(want.badges)}"
    return header_and_badges


def at_row(n: int) -> Callable[[str], bool]:
    def header_at(screen: str) -> bool:
        return (found := header_row(screen)) is not None and found[0] == n

    header_at.__name__ = f"'row {n}/' in the header"
    return header_at


def moved_from(row: tuple[int, int] | None) -> Callable[[str], bool]:
    def header_moved(screen: str) -> bool:
        return header_row(screen) != row

    header_moved.__name__ = f"the header leaving row {row}"
    return header_moved


def no_traceback(term: Terminal) -> None:
    screen = term.screen(history=True)
    assert "Traceback" not in screen, screen


# -- the harness, against small programs (always run where tmux is) ----------------------

PROBE = r"""
import os, signal, sys, tty
cols, rows = os.get_terminal_size()
print("ready", os.environ.get("TERM"), os.environ.get("NO_COLOR", "-"),
      os.environ.get("EXTRA"), f"{cols}x{rows}", flush=True)
signal.signal(signal.SIGWINCH,
              lambda *_: print("resized %dx%d" % os.get_terminal_size(), flush=True))
tty.setcbreak(0)
key = os.read(0, 16)
print("\x1b]0;probe-title\x07\x1b[4munder\x1b[0m \x1b[38;5;4mblue\x1b[0m "
      "\x1b[9;1mgone\x1b[22;29m \x1b[4:3mcurly\x1b[24m plain got", repr(key), flush=True)
sys.exit(7)
"""


def test_harness_runs_types_reads_resizes_and_reports_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # set outside: the harness must still unset it
    env = {"NO_COLOR": None, "EXTRA": "x y"}
    with Terminal([sys.executable, "-c", PROBE], cols=80, rows=24, term="xterm", env=env) as term:
        term.wait_for("ready", timeout=STEP)
        assert "ready xterm - x y 80x24" in term.screen()
        assert term.exit_status() is None
        term.resize(40, 12)
        term.wait_for("resized 40x12", timeout=STEP)
        term.send("?")
        term.wait_for("got b'?'", timeout=STEP)
        assert term.wait_exit(timeout=STEP) == 7
        assert term.title() == "probe-title"
        styled = styled_text(term.screen(escapes=True))
        assert styled["underline"].split() == ["under", "curly"]
        assert styled["strike"].split() == ["gone"]
        assert styled["bold"].split() == ["gone"]


def test_harness_escape_key_and_early_exit() -> None:
    """Escape reaches the program as ESC; a program that ends fails a wait at once with its
    screen, instead of after the timeout."""
    code = "import os, tty; tty.setcbreak(0); print('ready', flush=True); print(os.read(0, 8))"
    with Terminal([sys.executable, "-c", code], term="xterm-256color") as term:
        term.wait_for("ready", timeout=STEP)
        term.send("Escape")
        assert term.wait_exit(timeout=STEP) == 0
        assert "b'\\x1b'" in term.screen()
        with pytest.raises(AssertionError, match="program ended"):
            term.wait_for("never shown", timeout=30)


def test_styled_text_parses_parameter_lists() -> None:
    screen = "\x1b[38;5;4ma\x1b[48;2;1;4;9mb\x1b[0;4;9mc\x1b[m d\x1b[4;38:5:9me\x1b[4:0mf\ng"
    assert styled_text(screen) == {"underline": "  c  e \n ", "strike": "  c    \n "}


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    if reason := sshd_missing():
        pytest.skip(reason)
    try:
        with private_sshd(tmp_path_factory.mktemp("sshd")) as server:
            yield server
    except SshdUnavailable as err:
        pytest.skip(str(err))


def test_sshd_gives_a_remote_terminal(sshd: Sshd) -> None:
    remote = ["sh", "-c", 'echo "remote $TERM $(tty)"; read -r line; echo "got $line"; exit 5']
    command = sshd.command(remote, env={"TERM": "xterm-256color"})
    with Terminal(command, term="xterm-256color") as term:
        screen = term.wait_for("remote", timeout=STEP)
        assert re.search(r"remote xterm-256color /dev/pts/\d+", screen), screen
        term.type_text("hello")
        term.send("Enter")
        assert term.wait_exit(timeout=STEP) == 5, sshd.log_tail()
        assert "got hello" in term.screen()


# -- the app -------------------------------------------------------------------------------


def drive_demo(term: Terminal, want: Story) -> None:
    """The essentials a user meets in the first minute, on the demo story."""
    screen = term.wait_for(ready(want), timeout=STARTUP)
    top = screen.split("\n", 1)[0]
    assert header_row(screen) == (1, len(want.differs)), top
    assert re.search(rf"\bbase:? {re.escape(want.base)}(?![\w-])", top), top

    term.send("j")
    term.wait_for(at_row(2), timeout=STEP)

    term.send("n")
    screen = term.wait_for(
        lambda s: (h := header_row(s)) is not None and h[0] > 2, timeout=STEP, what="row > 2"
    )
    row = header_row(screen)
    assert row is not None and want.differs[row[0] - 1], (
        f"n stopped on a row that is the same: {row}"
    )

    # Word differences: inserted words underlined, removed ones struck through. Only words
    # of the story count: the focused version's badge is underlined too.
    def marked() -> tuple[set[str], set[str]]:
        styled = styled_text(term.screen(escapes=True))
        underlined = words(styled.get("underline", "")) - set(want.badges)
        struck = words(styled.get("strike", "")) - set(want.badges)
        return underlined & want.added, struck & want.lost

    underlined, struck = marked()
    for _ in range(len(want.differs)):
        if underlined and struck:
            break
        before = term.screen()
        term.send("n")
        try:
            term.wait_for(moved_from(header_row(before)), timeout=1.0)
        except AssertionError:
            break  # the last differing row: n has nowhere to go
        underlined, struck = marked()
    assert underlined, "no underlined inserted words on:\n" + term.screen(escapes=True)
    assert struck, "no struck-through removed words on:\n" + term.screen(escapes=True)

    row = header_row(term.screen())
    keys_before = term.screen().count("Keys")
    term.send("?")
    term.wait_for(lambda s: s.count("Keys") > keys_before, timeout=STEP, what="help with 'Keys'")
    term.send("Escape")
    term.wait_for(
        lambda s: s.count("Keys") == keys_before and header_row(s) == row,
        timeout=STEP,
        what=f"help closed, back on row {row}",
    )

    term.send("q")
    assert term.wait_exit(timeout=STEP) == 0
    no_traceback(term)


@pytest.mark.parametrize(
    ("cols", "rows", "term"), [(80, 24, "xterm"), (160, 48, "xterm-256color")], ids=str
)
def test_demo_in_tmux(cols: int, rows: int, term: str) -> None:
    with Terminal([str(STORYDIFF)], cols=cols, rows=rows, term=term, env=APP_ENV) as t:
        drive_demo(t, story())


def test_demo_over_ssh(sshd: Sshd) -> None:
    """The common remote case: 256 colours, COLORTERM not forwarded, a bare environment."""
    remote_env = {"TERM": "xterm-256color", "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"]}
    command = sshd.command([str(STORYDIFF)], env=remote_env)
    with Terminal(command, cols=80, rows=24, term="xterm-256color", env=APP_ENV) as t:
        drive_demo(t, story())


HOSTILE = {
    "wire.txt": "Officials said [bold red]not markup[/] and \x1b[31mred\x1b[0m and "
    "\x1b]0;title\x07 were in the feed.",
    "globe.txt": "Officials then said [bold red]not markup[/] and \x1b[31mred\x1b[0m and "
    "\x1b]0;title\x07 were in the feed.",
    "post.txt": "Officials said [bold red]not markup[/] and \x1b[32mgreen\x1b[0m and "
    "\x1b]0;title\x07 were in the feed today.",
}
SHARED = [
    "Rescuers there said around 60,000 people had fled in the last four days alone, and more "
    "were on the roads towards the border crossings.",
    "State media said government forces had seized a highway running through the town after "
    "days of fighting with militants in the countryside.",
    "Aid agencies warned that camps near the frontier were already full and that winter rain "
    "had turned the fields into mud.",
]


@pytest.mark.parametrize(("cols", "rows"), [(80, 24), (160, 48)], ids=str)
def test_hostile_text_is_shown_literally(tmp_path: Path, cols: int, rows: int) -> None:
    """Rich markup and terminal escapes in a copy are text: shown as typed (ESC as the four
    characters \\x1b), never styling, moving the cursor or retitling the terminal."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    for name, first in HOSTILE.items():
        (folder / name).write_text("\n\n".join([first, *SHARED]) + "\n", encoding="utf-8")
    want = story(str(folder))
    with Terminal(
        [str(STORYDIFF), str(folder)], cols=cols, rows=rows, term="xterm-256color", env=APP_ENV
    ) as term:
        screen = term.wait_for(ready(want), timeout=STARTUP)
        screen = term.wait_for("\\x1b", timeout=STEP, what="ESC shown as \\x1b")
        assert "[/]" in screen, screen
        if cols >= 160:
            assert "[bold red]" in screen, screen
        else:  # a narrow column may wrap at the space inside the tag
            assert "[bold" in screen and "red]" in screen, screen
        assert "title" not in term.title(), "an OSC in the text retitled the terminal"
        term.send("q")
        assert term.wait_exit(timeout=STEP) == 0
        no_traceback(term)


def test_resize_while_running() -> None:
    """Shrinking to 40x12 and growing back redraws without a crash; the app keeps answering
    keys at the small size and keeps its place."""
    want = story()
    with Terminal([str(STORYDIFF)], cols=80, rows=24, term="xterm-256color", env=APP_ENV) as t:
        t.wait_for(ready(want), timeout=STARTUP)
        t.resize(40, 12)
        small = t.wait_stable()
        assert small.strip(), "blank screen at 40x12"
        assert t.exit_status() is None, t.screen(history=True)
        t.send("j")
        t.wait_for(lambda s: s != small, timeout=STEP, what="a redraw after j at 40x12")
        t.resize(80, 24)
        t.wait_for(at_row(2), timeout=STEP)
        no_traceback(t)
        t.send("q")
        assert t.wait_exit(timeout=STEP) == 0
        no_traceback(t)
