"""Hardening, in the app: the bad paths, files and manifests of ``test_hardening_inputs`` and
hostile conditions (a tiny window, thousands of rows, keys typed while the story loads, a
terminal without colour, TERM=dumb), through ``storydiff PATHS`` in a real terminal.

Every case holds to the same rules: no traceback on the screen or in the pane's history;
either the reader opens (and ``q`` ends it with status 0) or, where nothing can be compared,
the process ends with status 2 and exactly one line, ``storydiff: error: ...``, naming the
file or folder at fault; and the case's folder is the same afterwards (every entry's SHA-256,
size, mode and mtime; only the review sidecar ``.storydiff/`` may appear).

The cases are built in ``tmp_path`` from copies of the seeds, never in ``seeds/``. Unlike
``storydiff align``, the reader opens on a single readable copy (shown alone, with a notice),
so a case that leaves one copy opens here where ``align`` fails.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import SEEDS
from storydiff.synthetic import make_story
from terminal import EXIT_LINE, Terminal, TerminalTimeout
from test_hardening_inputs import (  # noqa: F401 (unprivileged: a fixture, requested by name)
    CONTENT,
    MANIFESTS,
    NO_ARTICLE,
    SEED_NAMES,
    _as_nobody,
    _without_dac_override,
    case_with,
    five_hundred_copies,
    junk_folder,
    seed_text,
    snapshot,
    symlink_loops,
    unprivileged,
)
from test_terminal import (
    APP_ENV,
    STARTUP,
    STEP,
    STORYDIFF,
    _skip_reason,
    at_row,
    header_row,
    moved_from,
    no_traceback,
)

pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")

COUNT = re.compile(r"\b(\d+) versions\b|\b(1) copy alone\b|\b(\d+) v\b")
"""The header's count of versions, long or short."""
SIDECAR = ".storydiff"
"""The review sidecar the reader may write into a story folder: not an input."""
ROWS_BIG = 3000
"""Paragraphs per copy of the large story."""
ECHOED_EXIT = re.compile(r"\[exit (\d+)\]$", re.MULTILINE)
QUIT = 3.0
"""Seconds allowed for ``q`` to end the program, from any screen."""

# How a case runs where a mode of 000 stops a read, for each way the ``unprivileged`` fixture
# of test_hardening_inputs may choose: the same, as a command tmux can run (a preexec_fn
# cannot cross into the pane).
AS_UNPRIVILEGED: dict[Callable[[], None], tuple[str, ...]] = {
    _as_nobody: ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
    _without_dac_override: ("setpriv", "--bounding-set=-dac_override,-dac_read_search"),
}


# --- running the app --------------------------------------------------------------------------


def inputs(folder: Path) -> dict[str, tuple[str, int, int, int]]:
    """Every entry under ``folder`` but the review sidecar: what must not change."""
    return {rel: entry for rel, entry in snapshot(folder).items() if SIDECAR not in Path(rel).parts}


def joined_history(term: Terminal) -> list[str]:
    """The pane's lines, history included, lines the terminal wrapped joined again (an error
    line longer than 80 columns is still one line)."""
    out = term._tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "main").stdout
    return [line.rstrip() for line in out.splitlines()]


PANE_MODES = "#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_all_flag} #{keypad_flag}"


def assert_terminal_restored(term: Terminal) -> None:
    """After the program: the main screen, cursor shown, no mouse reporting, no keypad mode,
    and a tty back in cooked mode (what is typed is echoed)."""
    modes = term._tmux("display-message", "-p", "-t", "main", PANE_MODES).stdout.split()
    assert modes == ["0", "1", "0", "0", "0"], f"pane modes left on: {PANE_MODES} = {modes}"
    term.type_text("echoed")
    term.wait_for("echoed", timeout=STEP, what="typing echoed by the tty")


