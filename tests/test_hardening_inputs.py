"""Hardening: every kind of bad path, file and manifest a user or a scraper hands to
``storydiff align``, run through the real command in a subprocess.

For every case: no traceback, the expected exit code, a failure is exactly one
``storydiff: error:`` line naming the offending path, and the case's folder is the same
afterwards (every entry's SHA-256, size, mode and mtime: storydiff never modifies its inputs).
A bad copy next to two or more good ones is a warning and the rest is compared (exit 0); when
nothing can be compared it is an error (exit 2).  Every error and warning line the battery sees
is collected, and the last test holds each one to the rule for messages (one line, names its
file or folder, says what to do or what storydiff did instead).

Each case is built in ``tmp_path`` from copies of the seeds; nothing is written to ``seeds/``.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import SEEDS

SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.txt"))
PLAIN_SEED = "003_42d899cb014f27ae.txt"  # one paragraph per line, blank lines between
TIMEOUT = 30  # seconds for an ordinary case; a hang fails the case instead of the whole run
# (line, names of the files and folders the case involved): for test_error_messages
MESSAGES: list[tuple[str, frozenset[str]]] = []

WIRE = [
    "Tens of thousands of people fled to the Turkish border on Wednesday as an army advance "
    "pushed into the opposition's last major stronghold, residents said.",
    "Rescuers there said around 60,000 people had fled in the last four days alone, and more "
    "were on the roads towards the border crossings.",
    "State media said government forces had seized a highway running through the town after "
    "days of fighting with militants in the countryside.",
]
UNRELATED = [
    "The home side scored twice in the final ten minutes to win the cup final in front of a "
    "sold-out crowd on Saturday evening.",
    "Their captain lifted the trophy after a season in which the club had been tipped for "
    "relegation by most of the pundits.",
    "The coach said he would decide on his own future after a holiday with his family.",
]


# --- running the command -------------------------------------------------------------------


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return self.stderr.splitlines()

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data


def snapshot(folder: Path) -> dict[str, tuple[str, int, int, int]]:
    """Every entry under ``folder``: (SHA-256 of a regular file's bytes, size, mode, mtime).

    Only regular files are opened: a FIFO would block, a socket cannot be read."""
    out: dict[str, tuple[str, int, int, int]] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            info = os.lstat(path)
            digest = ""
            if stat.S_ISREG(info.st_mode):
                try:
                    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                except PermissionError:  # an unreadable file, when the tests are not root
                    digest = "unreadable"
            rel = os.path.relpath(path, folder)
            out[rel] = (digest, info.st_size, info.st_mode, info.st_mtime_ns)
    return out


def align(
    case: Path,
    *paths: str,
    expect: int,
    about: Sequence[str] = (),
    options: Sequence[str] = ("--json",),
    timeout: float = TIMEOUT,
    preexec: Callable[[], None] | None = None,
) -> Result:
    """Run ``storydiff align PATHS`` in ``case`` and check what every case must hold.

    ``about``: the paths the case is about; a failure's error line names one of them, and on
    success each of them is warned about."""
    before = snapshot(case)
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("STORYDIFF_DEBUG", None)  # it would turn a one-line internal error into a traceback
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", "from storydiff.cli import run; run()", "align", *paths, *options],
        capture_output=True,
        text=True,
        cwd=case,
        env=env,
        timeout=timeout,
        preexec_fn=preexec,
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start)
    assert snapshot(case) == before, "storydiff modified its inputs"
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode == expect, proc.stderr
    names = {part for p in (*paths, *before) for part in Path(p).parts if part not in (".", "..")}
    for line in result.lines:
        # one line each: nothing on stderr but our prefixed lines (no usage blocks, no dumps)
        assert line.startswith(("storydiff: error: ", "storydiff: warning: ")), proc.stderr
        MESSAGES.append((line, frozenset(names)))
    if expect:
        assert proc.stdout == ""
        assert len(result.lines) == 1 and result.lines[0].startswith("storydiff: error: ")
        assert any(name in result.lines[0] for name in about), result.lines[0]
    else:
        for name in about:
            assert any(name in line for line in result.lines), (name, proc.stderr)
    return result


def case_with(tmp_path: Path, seeds: Sequence[str] = SEED_NAMES, folder: str = "case") -> Path:
    """A folder in tmp_path holding copies of the given seed copies (the good copies)."""
    case = tmp_path / folder
    case.mkdir()
    for name in seeds:
        shutil.copyfile(SEEDS / name, case / name)
    return case


def seed_text(name: str = PLAIN_SEED) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def check_rows(data: dict[str, Any]) -> None:
    """Every body paragraph of every version (a segment of a run-together block counts as
    one: its ``part`` tells them apart) is in exactly one row."""
    for version in data["versions"]:
        keys = [
            (p["index"], p.get("part", 0))
            for row in data["rows"]
            for p in row["cells"].get(version["id"], {}).get("paragraphs", [])
        ]
        assert len(keys) == len(set(keys)) == version["paragraphs"], version["id"]


def texts(data: dict[str, Any], vid: str) -> list[str]:
    """A version's paragraph texts as the JSON gives them: body (in the copy's own order,
    segments of a cut paragraph in turn), then folded."""
    body = sorted(
        ((p["index"], p.get("part", 0)), p["text"])
        for row in data["rows"]
        for p in row["cells"].get(vid, {}).get("paragraphs", [])
    )
    return [text for _, text in body] + [f["text"] for f in data["folded"] if f["version"] == vid]


def version(data: dict[str, Any], vid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(v for v in data["versions"] if v["id"] == vid)
    return found


# --- running it where file permissions apply -----------------------------------------------

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


def _without_dac_override() -> None:
    """Still root, but without the two capabilities that let root ignore file modes: a
    fallback where user nobody cannot reach the interpreter (a Python under /root)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


