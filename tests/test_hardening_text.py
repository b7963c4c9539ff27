"""Hostile text everywhere a copy's words go: the reader in a real terminal, every report
format, the ``align`` summary and the ``review`` listing.

The story is the demo's five copies with five paragraphs added to each (Rich markup; SGR colour
and cursor movement; OSC 0/2 window titles; an OSC 8 hyperlink and an OSC 52 clipboard write;
bidi overrides and isolates next to zero-width characters), one copy re-wording a sixth with
escapes in its added words, hostile headlines, outlet names, badges and tags in the manifest,
a hostile story title, and a saved review note full of the same. Everything must be shown as
characters, never obeyed: ESC appears as the four characters ``\\x1b``, BEL as ``\\x07``.

What :func:`storydiff.textnorm.visible` does, and so what every output here expects:

* C0/C1 control characters (ESC, BEL, CSI ...; tab and newline excepted) become ``\\xNN``.
* Bidi embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069) become ``\\uNNNN``:
  a right-to-left override in an article must never reorder the reader's own columns and
  labels on a terminal that does bidi (VTE, mlterm, Konsole).
* Zero-width characters (U+200B space, U+200C/U+200D non-joiner/joiner, U+FEFF no-break, U+2060)
  are kept as they are. They order nothing and move no cursor; the joiners are needed to render
  Persian, Indic scripts and emoji correctly; and the diff already ignores them
  (``textnorm.typographic`` drops them), so showing them as escapes would show a difference the
  diff says is not there. What matters is that Rich and the terminal agree they take no cell,
  which the layout checks below confirm: every pane separator stays in its column.

The checks are sure to catch a failure because the first test feeds the raw sequences to the
same tmux setup and sees them obeyed: the title changed, a paste buffer written, text coloured.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from rich.cells import cell_len
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from conftest import SEEDS
from storydiff.app import StorydiffApp
from storydiff.review.session import ReviewSession
from storydiff.story import load_story
from storydiff.textnorm import visible
from storydiff.ui.screens.note import NoteScreen
from storydiff.ui.screens.reader import ReaderScreen
from terminal import Terminal
from test_terminal import (
    APP_ENV,
    STARTUP,
    STEP,
    STORYDIFF,
    _skip_reason,
    header_row,
    no_traceback,
)

# ---------------------------------------------------------------------- the hostile story
ESC, BEL = "\x1b", "\x07"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200d\ufeff"

PARAGRAPHS = {
    "markup": "Officials said [bold]x[/bold] and [/] and [link=https://evil.example]click[/link] "
    "and [red] were typed into the wire feed.",
    "sgr": "Officials said \x1b[31mred\x1b[0m text and \x1b[2J\x1b[H wiped screens were typed "
    "into the wire feed.",
    "title": "Officials said \x1b]0;PWNED\x07 and \x1b]2;PWNED\x1b\\ were typed into the wire "
    "feed.",
    "osc": "Officials said \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ and "
    "\x1b]52;c;cHduZWQ=\x07 were typed into the wire feed.",
    "bidi": "Officials said \u202eevil\u202c and \u2066a\u2069 \u2067b\u2069 \u2068c\u2069 and "
    "zero\u200bwidth join\u200ded bom\ufeffmid were typed into the wire feed.",
}
"""Added to every copy before its paragraph about Maarat al-Numan: rows 2-6, the same in all."""
PLAIN = "Officials added that the feed was checked twice before it went out on the wire."
EDITED = (
    "Officials added that the \x1b]0;PWNED\x07 feed was [red]checked[/red] twice \u202eback "
    "before it went out on the wire."
)
"""Row 7: Euronews (copy 003) re-words :data:`PLAIN`, so escapes land in a diff's added words."""
ADDED = ("\x1b]0;PWNED\x07", "[red]checked[/red]", "\u202eback")
"""The words :data:`EDITED` adds (or puts in place of the plain ``checked``)."""
EDITOR = "003_42d899cb014f27ae.txt"
HEADLINE = "\x1b]0;PWNED\x07\x1b[31m\u202eThousands\u200b"
HEADLINES = {
    "Tens of thousands flee": HEADLINE + " flee",
    "Thousands fleeing": HEADLINE + " fleeing",
}
"""The headlines of copies 003 and 004 begin with :data:`HEADLINE`, wherever they are repeated
(they are still read as headlines)."""
TITLE = "Flee [bold]x[/bold] \x1b]0;PWNED\x07 \x1b[2J\x1b[H \u202eevil"
OUTLETS = {  # file -> (outlet, badge); a badge has at most 6 characters
    "000_213675de9e36e604.txt": ("[bold]Moscow[/bold] \x1b]0;PWNED\x07Times", "[/]"),
    "001_3b9876eaf50a8ac8.txt": (
        "\x1b[31mRed\x1b[0m \x1b]8;;https://evil.example\x1b\\Link\x1b]8;;\x1b\\",
        "\x1b[2J",
    ),
    "002_b6b2f5d536bc3e1c.txt": (
        "Globe \x1b]52;c;cHduZWQ=\x07 [link=https://evil.example]click[/link]",
        "\u202eGLOB",
    ),
    "003_42d899cb014f27ae.txt": ("Euro\u200bnews \u2066iso\u2069 \x1b]2;PWNED\x1b\\", "[red]"),
    "004_7908be4e56a87519.txt": ("IPA \u202eswen\u202c \x1b[2J\x1b[H", "\x1b]0;P\x07"),
}
BASE = "000_213675de9e36e604.txt"
TAGS = ("[bold]t[/bold]", "\x1b[31mtag")
NOTE = (
    "check [bold]x[/bold] [link=https://evil.example]click[/link] \x1b]0;PWNED\x07 "
    "\x1b[2J\x1b[H \x1b]52;c;cHduZWQ=\x07 \u202eevil\nsecond [/] line"
)
"""The saved review note (with the flag) on the ``sgr`` row."""