def app_env(tmp_path: Path, extra: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    data, config = tmp_path / "xdg-data", tmp_path / "xdg-config"
    data.mkdir(exist_ok=True)
    config.mkdir(exist_ok=True)
    return {
        **APP_ENV,
        "XDG_DATA_HOME": str(data),
        "XDG_CONFIG_HOME": str(config),
        "STORYDIFF_DEBUG": None,  # it would turn a one-line internal error into a traceback
        "STORYDIFF_NO_FORK": None,  # the start-up users get: the story loads in a child
        **(extra or {}),
    }


@contextmanager
def storydiff(
    case: Path,
    *args: str,
    term: str = "xterm",
    env: Mapping[str, str | None] | None = None,
    prefix: Sequence[str] = (),
    cols: int = 80,
    rows: int = 24,
) -> Iterator[Terminal]:
    """``storydiff ARGS`` in a terminal, run in ``case``; on a clean way out, no traceback
    was shown and the inputs under ``case`` are unchanged."""
    before = inputs(case)
    command = [*prefix, str(STORYDIFF), *args]
    program_env = env if env is not None else app_env(case.parent)
    with Terminal(command, cols=cols, rows=rows, term=term, env=program_env, cwd=case) as t:
        yield t
        no_traceback(t)
    assert inputs(case) == before, "storydiff modified its inputs"


def opened_or_exited(screen: str) -> bool:
    return header_row(screen) is not None or EXIT_LINE.search(screen) is not None


def shown_versions(screen: str) -> int | None:
    found = COUNT.search(screen.split("\n", 1)[0])
    return int(next(g for g in found.groups() if g)) if found else None


def expect_reader(t: Terminal, versions: int, names: Sequence[str] = ()) -> None:
    """The reader opens on ``versions`` copies, a notice names each of ``names`` (the
    copies skipped), and ``q`` ends it with status 0."""
    screen = t.wait_for(opened_or_exited, timeout=STARTUP, what="the reader or an exit")
    assert header_row(screen) is not None, "\n".join(joined_history(t))
    screen = t.wait_for(
        lambda s: shown_versions(s) == versions, timeout=STEP, what=f"{versions} versions"
    )
    for name in names:
        t.wait_for(name, timeout=STEP, what=f"a notice naming {name}")
    t.send("q")
    assert t.wait_exit(timeout=STEP) == 0, "\n".join(joined_history(t))


def expect_error(t: Terminal, about: Sequence[str]) -> str:
    """Status 2 and exactly one line, ``storydiff: error: ...`` naming one of ``about``."""
    status = t.wait_exit(timeout=STARTUP)
    lines = [line for line in joined_history(t) if line and not EXIT_LINE.match(line)]
    assert status == 2, lines
    assert len(lines) == 1 and lines[0].startswith("storydiff: error: "), lines
    assert any(name in lines[0] for name in about), (about, lines[0])
    return lines[0]


def expect(t: Terminal, versions: int, about: Sequence[str]) -> None:
    """``versions`` 0: the error naming one of ``about``; else the reader, each of ``about``
    named by a notice."""
    if versions:
        expect_reader(t, versions, about)
    else:
        expect_error(t, about)


# --- bad paths --------------------------------------------------------------------------------


def _chmod0(name: str) -> Callable[[Path], None]:
    def locked(case: Path) -> None:
        (case / name).chmod(0)

    return locked


def _manifest_chmod0(case: Path) -> None:
    shutil.copyfile(SEEDS / "storydiff.toml", case / "storydiff.toml")
    (case / "storydiff.toml").chmod(0)


def _locked_folder(case: Path) -> None:
    inner = case_with(case, SEED_NAMES, "inner")
    inner.chmod(0)


def _bare_folder(case: Path) -> None:
    (case / "bare").mkdir()


def _fifo(name: str) -> Callable[[Path], None]:
    def make(case: Path) -> None:
        os.mkfifo(case / name)

    return make


def _socket(case: Path) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(case / "socket.txt"))


def _links(case: Path) -> None:
    os.link(case / SEED_NAMES[0], case / "hardlink.txt")
    (case / "symlink.txt").symlink_to(SEED_NAMES[0])


def _only_one_good(case: Path) -> None:
    for name in SEED_NAMES[1:]:
        (case / name).unlink()
    (case / "photo.txt").write_bytes(CONTENT["png-as-txt"][1](""))


def _no_article_everywhere(case: Path) -> None:
    for name in SEED_NAMES:
        (case / name).unlink()
    (case / "a.html").write_text(NO_ARTICLE, encoding="utf-8")
    (case / "b.html").write_text(NO_ARTICLE.replace("World", "Sport"), encoding="utf-8")


def _manifest(text: str) -> Callable[[Path], None]:
    def write(case: Path) -> None:
        (case / "storydiff.toml").write_text(text, encoding="utf-8")

    return write


def _nothing(case: Path) -> None:
    pass


@dataclass(frozen=True)
class PathCase:
    args: tuple[str, ...]
    versions: int
    """How many copies the reader opens on; 0: none, the one-line error instead."""
    about: tuple[str, ...] = ()
    """The error names one of these; or, when the reader opens, a notice names each."""
    setup: Callable[[Path], None] = _nothing
    unprivileged: bool = False
    """Needs a run where a mode of 000 stops a read (not root, or root made so)."""