@contextmanager
def traversable(path: Path) -> Iterator[None]:
    """Let other users pass through ``path`` and its parents (pytest makes its temporary
    folders 0700), restoring the modes afterwards."""
    changed: list[tuple[Path, int]] = []
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if folder.stat().st_uid == os.geteuid() and not mode & stat.S_IXOTH:
            folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
            changed.append((folder, stat.S_IMODE(mode)))
    try:
        yield
    finally:
        for folder, mode in changed:
            folder.chmod(mode)


@pytest.fixture
def unprivileged(tmp_path: Path) -> Iterator[Callable[[], None] | None]:
    """How to run the command so that a mode of 000 stops it reading a file.

    Not root: as we are.  Root: as user nobody (65534) when nobody can run this Python, else
    root without CAP_DAC_OVERRIDE; skip when neither is possible."""
    if os.geteuid() != 0:
        yield None
        return
    probe = tmp_path / "probe"
    probe.mkdir()
    locked = probe / "locked.txt"
    locked.write_text("x", encoding="utf-8")
    locked.chmod(0)
    code = f"import storydiff; open({str(locked)!r})"
    with traversable(tmp_path):
        for how in (_as_nobody, _without_dac_override):
            try:
                proc = subprocess.run(
                    [sys.executable, "-c", code],
                    capture_output=True,
                    text=True,
                    timeout=TIMEOUT,
                    preexec_fn=how,
                )
            except (OSError, subprocess.SubprocessError):
                continue  # e.g. nobody may not execute an interpreter kept under /root
            if "PermissionError" in proc.stderr and "locked.txt" in proc.stderr:
                shutil.rmtree(probe)
                yield how
                return
    pytest.skip(
        "cannot run storydiff where file permissions apply (not as nobody, nor as "
        "root without CAP_DAC_OVERRIDE)"
    )


# --- paths ---------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    case = case_with(tmp_path)
    align(case, "nowhere.txt", ".", expect=2, about=["nowhere.txt"])
    align(case, "gone/", expect=2, about=["gone"])