def manifest() -> str:
    """The manifest as TOML: a JSON string is a valid TOML basic string (``\\u001b`` and all)."""
    lines = [f"title = {json.dumps(TITLE)}", f"base = {json.dumps(BASE)}", ""]
    for name, (outlet, badge) in OUTLETS.items():
        lines += [
            f"[copies.{json.dumps(name)}]",
            f"outlet = {json.dumps(outlet)}",
            f"badge = {json.dumps(badge)}",
            f"tags = [{', '.join(json.dumps(t) for t in TAGS)}]",
            "",
        ]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seeds made hostile (see the module docstring), with its review saved."""
    folder = tmp_path_factory.mktemp("hostile") / "story"
    shutil.copytree(SEEDS, folder)
    for copy in sorted(folder.glob("*.txt")):
        parts = copy.read_text(encoding="utf-8").split("\n\n")
        at = next(i for i, p in enumerate(parts) if "Maarat al-Numan" in p)
        added = EDITED if copy.name == EDITOR else PLAIN
        parts[at:at] = [*PARAGRAPHS.values(), added]
        for old, new in HEADLINES.items():
            parts = [p.replace(old, new) for p in parts]
        copy.write_text("\n\n".join(parts), encoding="utf-8")
    (folder / "storydiff.toml").write_text(manifest(), encoding="utf-8")

    al = load_story([str(folder)])
    texts = [row.cells[al.base].text if al.base in row.cells else "" for row in al.rows]
    assert texts[1:6] == list(PARAGRAPHS.values()), texts[:8]  # rows 2-6, in every copy
    assert all(len(al.rows[i].cells) == 5 for i in range(1, 6))
    assert [v.outlet for v in al.versions] == [o for o, _ in OUTLETS.values()]
    assert sum(v.title is not None and v.title.startswith(HEADLINE) for v in al.versions) == 2
    session = ReviewSession(al)
    session.toggle_flagged(2)
    session.set_note(2, NOTE)
    assert session.close()
    return folder


def everything() -> list[str]:
    """Every hostile string of the story, as the copies and the review hold it."""
    return [
        *PARAGRAPHS.values(),
        EDITED,
        TITLE,
        *(o for o, _ in OUTLETS.values()),
        *(b for _, b in OUTLETS.values()),
        *TAGS,
        *NOTE.splitlines(),
    ]


def raw_controls(text: str) -> list[str]:
    """The characters of ``text`` a terminal would obey: controls (tab and newline aside) and
    bidi controls."""
    return sorted(
        {ch for ch in text if (ord(ch) < 32 and ch not in "\t\n") or 0x7F <= ord(ch) < 0xA0}
        | {ch for ch in text if ch in BIDI}
    )


def test_visible_escapes_controls_and_bidi_and_keeps_zero_width() -> None:
    """The decision the rest of the module relies on (see the module docstring)."""
    assert visible("a\x1b[31mb\x07c\x9bd") == "a\\x1b[31mb\\x07c\\x9bd"
    assert visible("".join(BIDI)) == "".join(f"\\u{ord(c):04x}" for c in BIDI)
    assert visible(f"zero{ZERO_WIDTH}width") == f"zero{ZERO_WIDTH}width"
    assert visible("tab\tand\nnewline") == "tab\tand\nnewline"
    for text in everything():
        assert raw_controls(visible(text)) == [], repr(text)


# ---------------------------------------------------------------------- real terminal
needs_tmux = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")

SGR = re.compile(r"\x1b\[([0-9;:]*)m")
OTHER_ESCAPE = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
Style = tuple[str, str, frozenset[str]]
"""A cell's look: foreground, background, attributes (SGR numbers as tmux writes them)."""