A, B = SEED_NAMES[:2]
PATH_CASES: dict[str, PathCase] = {
    "missing-file": PathCase(("nowhere.txt", "."), 0, ("nowhere.txt",)),
    "missing-folder": PathCase(("gone/",), 0, ("gone",)),
    "unreadable-among-good": PathCase((".",), 4, (A,), _chmod0(A), unprivileged=True),
    "unreadable-and-one-good": PathCase((A, B), 1, (A,), _chmod0(A), unprivileged=True),
    "unreadable-manifest": PathCase(
        (".",), 0, ("storydiff.toml",), _manifest_chmod0, unprivileged=True
    ),
    "unreadable-folder": PathCase(("inner",), 0, ("inner",), _locked_folder, unprivileged=True),
    "folder-with-nothing": PathCase(("bare",), 0, ("bare",), _bare_folder),
    "folder-without-story-files": PathCase(("junk",), 0, ("junk",), junk_folder),
    "symlink-loops-in-folder": PathCase(
        (".",), 5, ("loop.txt", "ping.txt", "pong.txt"), symlink_loops
    ),
    "symlink-loop-given": PathCase(("loop.txt", "."), 0, ("loop.txt",), symlink_loops),
    "fifo-given": PathCase(("fifo.txt", *SEED_NAMES), 0, ("fifo.txt",), _fifo("fifo.txt")),
    "fifo-in-folder": PathCase((".",), 5, ("fifo.txt",), _fifo("fifo.txt")),
    "fifo-as-manifest": PathCase((".",), 0, ("storydiff.toml",), _fifo("storydiff.toml")),
    "socket-given": PathCase(("socket.txt", *SEED_NAMES), 0, ("socket.txt",), _socket),
    "socket-in-folder": PathCase((".",), 5, ("socket.txt",), _socket),
    "same-file-twice": PathCase((A, A, B), 2, (A,)),
    "same-file-two-spellings": PathCase((A, f"./{A}"), 1, (A,)),
    "hard-and-symbolic-links": PathCase((".",), 5, ("hardlink.txt", "symlink.txt"), _links),
    "one-good-copy-and-a-binary": PathCase((".",), 1, ("photo.txt",), _only_one_good),
    "html-without-article-everywhere": PathCase(
        (".",), 0, ("a.html", "b.html"), _no_article_everywhere
    ),
    "over-max-size": PathCase((".", "--max-size", "0.001"), 0, tuple(SEED_NAMES)),
    "manifest-base-gone": PathCase(
        (".",), 5, ("storydiff.toml",), _manifest('base = "renamed.txt"\n')
    ),
    **{
        f"manifest-{kind}": PathCase((".",), 0, ("storydiff.toml",), _manifest(text))
        for kind, (text, _key) in MANIFESTS.items()
    },
}


@pytest.mark.parametrize("name", list(PATH_CASES))
def test_bad_path(tmp_path: Path, request: pytest.FixtureRequest, name: str) -> None:
    case_def = PATH_CASES[name]
    prefix: tuple[str, ...] = ()
    if case_def.unprivileged:
        how = request.getfixturevalue("unprivileged")
        if how is not None:
            prefix = AS_UNPRIVILEGED[how]
            if shutil.which(prefix[0]) is None:
                pytest.skip(f"{prefix[0]} is not installed")
    case = case_with(tmp_path)
    case_def.setup(case)
    with storydiff(case, *case_def.args, prefix=prefix) as t:
        expect(t, case_def.versions, case_def.about)


@pytest.mark.slow
def test_five_hundred_copies(tmp_path: Path) -> None:
    """Opens on a chosen few, says so, and still answers keys."""
    case = five_hundred_copies(tmp_path)
    with storydiff(case, ".") as t:
        t.wait_for(opened_or_exited, timeout=STARTUP, what="the reader or an exit")
        t.wait_for(lambda s: shown_versions(s) == 500, timeout=STEP, what="500 versions")
        t.wait_for("500 versions: showing", timeout=STEP)
        t.send("j")
        t.wait_for(at_row(2), timeout=STEP)
        t.send("q")
        assert t.wait_exit(timeout=STEP) == 0