def test_unreadable_file_and_folder(
    tmp_path: Path, unprivileged: Callable[[], None] | None
) -> None:
    case = case_with(tmp_path)
    locked = case / SEED_NAMES[0]
    locked.chmod(0)
    # among good copies: skipped with a warning
    align(case, ".", expect=0, about=[locked.name], preexec=unprivileged)
    # with one good copy left: nothing to compare
    align(case, *SEED_NAMES[:2], expect=2, about=[locked.name], preexec=unprivileged)
    manifest = case / "storydiff.toml"
    shutil.copyfile(SEEDS / "storydiff.toml", manifest)
    manifest.chmod(0)
    align(case, ".", expect=2, about=[manifest.name], preexec=unprivileged)
    manifest.unlink()
    inner = case_with(case, SEED_NAMES, "inner")
    inner.chmod(0)
    try:
        align(case, "inner", expect=2, about=["inner"], preexec=unprivileged)
    finally:
        inner.chmod(0o755)


def junk_folder(case: Path) -> None:
    """A folder ``junk`` of files that are not copies (and a hidden one, and a sub-folder)."""
    junk = case / "junk"
    junk.mkdir()
    (junk / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (junk / "notes.json").write_text("{}", encoding="utf-8")
    (junk / ".hidden.txt").write_text("A hidden copy is never read.", encoding="utf-8")
    (junk / "sub").mkdir()


def symlink_loops(case: Path) -> None:
    """A link to itself and two links to each other."""
    (case / "loop.txt").symlink_to("loop.txt")
    (case / "ping.txt").symlink_to("pong.txt")
    (case / "pong.txt").symlink_to("ping.txt")


def test_folder_without_story_files(tmp_path: Path) -> None:
    case = tmp_path / "case"
    (case / "bare").mkdir(parents=True)
    align(case, "bare", expect=2, about=["bare"])
    junk_folder(case)
    align(case, "junk", expect=2, about=["junk"])


def test_symlink_loop(tmp_path: Path) -> None:
    case = case_with(tmp_path)
    symlink_loops(case)
    data = align(case, ".", expect=0, about=["loop.txt", "ping.txt", "pong.txt"]).json()
    assert len(data["versions"]) == 5
    align(case, "loop.txt", ".", expect=2, about=["loop.txt"])


@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_fifo_and_socket(tmp_path: Path, kind: str) -> None:
    """Never opened (a FIFO would block ``open`` until a writer came): refused when given,
    noted when found in a folder, and the short timeout proves nothing waits on them."""
    case = case_with(tmp_path)
    special = case / f"{kind}.txt"
    if kind == "fifo":
        os.mkfifo(special)
    else:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(special))
    align(case, special.name, *SEED_NAMES, expect=2, about=[special.name], timeout=10)
    data = align(case, ".", expect=0, about=[special.name], timeout=10).json()
    assert len(data["versions"]) == 5


def test_fifo_named_like_the_manifest_never_blocks(tmp_path: Path) -> None:
    """The folder's storydiff.toml is read unasked: a FIFO of that name used to hang."""
    case = case_with(tmp_path)
    os.mkfifo(case / "storydiff.toml")
    align(case, ".", expect=2, about=["storydiff.toml"], timeout=10)


def test_same_file_twice(tmp_path: Path) -> None:
    case = case_with(tmp_path)
    a, b = SEED_NAMES[:2]
    data = align(case, a, a, b, expect=0, about=[a]).json()
    assert len(data["versions"]) == 2
    os.link(case / a, case / "hardlink.txt")
    (case / "symlink.txt").symlink_to(a)
    data = align(case, ".", expect=0, about=["hardlink.txt", "symlink.txt"]).json()
    assert len(data["versions"]) == 5
    align(case, a, f"./{a}", expect=2, about=[a])  # one file, however spelled, is one copy


def test_one_file_only(tmp_path: Path) -> None:
    case = case_with(tmp_path, SEED_NAMES[:1])
    result = align(case, SEED_NAMES[0], expect=2, about=[SEED_NAMES[0]])
    assert "only one copy" in result.stderr
    align(case, ".", expect=2, about=[SEED_NAMES[0]])