def _sgr(params: str, state: list[object]) -> None:
    fields = re.split("[;:]", params) if params else ["0"]
    i = 0
    while i < len(fields):
        code = int(fields[i]) if fields[i].isdigit() else 0
        i += 1
        if code in (38, 48, 58):  # 38;5;n or 38;2;r;g;b
            n = 2 if fields[i : i + 1] == ["5"] else 4 if fields[i : i + 1] == ["2"] else 0
            colour = ";".join(fields[i : i + n])
            i += n
            if code != 58:
                state[0 if code == 38 else 1] = colour
        elif code == 0:
            state[:] = ["", "", frozenset()]
        elif 30 <= code <= 37 or 90 <= code <= 97:
            state[0] = str(code)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            state[1] = str(code)
        elif code == 39:
            state[0] = ""
        elif code == 49:
            state[1] = ""
        else:
            attrs = state[2]
            assert isinstance(attrs, frozenset)
            state[2] = attrs - {str(code - 20)} if 21 <= code <= 29 else attrs | {str(code)}


def cell_styles(screen: str) -> list[list[tuple[str, Style]]]:
    """A ``capture-pane -e`` screen as lines of (character, style): tmux writes only what
    changes, so the state carries over from cell to cell and line to line."""
    state: list[object] = ["", "", frozenset()]
    lines: list[list[tuple[str, Style]]] = [[]]
    pos = 0
    text = screen
    while pos < len(text):
        if m := SGR.match(text, pos):
            _sgr(m.group(1), state)
            pos = m.end()
        elif m := OTHER_ESCAPE.match(text, pos):
            pos = m.end()
        elif text[pos] == "\n":
            lines.append([])
            pos += 1
        else:
            fg, bg, attrs = state
            assert isinstance(fg, str) and isinstance(bg, str) and isinstance(attrs, frozenset)
            lines[-1].append((text[pos], (fg, bg, attrs)))
            pos += 1
    return lines


def clipboard_on(command: Sequence[str]) -> list[str]:
    """``command`` in a pane where an OSC 52 clipboard write would be obeyed (tmux's
    ``set-clipboard on``; its default only forwards it to the outer terminal), so a missing
    paste buffer proves the program wrote none. The option is set from inside the pane, before
    the program starts."""
    return ["sh", "-c", "tmux set-option -g set-clipboard on && exec " + shlex.join(command)]