# --- bad content ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "where"),
    [(kind, "next-to-good") for kind in CONTENT]
    + [(kind, "every-copy") for kind, made in CONTENT.items() if not made[2]],
)
def test_bad_content(tmp_path: Path, kind: str, where: str) -> None:
    """Next to the five good copies: opened on six, or on five, the bad one named in a notice
    either way when the loader warns about it. As every copy, where it cannot be read: the
    error naming them. (A readable one as every copy is two ordinary copies for the reader;
    ``test_hardening_inputs`` checks that they decode alike.)"""
    name, make, loaded, warning = CONTENT[kind]
    if where == "next-to-good":
        case = case_with(tmp_path)
        (case / name).write_bytes(make(seed_text()))
        versions, about = (6 if loaded else 5), ([name] if warning else [])
    else:
        case = tmp_path / "case"
        case.mkdir()
        files = [f"a-{name}", f"b-{name}"]
        for file, seed in zip(files, (SEED_NAMES[3], SEED_NAMES[4]), strict=True):
            (case / file).write_bytes(make(seed_text(seed)))
        versions, about = 0, files
    with storydiff(case, ".") as t:
        expect(t, versions, about)


# --- one copy ---------------------------------------------------------------------------------


def test_one_file_only(tmp_path: Path) -> None:
    """The reader shows a single copy alone and says why; ``align`` refuses it."""
    case = case_with(tmp_path, SEED_NAMES[:1])
    with storydiff(case, A) as t:
        screen = t.wait_for(opened_or_exited, timeout=STARTUP, what="the reader or an exit")
        assert header_row(screen) is not None, screen
        top = screen.split("\n", 1)[0]
        assert "1 copy alone" in top or " 1 v" in top, top
        t.wait_for("one copy only", timeout=STEP, what="the 'one copy only' notice")
        t.send("j")
        t.wait_for(at_row(2), timeout=STEP)
        t.send("q")
        assert t.wait_exit(timeout=STEP) == 0
    with storydiff(case, "align", A) as t:
        line = expect_error(t, [A])
        assert "only one copy" in line, line


# --- resizing ---------------------------------------------------------------------------------


def test_resize_in_every_view(tmp_path: Path) -> None:
    """In each view (``v`` cycles all four): shrink to 20x5, where the reader only says the
    terminal is too small, press ``j`` there, grow back to 80x24: the reader is back, one row
    on. (At 80 columns the columns view fits two copies, so it looks like the pair view.)"""
    case = case_with(tmp_path)
    shutil.copyfile(SEEDS / "storydiff.toml", case / "storydiff.toml")
    with storydiff(case, ".") as t:
        t.wait_for(opened_or_exited, timeout=STARTUP, what="the reader or an exit")
        t.send("j")
        t.wait_for(at_row(2), timeout=STEP)
        seen = []
        for _ in range(4):
            screen = t.wait_stable()
            row = header_row(screen)
            assert row is not None, screen
            top = screen.split("\n", 1)[0]
            seen.append(
                "published"
                if "published (" in top
                else "side by side"
                if " │ " in screen
                else "stack"
            )
            t.resize(20, 5)
            small = " ".join(t.wait_stable().split())
            assert "needs at least 30x8" in small, small
            t.send("j")
            t.resize(80, 24)
            t.wait_for(at_row(row[0] + 1), timeout=STEP)
            assert header_row(t.wait_stable()) == (row[0] + 1, row[1])
            t.send("v")  # the next view
        assert sorted(seen) == ["published", "side by side", "side by side", "stack"], seen
        t.send("q")
        assert t.wait_exit(timeout=STEP) == 0


# --- a large story ----------------------------------------------------------------------------


@pytest.mark.slow
def test_thousands_of_rows(tmp_path: Path) -> None:
    """Two copies of a synthetic story of 3,000 paragraphs: keys typed while it loads are
    harmless, then G and g jump at once, in the pair view and (after ``v``) the stack."""
    case = tmp_path / "case"
    case.mkdir()
    for version in make_story(2, ROWS_BIG, seed=1, boilerplate=False).versions:
        text = "\n\n".join(p.text for p in version.paragraphs) + "\n"
        (case / f"{version.id}.txt").write_text(text, encoding="utf-8")
    with storydiff(case, ".") as t:
        t.wait_for("loading the story", timeout=STARTUP)
        t.send("j", "n", "v", "N", "Escape", "G")
        screen = t.wait_for(opened_or_exited, timeout=STARTUP, what="the reader or an exit")
        found = header_row(screen)
        assert found is not None and found[1] >= ROWS_BIG, screen
        last = found[1]
        t.send("G")
        t.wait_for(at_row(last), timeout=STEP)
        t.send("g")
        t.wait_for(at_row(1), timeout=STEP)
        t.send("v", "G")
        t.wait_for(at_row(last), timeout=STEP)
        t.send("q")
        assert t.wait_exit(timeout=STEP) == 0