def five_hundred_copies(tmp_path: Path) -> Path:
    """A folder of 500 small copies of one story, each cut differently, each with an ending
    of its own."""
    case = tmp_path / "case"
    case.mkdir()
    paragraphs = [p for p in seed_text().split("\n\n") if p.strip()]
    for i in range(500):
        kept = [p for j, p in enumerate(paragraphs) if (i + j) % 5]
        text = "\n\n".join([*kept, f"This is copy number {i} of the story."]) + "\n"
        (case / f"copy{i:03d}.txt").write_text(text, encoding="utf-8")
    return case


@pytest.mark.slow
def test_five_hundred_copies(tmp_path: Path) -> None:
    """Small copies of one story, each cut differently and with an ending of its own."""
    case = five_hundred_copies(tmp_path)
    result = align(case, ".", expect=0, timeout=60)
    data = result.json()
    assert len(data["versions"]) == 500
    check_rows(data)
    assert any(len(row["cells"]) > 250 for row in data["rows"])  # the copies did align


# --- content -------------------------------------------------------------------------------


def _corrupt_utf8(text: str) -> bytes:
    data = bytearray(text.encode("utf-8"))
    for at in (len(data) // 3, len(data) // 2):
        data[at] = 0xFF
    return bytes(data)


def _mixed_endings(text: str) -> bytes:
    lines = text.split("\n")
    ends = ["\r\n", "\r", "\n"]
    return "".join(line + ends[i % 3] for i, line in enumerate(lines)).encode("utf-8")


# name -> (file name, bytes from a seed's text, loaded or skipped, a warning it must give)
CONTENT: dict[str, tuple[str, Callable[[str], bytes], bool, str]] = {
    "empty": ("empty.txt", lambda t: b"", False, "empty"),
    "whitespace": ("blank.txt", lambda t: " \n\t\r\n\u00a0\u3000\n".encode(), False, "empty"),
    "nul-bytes": (
        "binary.txt",
        lambda t: b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8,
        False,
        "binary",
    ),
    "png-as-txt": (
        "photo.txt",
        lambda t: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        False,
        "binary",
    ),
    "invalid-utf8": ("damaged.txt", _corrupt_utf8, True, "not valid UTF-8"),
    "cp1252": ("legacy.txt", lambda t: t.encode("cp1252"), True, "read as cp1252"),
    "utf16le-no-bom": ("utf16le.txt", lambda t: t.encode("utf-16-le"), True, ""),
    "utf16be-no-bom": ("utf16be.txt", lambda t: t.encode("utf-16-be"), True, ""),
    "mixed-line-endings": ("endings.txt", _mixed_endings, True, ""),
}


@pytest.mark.parametrize("kind", list(CONTENT))
def test_bad_content_next_to_good_copies(tmp_path: Path, kind: str) -> None:
    name, make, loaded, warning = CONTENT[kind]
    case = case_with(tmp_path)
    (case / name).write_bytes(make(seed_text()))
    result = align(case, ".", expect=0, about=[name] if warning else [])
    data = result.json()
    assert warning in result.stderr
    check_rows(data)
    ids = {v["id"] for v in data["versions"]}
    assert (Path(name).stem in ids) is loaded
    if loaded:  # decoded and split like the copy it was made from
        made, original = Path(name).stem, Path(PLAIN_SEED).stem
        counts = [
            (version(data, v)["paragraphs"], version(data, v)["folded"]) for v in (made, original)
        ]
        assert counts[0] == counts[1]
        if kind != "invalid-utf8":  # every character back (there bad bytes become U+FFFD)
            assert Counter(texts(data, made)) == Counter(texts(data, original))


@pytest.mark.parametrize("kind", list(CONTENT))
def test_bad_content_as_every_copy(tmp_path: Path, kind: str) -> None:
    name, make, loaded, _ = CONTENT[kind]
    case = tmp_path / "case"
    case.mkdir()
    files = [f"a-{name}", f"b-{name}"]
    for file, seed in zip(files, (PLAIN_SEED, "004_7908be4e56a87519.txt"), strict=True):
        (case / file).write_bytes(make(seed_text(seed)))
    result = align(case, ".", expect=0 if loaded else 2, about=[] if loaded else files)
    if loaded:
        data = result.json()
        assert len(data["versions"]) == 2
        check_rows(data)


def test_one_good_copy_and_a_bad_one(tmp_path: Path) -> None:
    """Skipped among many, fatal when it leaves a single copy: the error says why."""
    case = case_with(tmp_path, SEED_NAMES[:1])
    (case / "photo.txt").write_bytes(CONTENT["png-as-txt"][1](""))
    result = align(case, ".", expect=2, about=["photo.txt"])
    assert "only 1 of 2 copies can be read" in result.stderr


@pytest.mark.slow
def test_a_single_five_megabyte_line(tmp_path: Path) -> None:
    case = case_with(tmp_path)
    words = " ".join(seed_text().split())
    line = (words + " ") * (5 * 2**20 // (len(words) + 1) + 1)
    (case / "oneline.txt").write_text(line[: 5 * 2**20], encoding="utf-8")
    result = align(case, ".", expect=0, timeout=60)
    check_rows(result.json())
    assert result.seconds < 30


@pytest.mark.slow
def test_fifty_thousand_one_word_paragraphs(tmp_path: Path) -> None:
    case = case_with(tmp_path)
    (case / "words.txt").write_text(
        "\n\n".join(f"word{i}" for i in range(50_000)) + "\n", encoding="utf-8"
    )
    result = align(case, ".", expect=0, timeout=20)
    data = result.json()
    assert version(data, "words")["paragraphs"] == 50_000
    check_rows(data)


def _huge_paragraph(seed: str) -> str:
    """The seed's words, run together and repeated to 100,000 characters: one paragraph."""
    words = " ".join(seed_text(seed).split())
    return ((words + " ") * (100_000 // len(words) + 1))[:100_000].strip()


def test_a_paragraph_of_a_hundred_thousand_characters(tmp_path: Path) -> None:
    case = case_with(tmp_path)
    huge = _huge_paragraph(SEED_NAMES[0])  # the print copy: story text from its first word
    (case / "huge.txt").write_text(huge + "\n", encoding="utf-8")
    data = align(case, ".", expect=0).json()
    check_rows(data)
    assert version(data, "huge")["paragraphs"] >= 1  # cut into segments that meet their rows
    assert "".join(texts(data, "huge")).replace(" ", "") == huge.replace(" ", "")
    # as every copy: two such paragraphs, one a little different
    pair = tmp_path / "pair"
    pair.mkdir()
    (pair / "a.txt").write_text(huge + "\n", encoding="utf-8")
    (pair / "b.txt").write_text(huge.replace("Idlib", "Hama", 3) + "\n", encoding="utf-8")
    data = align(pair, ".", expect=0).json()
    check_rows(data)


def test_a_long_paragraph_opening_with_chrome_is_still_story(tmp_path: Path) -> None:
    """A scrape that lost its paragraph breaks, site chrome and all, in one line."""
    case = case_with(tmp_path)
    (case / "huge.txt").write_text(_huge_paragraph(PLAIN_SEED) + "\n", encoding="utf-8")
    data = align(case, ".", expect=0).json()
    assert version(data, "huge")["paragraphs"] >= 1


def test_identical_copies(tmp_path: Path) -> None:
    case = case_with(tmp_path, [PLAIN_SEED])
    shutil.copyfile(case / PLAIN_SEED, case / "twin.txt")
    data = align(case, ".", expect=0).json()
    check_rows(data)
    assert data["rows"] and {row["status"] for row in data["rows"]} == {"same"}
    shutil.copyfile(SEEDS / SEED_NAMES[0], case / SEED_NAMES[0])  # next to another copy
    check_rows(align(case, ".", expect=0).json())


def test_copies_that_share_nothing(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    (case / "a.txt").write_text("\n\n".join(WIRE) + "\n", encoding="utf-8")
    (case / "b.txt").write_text("\n\n".join(UNRELATED) + "\n", encoding="utf-8")
    data = align(case, ".", expect=0).json()
    check_rows(data)
    assert {row["status"] for row in data["rows"]} == {"unique"}
    assert len(data["rows"]) == len(WIRE) + len(UNRELATED)
    good = case_with(tmp_path, folder="good")
    shutil.copyfile(case / "b.txt", good / "football.txt")
    data = align(good, ".", expect=0).json()
    check_rows(data)
    rows = [row for row in data["rows"] if "football" in row["cells"]]
    assert len(rows) == len(UNRELATED) and all(len(row["cells"]) == 1 for row in rows)


SCRIPTS = {
    "rtl": [
        "عشرات الآلاف من الناس فروا إلى الحدود التركية يوم الأربعاء مع تقدم الجيش، كما قال السكان.",
        "وقال رجال الإنقاذ إن نحو ستين ألف شخص فروا خلال الأيام الأربعة الماضية وحدها.",
        "עשרות אלפי אנשים ברחו לגבול הטורקי ביום רביעי, כך אמרו התושבים בעיר.",
        "المدينة (Maarat al-Numan) كانت ملاذاً للعائلات، قال عبد الله يونس: «السيارات لا تتوقف».",
    ],
    "cjk": [
        "数万人周三逃往土耳其边境，居民说，政府军的推进已深入反对派最后的主要据点。",
        "救援人员说，仅在过去四天里就有约六万人逃离，更多的人仍在前往边境口岸的路上。",
        "数万人が水曜日にトルコ国境へ逃れたと住民が語った。",
        "수만 명이 수요일 터키 국경으로 피난했다고 주민들이 말했다.",
    ],
    "emoji": [
        "Families 👨\u200d👩\u200d👧\u200d👦 fled north 🚗💨 as shelling 💥 intensified, "
        "residents said 🇸🇾🇹🇷.",
        "Cafe\u0301 owners in Ide\u0301lib said the re\u0301sume\u0301 of talks was "
        "\u201cdelayed\u201d \u2014 again, with a thumbs up 👍🏽 and a heart ❤\ufe0f.",
        "Z\u0351\u0352a\u0354\u0355l\u0356g\u0357o text, keycap 1\ufe0f\u20e3, a zero\u200bwidth "
        "space, a soft\u00adhyphen and a non\u00a0breaking space stay as they are.",
        "Arabic with harakat \u0628\u0650\u0633\u0652\u0645\u0650 and Hebrew with niqqud "
        "\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd come back untouched too.",
    ],
}


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_scripts_come_back_exactly(tmp_path: Path, script: str) -> None:
    """Right-to-left, CJK, emoji and combining characters: every paragraph's text comes back
    exactly in the JSON, and every body paragraph is in exactly one row."""
    paragraphs = SCRIPTS[script]
    case = case_with(tmp_path)
    (case / "x.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    data = align(case, ".", expect=0).json()
    check_rows(data)
    assert Counter(texts(data, "x")) == Counter(paragraphs)
    # as every copy: the second re-orders, drops one and adds one
    pair = tmp_path / "pair"
    pair.mkdir()
    other = [*paragraphs[::-1][:-1], WIRE[0]]
    (pair / "a.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    (pair / "b.txt").write_text("\n\n".join(other) + "\n", encoding="utf-8")
    data = align(pair, ".", expect=0).json()
    check_rows(data)
    assert Counter(texts(data, "a")) == Counter(paragraphs)
    assert Counter(texts(data, "b")) == Counter(other)
    shared = [row for row in data["rows"] if len(row["cells"]) == 2]
    assert len(shared) == len(paragraphs) - 1  # the same paragraphs met across the move


MALFORMED = (
    "<html><body><div><p>{0}<b> unclosed <i>tags</p></div><p>{1}<span>\n"
    "<table><tr><td>a stray cell</div></body><p>{2}&bogus; <![CDATA[x]]> <!-- unclosed"
)
NO_ARTICLE = (
    "<!doctype html><html><head><title>Home</title></head><body><nav><a href='/'>Home</a> "
    "<a href='/world'>World</a></nav><footer>\u00a9 2019 Example News. All rights reserved."
    "</footer></body></html>"
)


def test_malformed_html(tmp_path: Path) -> None:
    case = case_with(tmp_path)
    (case / "broken.html").write_text(MALFORMED.format(*WIRE), encoding="utf-8")
    data = align(case, ".", expect=0).json()
    check_rows(data)
    assert version(data, "broken")["paragraphs"] >= 2
    pair = tmp_path / "pair"
    pair.mkdir()
    (pair / "a.html").write_text(MALFORMED.format(*WIRE), encoding="utf-8")
    (pair / "b.html").write_text(MALFORMED.format(*WIRE[::-1]), encoding="utf-8")
    check_rows(align(pair, ".", expect=0).json())


def test_html_page_with_no_article(tmp_path: Path) -> None:
    """Next to good copies it is a copy with nothing but chrome (warned about); as every copy
    nothing is left to compare, which used to be an empty comparison and exit 0."""
    case = case_with(tmp_path)
    (case / "home.html").write_text(NO_ARTICLE, encoding="utf-8")
    data = align(case, ".", expect=0, about=["home.html"]).json()
    assert version(data, "home")["paragraphs"] == 0
    assert any(f["version"] == "home" for f in data["folded"])  # kept, folded, not dropped
    pair = tmp_path / "pair"
    pair.mkdir()
    (pair / "a.html").write_text(NO_ARTICLE, encoding="utf-8")
    (pair / "b.html").write_text(NO_ARTICLE.replace("World", "Sport"), encoding="utf-8")
    align(pair, ".", expect=2, about=["a.html", "b.html"])


# --- manifest ------------------------------------------------------------------------------

MANIFESTS = {
    "title-type": ("title = 3\n", "title"),
    "base-type": ("base = [1]\n", "base"),
    "copies-type": ("copies = 5\n", "copies"),
    "outlet-type": (f'[copies."{SEED_NAMES[0]}"]\noutlet = 3\n', "outlet"),
    "tags-type": (f'[copies."{SEED_NAMES[0]}"]\ntags = "print"\n', "tags"),
    "date-type": (f'[copies."{SEED_NAMES[0]}"]\ndate = true\n', "date"),
    "unknown-top": ('bse = "x.txt"\n', '"bse"'),
    "unknown-copy": (f'[copies."{SEED_NAMES[0]}"]\noulet = "X"\n', '"oulet"'),
    "not-toml": ('title = "unterminated\n', "line 1"),
}


@pytest.mark.parametrize("kind", list(MANIFESTS))
def test_bad_manifest(tmp_path: Path, kind: str) -> None:
    text, key = MANIFESTS[kind]
    case = case_with(tmp_path)
    (case / "storydiff.toml").write_text(text, encoding="utf-8")
    result = align(case, ".", expect=2, about=["storydiff.toml"])
    assert key in result.stderr


def test_manifest_naming_a_base_that_is_gone(tmp_path: Path) -> None:
    """A stale manifest is noted, not fatal: its note said "ignored" and then the base lookup
    failed with an error."""
    case = case_with(tmp_path)
    (case / "storydiff.toml").write_text('base = "renamed.txt"\n', encoding="utf-8")
    data = align(case, ".", expect=0, about=["storydiff.toml"]).json()
    assert data["base_reason"] == "most central copy"
    (case / "empty.txt").write_bytes(b"")
    (case / "storydiff.toml").write_text('base = "empty.txt"\n', encoding="utf-8")
    result = align(case, ".", expect=0, about=["empty.txt", "storydiff.toml"])
    assert 'empty.txt" was skipped' in result.stderr


# --- limits --------------------------------------------------------------------------------


def test_max_size(tmp_path: Path) -> None:
    case = case_with(tmp_path)
    (case / "long.txt").write_text(seed_text() * 4, encoding="utf-8")  # ~13 KB
    result = align(
        case, ".", options=["--json", "--max-size", "0.01"], expect=0, about=["long.txt"]
    )
    assert "raise it with --max-size" in result.stderr
    result = align(case, ".", options=["--max-size", "0.001"], expect=2, about=SEED_NAMES)
    assert "raise it with --max-size" in result.stderr


def test_max_story_size(tmp_path: Path) -> None:
    case = case_with(tmp_path)
    result = align(case, ".", options=["--max-story-size", "0.01"], expect=2, about=SEED_NAMES)
    assert "raise it with --max-story-size" in result.stderr
    assert "over the 10.2 KB limit" in result.stderr  # the limit as given, not "0 MB"


# Peak memory of `storydiff align` on the largest story the limits below allow, and what a
# megabyte of story text may cost at most (measured: ~45 MB per MB of one-sentence
# paragraphs, the worst case, on top of ~40 MB of code; 20 MB of text peaked at 0.97 GB).
MEMORY_LIMITS = ("--max-size", "2", "--max-story-size", "2.5")
MEMORY_BOUND_MB = 320
# The peak of this program's own memory: VmHWM, which starts afresh at exec (ru_maxrss
# would carry over the forking test process's peak, hundreds of MB late in a suite).
_MEASURED = (
    "import sys\n"
    "from storydiff.cli import run\n"
    "try:\n"
    "    run()\n"
    "finally:\n"
    "    with open('/proc/self/status') as fh:\n"
    "        peak = next(line.split()[1] for line in fh if line.startswith('VmHWM:'))\n"
    "    sys.stderr.write(f'peak-kb {peak}\\n')\n"
)


def _short_paragraphs(size: int) -> str:
    """``size`` bytes of one-sentence paragraphs (the costliest text per byte): the seed's
    sentences, each made unique, so no cleaning rule folds them as repeats."""
    body = " ".join(seed_text(SEED_NAMES[1]).split())  # the copy with no chrome in its text
    sentences = [s.strip() + "." for s in body.split(". ") if s.strip()]
    out: list[str] = []
    total, n = 0, 0
    while True:
        line = f"{sentences[n % len(sentences)]} Item {n}."
        total += len(line.encode("utf-8")) + 2
        if total > size:
            return "\n\n".join(out) + "\n"
        out.append(line)
        n += 1


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_memory_stays_bounded_on_the_largest_allowed_story(tmp_path: Path) -> None:
    """At the limits, memory stays under a fixed bound; a little over them, a one-line error
    says which limit and how to raise it, before anything big is built."""
    case = case_with(tmp_path)
    (case / "many.txt").write_text(_short_paragraphs(2 * 1024 * 1024 - 4096), encoding="utf-8")
    before = snapshot(case)
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURED, "align", ".", "--json", *MEMORY_LIMITS],
        capture_output=True,
        text=True,
        cwd=case,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert snapshot(case) == before
    peak_mb = int(proc.stderr.rsplit("peak-kb ", 1)[1].split()[0]) / 1024
    assert peak_mb < MEMORY_BOUND_MB, f"peak {peak_mb:.0f} MB"
    assert version(json.loads(proc.stdout), "many")["paragraphs"] > 5_000
    (case / "more.txt").write_text(_short_paragraphs(700 * 1024), encoding="utf-8")
    result = align(case, ".", options=MEMORY_LIMITS, expect=2, about=["more.txt", "many.txt"])
    assert "limit for all copies together" in result.stderr


# --- the messages themselves ---------------------------------------------------------------

ADVICE = re.compile(
    r"\b(give|add|raise|use|check|convert|save|fix|make|remove|leave it out|compare fewer"
    r"|name|must|expected)\b"
)
# What storydiff did instead: a warning may say that rather than ask for anything.
DONE_INSTEAD = re.compile(r"\b(skipped|ignored|compared once|read once|shown as|marked)\b")
# The one wording every tool uses for a path that is not there: naming the path is the advice.
SELF_EVIDENT = ("no such file or folder",)


def test_error_messages() -> None:
    """Every error and warning the battery produced: one line (checked as it ran), names the
    file or folder it is about, and says what to do (a warning may say what storydiff did
    instead)."""
    if not MESSAGES:
        pytest.skip("run with the rest of this file: it checks the messages the battery saw")
    for line, names in MESSAGES:
        kind, _, message = line.removeprefix("storydiff: ").partition(": ")
        assert "\n" not in message and message.strip() == message, line
        assert any(name in message for name in names), f"names no file or folder: {line}"
        advised = ADVICE.search(message) or any(s in message for s in SELF_EVIDENT)
        if kind == "error":
            assert advised, f"says nothing about what to do: {line}"
        else:
            assert advised or DONE_INSTEAD.search(message), f"no advice nor outcome: {line}"