def clipboard(term: Terminal) -> str | None:
    """The newest tmux paste buffer, or None when nothing was ever copied."""
    proc = term._tmux("show-buffer", check=False)
    return proc.stdout if proc.returncode == 0 else None


PROBE = (
    "import sys, time; "
    "sys.stdout.write('\\x1b]0;PWNED\\x07\\x1b]52;c;cHduZWQ=\\x07plain \\x1b[31mred\\x1b[0m "
    "done\\n'); sys.stdout.flush(); time.sleep(30)"
)


@needs_tmux
def test_harness_sees_a_retitle_a_clipboard_write_and_colour() -> None:
    """The same checks against a program that does write the raw sequences: each one fires."""
    with Terminal(clipboard_on([sys.executable, "-c", PROBE]), term="xterm-256color") as term:
        screen = term.wait_for("done", timeout=STEP, escapes=True)
        assert term.title() == "PWNED"
        assert clipboard(term) == "pwned"
        line = next(line for line in cell_styles(screen) if "done" in "".join(c for c, _ in line))
        styles = {c: s for c, s in line if c in "pr"}
        assert styles["p"][0] == "" and styles["r"][0] == "31", styles


def squash(text: str) -> str:
    """Text without whitespace, gutter and scrollbar blocks: what a wrapped cell's lines add up
    to, wherever they were broken."""
    return re.sub(r"[\s\u2580-\u259f]", "", text)


def separators_aligned(screen: str) -> None:
    """Every pane separator on the screen sits in one of the same few terminal columns: a
    character the program and the terminal measure differently would push a line's
    separators off."""
    columns = {
        tuple(cell_len(line[:i]) for i, ch in enumerate(line) if ch == "│")
        for line in screen.splitlines()
    } - {()}
    assert len(columns) == 1, screen


def frame_intact(screen: str, cols: int, rows: int) -> None:
    """The reader's frame where it belongs: the header on line 1, the footer on the last,
    no line wider than the terminal, nothing the terminal would obey."""
    lines = screen.split("\n")
    assert header_row(screen) is not None, screen
    assert "q quit" in lines[rows - 1], screen
    assert max(cell_len(line) for line in lines) <= cols, screen
    assert raw_controls(screen) == [], screen


def wait_row(term: Terminal, n: int) -> str:
    def at(screen: str) -> bool:
        found = header_row(screen)
        return found is not None and found[0] == n

    at.__name__ = f"'row {n}/' in the header"
    return term.wait_for(at, timeout=STEP)