def slow_to_load(tmp_path: Path, paragraphs: int = 5000) -> Path:
    """Two copies of one story of 5,000 paragraphs of made-up words, each lightly edited:
    some ten seconds of aligning, most of it one stretch without a progress report (the
    aligner reports once per copy placed)."""
    case = tmp_path / "case"
    case.mkdir()
    rng = random.Random(1)
    syllables = "ka ra to mi sen lo dar vel qui nor bes tan fri gol hem pra sul wen zor".split()
    vocab = ["".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(5000)]
    base = [" ".join(rng.choices(vocab, k=rng.randint(20, 60))) + "." for _ in range(paragraphs)]
    for name in ("a.txt", "b.txt"):
        kept = [p.replace(" ", " and ", 1) if rng.random() < 0.2 else p for p in base]
        (case / name).write_text("\n\n".join(kept) + "\n", encoding="utf-8")
    return case


def wait_exit_after_echo(term: Terminal, timeout: float) -> int:
    """``wait_exit`` where keys typed before the program took the terminal were echoed by
    the tty, so the status line may follow them on their line."""
    deadline = time.monotonic() + timeout
    while not (found := ECHOED_EXIT.findall(term.screen(history=True))):
        if time.monotonic() > deadline:
            raise TerminalTimeout(f"still running after {timeout:g}s:\n{term.screen()}")
        time.sleep(0.05)
    return int(found[-1])


@pytest.mark.parametrize("fork", ["child", "no-fork"])
@pytest.mark.parametrize("when", ["at-once", "while-aligning"])
def test_keys_while_loading(tmp_path: Path, when: str, fork: str) -> None:
    """Keys sent the moment the program starts (before Textual owns the terminal) or while
    the loading screen says it is aligning: no crash, ``q`` ends the program long before
    the story could have loaded, and the terminal is left as it was found; with the story
    loading in a child process (the usual start) and in the app's own process (no fork)."""
    case = slow_to_load(tmp_path)
    keys = ["j", "n", "v", "Space", "N", "G", "g", "Tab", "q"]
    env = app_env(case.parent, {"STORYDIFF_NO_FORK": "1"} if fork == "no-fork" else None)
    with storydiff(case, ".", env=env) as t:
        if when == "while-aligning":
            t.wait_for("aligning", timeout=STARTUP, what="the loading screen aligning")
            t.send(*keys)
            t.wait_for(lambda s: "aligning" not in s, timeout=QUIT, what="the screen left")
            status = t.wait_exit(timeout=QUIT)
        else:  # Textual still has to start
            t.send(*keys)
            status = wait_exit_after_echo(t, timeout=STEP)
        assert status == 0, "\n".join(joined_history(t))
        assert_terminal_restored(t)


# --- terminals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "extra", "marked"),
    [
        ("vt100", {}, True),
        ("xterm-mono", {}, True),
        ("xterm", {"NO_COLOR": "1"}, True),
        ("xterm-256color", {}, False),  # the control: colour carries the difference
    ],
    ids=["vt100", "xterm-mono", "NO_COLOR", "xterm-256color"],
)
def test_terminal_without_colour(
    tmp_path: Path, term: str, extra: dict[str, str], marked: bool
) -> None:
    """Without colour the differences stay visible: ``{+added+}`` and ``[-removed-]``
    markers on the first row (whose copies differ by a word)."""
    case = case_with(tmp_path)
    shutil.copyfile(SEEDS / "storydiff.toml", case / "storydiff.toml")
    with storydiff(case, ".", term=term, env=app_env(tmp_path, extra)) as t:
        screen = t.wait_for(opened_or_exited, timeout=STARTUP, what="the reader or an exit")
        assert header_row(screen) is not None, "\n".join(joined_history(t))
        screen = t.wait_stable()
        assert ("{+" in screen and "[-" in screen) is marked, screen
        t.send("n")
        t.wait_for(moved_from(header_row(screen)), timeout=STEP)
        t.send("q")
        assert t.wait_exit(timeout=STEP) == 0
        assert_terminal_restored(t)


def test_dumb_terminal_gets_the_summary(tmp_path: Path) -> None:
    """TERM=dumb cannot draw the reader: the plain summary instead, no escape sequences."""
    case = case_with(tmp_path)
    shutil.copyfile(SEEDS / "storydiff.toml", case / "storydiff.toml")
    with storydiff(case, ".", term="dumb") as t:
        assert t.wait_exit(timeout=STARTUP) == 0, "\n".join(joined_history(t))
        lines = joined_history(t)
        assert any(re.match(r"5 versions, \d+ rows, base: ", line) for line in lines), lines
        assert any("= same" in line for line in lines), lines
        assert "\x1b[" not in t.screen(escapes=True, history=True)