@needs_tmux
@pytest.mark.parametrize(
    ("cols", "rows", "term"), [(160, 48, "xterm-256color"), (80, 24, "xterm")], ids=str
)
def test_reader_shows_hostile_text_literally(story: Path, cols: int, rows: int, term: str) -> None:
    """Rows 2-7 in the opening view and the stack view, and the note: every hostile string
    shown as its visible form, nothing obeyed (title, clipboard, colour, cursor), the frame and
    the pane columns intact."""
    command = clipboard_on([str(STORYDIFF), str(story)])
    with Terminal(command, cols=cols, rows=rows, term=term, env=APP_ENV) as t:
        t.wait_for(
            lambda s: header_row(s) is not None and "q quit" in s,
            timeout=STARTUP,
            what="the header and the footer",
        )
        screen = t.wait_for("\\x1b", timeout=STEP, what="ESC shown as \\x1b")
        frame_intact(screen, cols, rows)
        title = screen.split(" row ", 1)[0].strip().rstrip("…")  # cut to fit at 80 columns
        assert len(title) >= 6 and visible(TITLE).startswith(title), title

        # the opening view (columns at 160, the pair at 80): rows side by side, the base on
        # the left, every separator in its column with the bidi and zero-width row on screen
        seen = ""
        for n in range(2, 8):
            t.send("j")
            screen = wait_row(t, n)
            frame_intact(screen, cols, rows)
            separators_aligned(screen)
            seen += screen
        for token in ("[bold]x[/bold]", "[/]", "\\x1b[31mred\\x1b[0m", "\\x1b[2J\\x1b[H"):
            assert token in seen, token
        for token in ("\\x1b]0;PWNED\\x07", "\\x1b]52;c;cHduZWQ=\\x07", "\\u202eevil\\u202c"):
            assert token in seen, token
        assert f"zero{ZERO_WIDTH[0]}width" in seen  # kept, see the module docstring

        # the note under row 3, the colour of the row's text: one style, as in the next row
        t.send("k", "k", "k", "k")
        wait_row(t, 3)
        screen = t.wait_stable()
        assert squash(visible(NOTE.splitlines()[0])) in squash(screen)
        styled = cell_styles(t.screen(escapes=True))
        text_style = set()
        for line in styled:
            plain = "".join(c for c, _ in line)
            if "wiped" in plain or "Officials" in plain or "into the wire" in plain:
                left = plain.index("│") if "│" in plain else len(plain)
                text_style |= {
                    s[0] for c, s in line[6:left] if not c.isspace() and not "▀" <= c <= "▟"
                }
        assert len(text_style) == 1, text_style  # no colour after \x1b[31m, none lost

        # the note in the list of marks (L) and in its editor (a): escaped there too
        t.send("L")
        screen = t.wait_for("Review:", timeout=STEP)
        assert "\\x1b]0;PWNED\\x07" in screen and raw_controls(screen) == []
        t.send("Escape")  # a key right after it would read as alt+key: wait for the close
        t.wait_for(lambda s: "Review:" not in s, timeout=STEP, what="the list closed")
        t.send("a")
        screen = t.wait_for("Note on row 3", timeout=STEP)
        screen = t.wait_stable()
        for token in visible(NOTE).split():  # in a box over the reader: word by word
            assert token in screen, (token, screen)
        assert "PWNED" not in t.title() and raw_controls(screen) == []
        assert header_row(screen) is not None, "the note's \\x1b[2J wiped the screen"
        t.send("Escape")  # cancelled: the saved note stays as it is
        t.wait_for(lambda s: "Note on row" not in s, timeout=STEP, what="the editor closed")

        # the stack view: one copy's cell per screen width, so every string is whole
        t.send("g")
        wait_row(t, 1)
        for _ in range(3):  # columns -> pair -> stack
            t.send("v")
            if "│" not in t.wait_stable():
                break
        for n, text in enumerate(PARAGRAPHS.values(), start=2):
            t.send("j")
            screen = wait_row(t, n)
            frame_intact(screen, cols, rows)
            assert squash(visible(text)) in squash(screen), n
        t.send("j", "t")  # row 7, and the manifest tags after the outlet names
        screen = t.wait_for("[bold]t[/bold], \\x1b[31", timeout=STEP)  # cut short at 80
        for token in ADDED:
            assert visible(token) in screen, token
        frame_intact(screen, cols, rows)

        assert "PWNED" not in t.title() and t.title() != "P", t.title()
        assert clipboard(t) is None, "an OSC 52 in the text wrote the clipboard"
        t.send("q")
        assert t.wait_exit(timeout=STEP) == 0
        no_traceback(t)
        assert "PWNED" not in t.title() and clipboard(t) is None


FOLDER = "story \x1b]0;PWNED\x07\u202e"
"""A story folder's name is anyone's too (a download, an unpacked archive)."""


@pytest.fixture(scope="module")
def evil_folder(story: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-folder") / FOLDER
    shutil.copytree(story, folder)
    return folder


@needs_tmux
def test_reader_shows_a_hostile_folder_name_escaped(evil_folder: Path) -> None:
    """The export (``e``) names the folder it writes to, and the toast the file it wrote."""
    command = clipboard_on([str(STORYDIFF), str(evil_folder)])
    with Terminal(command, cols=120, rows=30, term="xterm-256color", env=APP_ENV) as t:
        t.wait_for(lambda s: header_row(s) is not None and "q quit" in s, timeout=STARTUP)
        t.send("e")
        screen = t.wait_for("writes storydiff-report", timeout=STEP)
        assert visible(FOLDER).split()[-1] in screen and raw_controls(screen) == []
        t.send("h")
        screen = t.wait_for("report written", timeout=STEP)
        screen = t.wait_for("storydiff-report.html", timeout=STEP)  # the toast, over the text
        assert f"{visible(FOLDER).split()[-1]}/storydiff-report.html" in screen
        assert raw_controls(screen) == []
        assert "PWNED" not in t.title() and clipboard(t) is None, t.title()
        t.send("q")
        assert t.wait_exit(timeout=STEP) == 0
    assert (evil_folder / "storydiff-report.html").is_file()


# ---------------------------------------------------------------------- text boxes
@pytest.fixture
def own_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never the developer's keys.toml or NO_COLOR (as in test_app)."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("STORYDIFF_KEYS", str(tmp_path / "no-keys.toml"))


async def until(pilot: Pilot[int], ready: Callable[[], object], what: str) -> None:
    for _ in range(250):
        if ready():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"no {what} after 5 s")


async def test_note_editor_shows_a_saved_notes_escapes_and_keeps_it_unless_edited(
    story: Path, tmp_path: Path, own_keys: None
) -> None:
    """Textual's text box writes what it holds to the terminal as it is (a real terminal
    showed the note's \\x1b[2J wiping the screen): the note is edited as the reader shows it,
    saved unchanged it stays exactly as it was, and a paste comes in escaped."""
    folder = tmp_path / "story"
    shutil.copytree(story, folder)
    app = StorydiffApp(alignment=load_story([str(folder)]), colours="colour")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("j", "j", "a")  # row 3: the flagged one with the note
        await until(pilot, lambda: isinstance(app.screen, NoteScreen), "note editor")
        area = app.screen.query_one(TextArea)
        assert area.text == visible(NOTE) and raw_controls(area.text) == []
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, NoteScreen), "editor closed")
        review = app.review
        assert review is not None and review.session is not None
        assert review.session.mark(2).note == NOTE  # not its escapes

        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, NoteScreen), "note editor")
        area = app.screen.query_one(TextArea)
        area.post_message(events.Paste(" \x1b]0;PWNED\x07pasted\r\nline"))
        await pilot.pause()
        assert raw_controls(area.text) == [] and area.text.endswith("\\x07pasted\nline")
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, NoteScreen), "editor closed")
        assert review.session.mark(2).note == area.text


async def test_search_box_takes_a_paste_escaped(story: Path, own_keys: None) -> None:
    app = StorydiffApp(alignment=load_story([str(story)]), colours="colour")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash")
        box = app.screen.query_one("#search", Input)
        box.post_message(events.Paste("\x1b]0;PWNED\x07\r\nnext line"))
        await pilot.pause()
        assert box.value == "\\x1b]0;PWNED\\x07"
        line = "".join(seg.text for seg in box.render_line(0))
        assert "\\x1b]0;PWNED\\x07" in line and raw_controls(line) == []
        await pilot.press("enter")  # finds the rows that have it, as the reader shows them
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert [reader.reading.rows[i].id for i in reader.matches] == [3, 6]


# ---------------------------------------------------------------------- the command line
def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    """The CLI with its output piped (so Rich adds no styling of its own): raw bytes."""
    proc = subprocess.run(
        [sys.executable, "-c", "from storydiff.cli import run; run()", *args],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc


def no_raw_controls(data: bytes) -> str:
    """The output as text, once sure it holds nothing a terminal would obey (CSV ends its
    records with CRLF, as RFC 4180 has it: that CR is the format's, not a copy's)."""
    text = data.decode("utf-8")
    assert b"\x1b" not in data and b"\x07" not in data
    assert raw_controls(text.replace("\r\n", "\n")) == [], raw_controls(text)
    return text


class HtmlText(HTMLParser):
    """The text a browser shows, and every link target."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v or "" for k, v in attrs if k in ("href", "src", "action")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_text(doc: str) -> tuple[str, list[str]]:
    parser = HtmlText()
    parser.feed(doc)
    parser.close()
    return "".join(parser.text), parser.hrefs


def shown_in(shown: str, texts: list[str]) -> None:
    """Each text's visible form is in ``shown`` (whitespace aside: tables and wrapping)."""
    flat = " ".join(shown.split())
    for text in texts:
        want = " ".join(visible(text).split())
        assert want in flat, repr(text)


RENDERED: dict[str, Callable[[str], tuple[str, list[str]]]] = {
    "html": html_text,
    "md": lambda doc: html_text(MarkdownIt("commonmark").enable(["table"]).render(doc)),
}


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_reports_show_hostile_text_literally(story: Path, fmt: str) -> None:
    """Markdown (as a Markdown viewer renders it) and HTML (as a browser shows it) carry every
    hostile string escaped, with no raw control character and no link out of a copy's text."""
    doc = no_raw_controls(run("report", str(story), "--format", fmt).stdout)
    shown, hrefs = RENDERED[fmt](doc)
    assert raw_controls(shown) == []
    # reports list no tags; the re-worded row is a diff, its added words marked apart
    shown_in(shown, [t for t in everything() if t not in (*TAGS, EDITED)])
    shown_in(shown, list(ADDED))
    assert f"zero{ZERO_WIDTH[0]}width" in shown  # kept, as in the reader
    assert not [h for h in hrefs if "evil" in h], hrefs
    assert '<a href="https://evil.example' not in doc


def test_csv_report_shows_hostile_text_literally(story: Path) -> None:
    doc = no_raw_controls(run("report", str(story), "--format", "csv").stdout)
    lines = list(csv.DictReader(io.StringIO(doc)))
    cells = {value for line in lines for value in line.values()}
    for text in [*PARAGRAPHS.values(), EDITED, NOTE]:
        assert visible(text) in cells, repr(text)
    for outlet, badge in OUTLETS.values():
        assert visible(outlet) in cells and visible(badge) in cells


def test_json_report_keeps_the_exact_characters(story: Path) -> None:
    """JSON is for programs: the exact text, every character escaped by JSON itself."""
    doc = no_raw_controls(run("report", str(story), "--format", "json").stdout)
    data = json.loads(doc)
    assert data["title"] == TITLE
    assert [(v["outlet"], v["badge"]) for v in data["versions"]] == list(OUTLETS.values())
    assert all(tuple(v["tags"]) == TAGS for v in data["versions"])
    titles = [v["title"] for v in data["versions"] if (v["title"] or "").startswith(HEADLINE)]
    assert len(titles) == 2
    texts = {p["text"] for r in data["rows"] for c in r["cells"].values() for p in c["paragraphs"]}
    assert set(PARAGRAPHS.values()) | {EDITED} <= texts
    assert [r["note"] for r in data["review"]["rows"] if r["note"]] == [NOTE]


def test_align_summary_and_review_listing_have_no_raw_controls(story: Path) -> None:
    summary = run("align", str(story))
    text = no_raw_controls(summary.stdout)
    no_raw_controls(summary.stderr)
    assert "\\x1b[31mred\\x1b[0m" in text and "[bold]x[/bold]" in text
    assert visible(TITLE) in text

    listing = run("review", str(story))
    text = no_raw_controls(listing.stdout)
    no_raw_controls(listing.stderr)
    assert "1 flagged, 1 notes" in text
    for line in NOTE.splitlines():
        assert f"note: {visible(line)}" in text


def test_review_listing_escapes_a_hostile_folder_name(evil_folder: Path) -> None:
    no_raw_controls(run("review", str(evil_folder)).stdout)
