"""Unit tests of the review engine (:mod:`storydiff.review`): marks attached to rows by content,
the file format, where the file lives, atomic writes, the background saver, a session end to
end, and that ``kill -9`` in the middle of a save never leaves a file that does not parse.

Everything that writes works in ``tmp_path`` (a copy of the demo story is made there first) or
in the per-test user data directory that conftest sets up; ``seeds/`` is only ever read."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from conftest import SEEDS, modules_after
from storydiff.build import rebase
from storydiff.demo import demo_story_dir
from storydiff.errors import InputError
from storydiff.model import Alignment, Cell, Format, Paragraph, Row, RowStatus, Version
from storydiff.review import store
from storydiff.review.codec import (
    FORMAT,
    SCHEMA,
    ReviewFileError,
    encode,
    parse,
    review_to_dict,
)
from storydiff.review.model import (
    Entry,
    Mark,
    Review,
    fingerprint,
    row_fingerprints,
    row_text,
)
from storydiff.review.session import ReviewSession
from storydiff.review.store import (
    SIDECAR_DIR,
    SIDECAR_NAME,
    STALE_TEMP_SECONDS,
    Location,
    Saver,
    load,
    locate,
    report_folder,
    report_path,
    write_atomic,
)
from storydiff.story import load_story

BASE = "000_213675de9e36e604"  # the demo's base copy (the most central one)
REWRITE = "004_7908be4e56a87519.txt"  # IPA News: the only copy with rows 16-20
MARKDOWN = "001_3b9876eaf50a8ac8.txt"  # The Moscow Times web copy, blank-line paragraphs


# --------------------------------------------------------------------------------- helpers


def sidecar(folder: Path) -> Path:
    return folder.resolve() / SIDECAR_DIR / SIDECAR_NAME


def temps(folder: Path) -> list[Path]:
    """Temp files a write leaves behind if it is interrupted."""
    return sorted(folder.glob(f".{SIDECAR_NAME}.*.tmp"))


def pos(al: Alignment, start: str) -> int:
    """The position of the one row whose reading starts with ``start``."""
    found = [n for n, row in enumerate(al.rows) if row_text(al, row).startswith(start)]
    assert len(found) == 1, f"{len(found)} rows start with {start!r}"
    return found[0]


def by_text(al: Alignment, review: Review) -> dict[str, Mark]:
    """The marks keyed by the reading of their row: what "the same row" means across runs."""
    return {row_text(al, row): review.marks[row.id] for row in al.rows if row.id in review.marks}


def version(vid: str, paragraphs: Sequence[Paragraph] = ()) -> Version:
    return Version(
        id=vid,
        source=f"{vid}.txt",
        format=Format.TEXT,
        outlet=vid,
        badge=vid[:6],
        colour="#808080",
        paragraphs=tuple(paragraphs),
    )


def build(rows: Sequence[Sequence[str]], first_id: int = 0) -> Alignment:
    """A hand-made alignment of two copies, ``a`` (the base) and ``b``, that both hold every
    row's paragraphs (``rows``: the paragraphs of each row).  ``first_id`` numbers the rows
    differently from another "run", so a test proves marks follow content, not ids."""
    per_version: dict[str, list[Paragraph]] = {"a": [], "b": []}
    out: list[Row] = []
    for n, texts in enumerate(rows):
        cells: dict[str, Cell] = {}
        for vid, paras in per_version.items():
            start = len(paras)
            paras.extend(Paragraph(start + k, t) for k, t in enumerate(texts))
            cells[vid] = Cell(vid, tuple(paras[start:]), position=start)
        out.append(Row(first_id + n, RowStatus.SAME, cells))
    versions = tuple(version(vid, paras) for vid, paras in per_version.items())
    return Alignment(versions=versions, base="a", rows=tuple(out), title="Bridge")


ALPHA = "The council voted on Tuesday to close the old bridge to lorries from next spring."
BETA = "Engineers had warned for years that its steel frame was corroding faster than expected."
GAMMA = "Local shops say the detour will cost them customers during the busy summer months."
DELTA = "A replacement crossing is not expected to open before the end of the decade."


def doc(**changes: Any) -> bytes:
    """A valid review file with ``changes`` applied to its top level, as bytes."""
    base: dict[str, Any] = {
        "format": FORMAT,
        "schema": SCHEMA,
        "entries": [{"fingerprints": ["ab12"], "text": "x", "reviewed": True}],
    }
    base.update(changes)
    return json.dumps(base).encode("utf-8")


def entry_doc(**fields: Any) -> bytes:
    """A review file whose second entry is a valid one with ``fields`` changed (the first is
    valid, so the message must name the right entry)."""
    good = {"fingerprints": ["ab12"], "text": "x", "reviewed": True}
    return doc(entries=[good, {**good, **fields}])


# ------------------------------------------------------------------- attach on the demo
def test_marks_survive_encode_parse_attach() -> None:
    """The plain round trip: what is saved is attached back to exactly the rows it came from."""
    al = load_story([str(SEEDS)])
    review = Review()
    review.toggle_reviewed(al.rows[0].id)
    review.toggle_flagged(al.rows[3].id)
    review.set_note(al.rows[3].id, "check the hospital's name")
    review.set_note(al.rows[10].id, "crosshead only in MT")
    review.toggle_reviewed(al.rows[-1].id)
    review.toggle_flagged(al.rows[-1].id)

    data = encode(al, review, str(SEEDS))
    entries = parse(data)
    again = Review.attach(load_story([str(SEEDS)]), entries)

    assert again.marks == review.marks
    assert again.orphans == []
    assert [e.row for e in entries] == [1, 4, 11, len(al.rows)]
    saved = json.loads(data)
    assert saved["format"] == FORMAT and saved["schema"] == SCHEMA
    assert saved["story"]["folder"] == str(SEEDS)
    assert len(saved["story"]["copies"]) == 5


def write_sixth_copy(folder: Path) -> None:
    """A sixth copy made from the Moscow Times web copy: a new paragraph of its own near the
    top (every later row moves down one), the Lavrov paragraph dropped and one word changed in
    the State media paragraph."""
    paras = (folder / MARKDOWN).read_text(encoding="utf-8").split("\n\n")
    out: list[str] = []
    dropped = changed = False
    for p in paras:
        if p.startswith("Foreign Minister Sergei Lavrov"):
            dropped = True
            continue
        if p.startswith("State media on Tuesday"):
            assert "battling" in p
            p = p.replace("battling", "fighting")
            changed = True
        out.append(p)
        if p.startswith("Tens of thousands of people"):
            out.append(
                "Aid workers in the border town of Atmeh said a new camp for the displaced "
                "had filled within a single day, with families sleeping under olive trees."
            )
    assert dropped and changed
    (folder / "005_extra.txt").write_text("\n\n".join(out), encoding="utf-8")


def test_marks_follow_their_passage_when_a_sixth_copy_is_added(story: Path) -> None:
    """A new copy adds a row near the top, drops a paragraph and re-words another: each mark
    is still on the row with the same base reading, though at another row number."""
    al = load_story([str(story)])
    review = Review()
    marked = {
        "They left Maarat al-Numan": review.toggle_reviewed,
        "On Tuesday, Russian and Syrian jets": review.toggle_flagged,
        "Foreign Minister Sergei Lavrov": review.toggle_reviewed,
    }
    for start, toggle in marked.items():
        toggle(al.rows[pos(al, start)].id)
    review.set_note(al.rows[pos(al, "State media on Tuesday")].id, "highway: which one?")
    review.set_note(al.rows[pos(al, "Foreign Minister Sergei Lavrov")].id, "Interfax only")
    data = encode(al, review, str(story))

    write_sixth_copy(story)
    al6 = load_story([str(story)])
    assert len(al6.versions) == 6 and al6.base == BASE
    again = Review.attach(al6, parse(data))

    assert again.orphans == []
    assert by_text(al6, again) == by_text(al, review)
    assert len(again.marks) == 4
    for start in (*marked, "State media on Tuesday"):
        assert pos(al6, start) == pos(al, start) + 1  # the new paragraph pushed them down


def test_a_removed_copy_orphans_only_its_own_rows_and_brings_them_back(
    story: Path, tmp_path: Path
) -> None:
    """Removing the copy that alone had a row makes that row's mark an orphan: reported,
    saved again unchanged, and back on its row once the copy returns."""
    al = load_story([str(story)])
    review = Review()
    review.toggle_reviewed(al.rows[pos(al, "The latest advance has been aided")].id)  # + IPA
    review.toggle_reviewed(al.rows[pos(al, "Mercenaries")].id)  # not in the IPA copy
    only_ipa = al.rows[pos(al, "Turkey currently maintains 12")].id
    review.toggle_flagged(only_ipa)
    review.set_note(only_ipa, "12 posts or 13?")
    first = parse(encode(al, review, str(story)))
    before = by_text(al, review)

    (story / REWRITE).rename(tmp_path / REWRITE)
    al4 = load_story([str(story)])
    assert len(al4.versions) == 4
    without = Review.attach(al4, first)
    assert len(without.orphans) == 1
    orphan = without.orphans[0]
    assert orphan.text.startswith("Turkey currently maintains 12")
    assert orphan.mark == review.marks[only_ipa]
    assert by_text(al4, without) == {k: v for k, v in before.items() if not k.startswith("Turk")}
    counts = review_to_dict(al4, without)["counts"]
    assert counts["orphans"] == 1 and counts["reviewed"] == 2

    second = parse(encode(al4, without, str(story)))
    assert orphan in second  # saved again exactly as it was

    (tmp_path / REWRITE).rename(story / REWRITE)
    al5 = load_story([str(story)])
    back = Review.attach(al5, second)
    assert back.orphans == []
    assert by_text(al5, back) == before


# ---------------------------------------------------------------- attach, hand-built runs
def test_two_marked_rows_merged_by_the_aligner_keep_both_marks_and_notes() -> None:
    old = build([[ALPHA], [BETA], [GAMMA]])
    review = Review()
    review.set(0, Mark(reviewed=True, note="first", updated="2024-01-01T00:00:00Z"))
    review.set(1, Mark(flagged=True, note="second", updated="2024-02-01T00:00:00Z"))
    new = build([[ALPHA, BETA], [GAMMA]], first_id=100)

    again = Review.attach(new, parse(encode(old, review, None)))

    assert again.orphans == []
    assert again.marks == {
        100: Mark(
            reviewed=True, flagged=True, note="first\n\nsecond", updated="2024-02-01T00:00:00Z"
        )
    }


def test_merged_rows_with_the_same_note_keep_it_once() -> None:
    old = build([[ALPHA], [BETA]])
    review = Review()
    review.set(0, Mark(note="same words"))
    review.set(1, Mark(note="same words"))
    again = Review.attach(build([[ALPHA, BETA]]), review.entries(old))
    assert again.marks == {0: Mark(note="same words")}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([[ALPHA], [BETA, GAMMA]], 101),  # two of its three paragraphs went to the second row
        ([[ALPHA, BETA], [GAMMA]], 100),  # ... to the first row
        ([[DELTA], [GAMMA], [ALPHA, BETA]], 102),
    ],
)
def test_a_row_split_in_two_keeps_its_mark_on_the_larger_share(
    rows: list[list[str]], expected: int
) -> None:
    old = build([[ALPHA, BETA, GAMMA]])
    review = Review()
    review.toggle_reviewed(0)
    again = Review.attach(build(rows, first_id=100), review.entries(old))
    assert list(again.marks) == [expected]
    assert again.orphans == []


@pytest.mark.parametrize(("was_row", "expected"), [(1, 0), (4, 3), (3, 3), (None, 0)])
def test_a_tie_goes_to_the_row_nearest_the_old_number(was_row: int | None, expected: int) -> None:
    """Half the passage in each of two rows: the old row number breaks the tie (without one,
    the first row wins), so repeated runs put the mark in the same place."""
    al = build([[ALPHA], [GAMMA], [DELTA], [BETA]])
    fps = (fingerprint(ALPHA), fingerprint(BETA))
    entry = Entry(tuple(fp for fp in fps if fp), ALPHA, Mark(flagged=True), was_row)
    again = Review.attach(al, [entry])
    assert list(again.marks) == [expected]


def test_a_slightly_reworded_row_keeps_its_mark_and_a_new_text_orphans_it() -> None:
    """No paragraph of the first row survived word for word (one word changed in each, in
    every copy), so no fingerprint matches: the fuzzy fallback finds it.  The last marked
    row was rewritten (about 77% alike: more than a light edit) and the rest is wholly new,
    so its mark becomes an orphan rather than landing on a passage that says something else."""
    old = build([[ALPHA, BETA], [GAMMA], [DELTA]])
    review = Review()
    review.set_note(0, "bridge story")
    review.toggle_flagged(2)
    alpha2 = ALPHA.replace("Tuesday", "Wednesday")
    beta2 = BETA.replace("steel", "iron")
    rewritten = "A replacement ferry service is expected to start before the end of the year."
    fresh = "Residents will be consulted on the design at three public meetings in March."
    new = build([[alpha2, beta2], [GAMMA], [rewritten], [fresh]], first_id=50)
    assert not set(row_fingerprints(old.rows[0])) & set(row_fingerprints(new.rows[0]))

    again = Review.attach(new, parse(encode(old, review, None)))

    assert list(again.marks) == [50]
    assert again.marks[50].note == "bridge story"
    assert [o.text for o in again.orphans] == [DELTA]
    assert again.orphans[0].mark.flagged


def test_attach_on_an_alignment_without_rows_orphans_everything() -> None:
    old = build([[ALPHA]])
    review = Review()
    review.toggle_reviewed(0)
    again = Review.attach(build([]), review.entries(old))
    assert again.marks == {}
    assert len(again.orphans) == 1


# ---------------------------------------------------------------------------- the model
@pytest.mark.parametrize(
    "variant",
    [
        '"hello," SHE said - it\'s done.',
        '"Hello,"   she said -- it\'s done',
        "hello she said it’s done",
        "  “Hello,”\tshe\nsaid — it’s done.  ",
    ],
)
def test_typographic_variants_share_a_fingerprint(variant: str) -> None:
    assert fingerprint(variant) == fingerprint("“Hello,” she said — it’s done.")


def test_fingerprints_tell_words_apart_and_ignore_wordless_paragraphs() -> None:
    fp = fingerprint(ALPHA)
    assert fp is not None and len(fp) == 16
    assert fp != fingerprint(ALPHA.replace("Tuesday", "Monday"))
    for empty in ("", "   ", "—", "* * *", "..."):
        assert fingerprint(empty) is None
    beta = fingerprint(BETA)
    assert beta is not None
    row = build([[ALPHA, "—", BETA]]).rows[0]  # both copies hold the same three paragraphs
    assert row_fingerprints(row) == tuple(sorted({fp, beta}))


def test_mark_toggles_set_and_clear() -> None:
    """An empty mark is no mark: toggling twice or clearing a note removes the row's entry."""
    review = Review()
    assert review.toggle_reviewed(7).reviewed
    assert review.toggle_flagged(7).flagged
    assert review.set_note(7, "  padded  ").note == "padded"
    assert review.get(7).updated.endswith("Z")
    assert (review.reviewed, review.flagged, review.notes) == (1, 1, 1)
    review.toggle_reviewed(7)
    review.toggle_flagged(7)
    assert 7 in review.marks
    review.set_note(7, "   ")
    assert review.marks == {}
    assert review.get(7) == Mark()


# ---------------------------------------------------------------------------- the codec
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"format": "storydiff-review", "entries": [', "broken JSON (line 1"),
        (b"", "broken JSON"),
        ("{}".encode("utf-16"), "not UTF-8"),
        (b'{"text": "caf\xe9"}', "not UTF-8"),
        (b"[]", "not a storydiff review file"),
        (b'"storydiff-review"', "not a storydiff review file"),
        (b'{"name": "other", "entries": []}', "not a storydiff review file"),
        (doc(format="other-review"), "not a storydiff review file"),
        (doc(schema=SCHEMA + 1), f"newer storydiff (schema {SCHEMA + 1})"),
        (doc(schema="1"), "no schema number"),
        (doc(schema=True), "no schema number"),
        (doc(schema=None), "no schema number"),
        (doc(entries={"fingerprints": []}), '"entries" is not a list'),
        (doc(entries=None), '"entries" is not a list'),
        (doc(entries=[["ab12"]]), "entry 1 is not an object"),
        (entry_doc(fingerprints=[1, 2]), "entry 2: fingerprints must be a list of strings"),
        (entry_doc(fingerprints="ab12"), "entry 2: fingerprints must be a list of strings"),
        (entry_doc(fingerprints=None), "entry 2: fingerprints must be a list of strings"),
        (entry_doc(note=5), "entry 2: note must be str"),
        (entry_doc(reviewed="yes"), "entry 2: reviewed must be bool"),
        (entry_doc(flagged=1), "entry 2: flagged must be bool"),
        (entry_doc(text=None), "entry 2: text must be str"),
        (entry_doc(updated=20240101), "entry 2: updated must be str"),
        (entry_doc(row="3"), "entry 2: row must be a number"),
        (entry_doc(row=True), "entry 2: row must be a number"),
        (b"[" * 100_000, "broken JSON (nested too deeply)"),
        (entry_doc(row=0).replace(b'"row": 0', b'"row": ' + b"9" * 5000), "number too long"),
    ],
)
def test_parse_refuses_what_is_not_a_review_file(data: bytes, message: str) -> None:
    """Each refusal is a ReviewFileError (the app renames the file aside and says why), never
    another exception, with a one-line message saying what is wrong."""
    with pytest.raises(ReviewFileError) as caught:
        parse(data)
    assert message in caught.value.message
    assert "\n" not in caught.value.message


def test_parse_ignores_unknown_keys_and_fills_defaults() -> None:
    """Newer files of the same schema may add keys: an old storydiff reads what it knows."""
    data = json.dumps(
        {
            "format": FORMAT,
            "schema": SCHEMA,
            "colour": "plum",
            "entries": [
                {"fingerprints": ["ab12", "cd34"], "row": 3, "note": "n", "extra": [1, {}]},
                {"fingerprints": []},
            ],
        }
    ).encode("utf-8")
    assert parse(data) == [
        Entry(("ab12", "cd34"), "", Mark(note="n"), 3),
        Entry((), "", Mark(), None),
    ]


def test_an_older_schema_number_is_read() -> None:
    assert len(parse(doc(schema=SCHEMA - 1))) == 1


def test_encode_is_readable_utf8_and_round_trips_every_field() -> None:
    al = build([[ALPHA], ["Über die Brücke — “quoted”"]])
    review = Review()
    review.set(1, Mark(reviewed=True, flagged=True, note="ça va\nline two", updated="2024-05-01"))
    orphan = Entry(("ffff",), "gone", Mark(note="kept"), 9)
    review.orphans.append(orphan)
    data = encode(al, review, "/some/folder")
    assert "Über die Brücke — “quoted”".encode() in data  # not \u-escaped: people read it
    assert data.endswith(b"\n")
    assert parse(data) == [
        Entry(
            row_fingerprints(al.rows[1]),
            "Über die Brücke — “quoted”",
            review.marks[1],
            2,
        ),
        orphan,
    ]


def test_review_to_dict_lists_marked_rows_and_orphans() -> None:
    al = build([[ALPHA], [BETA]])
    review = Review()
    review.toggle_flagged(1)
    review.orphans.append(Entry(("ffff",), "gone", Mark(reviewed=True), 4))
    out = review_to_dict(al, review, file="/x/review.json")
    assert out["file"] == "/x/review.json"
    assert out["counts"] == {"rows": 2, "reviewed": 0, "flagged": 1, "notes": 0, "orphans": 1}
    assert [(r["row"], r["id"], r["text"]) for r in out["rows"]] == [(2, 1, BETA)]
    assert out["orphans"][0]["was_row"] == 4 and out["orphans"][0]["reviewed"] is True


# ------------------------------------------------------------------ where the file lives
def test_a_writable_folder_gets_a_sidecar(story: Path, fresh_data_dir: Path) -> None:
    loc = locate(str(story))
    assert loc.path == story.resolve() / ".storydiff" / "review.json"
    assert loc.folder == str(story.resolve())
    assert loc.fallback is not None and loc.fallback.is_relative_to(fresh_data_dir)
    assert not loc.path.parent.exists()  # locating creates nothing


def test_an_unwritable_folder_gets_a_stable_file_per_folder_in_the_data_dir(
    story: Path, tmp_path: Path, fresh_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two folders of the same name get different files (the name hashes the full path), and
    the same folder gets the same file however its path is spelt."""
    monkeypatch.setattr(store, "_writable", lambda folder: False)
    other = tmp_path / "elsewhere" / "story"
    other.mkdir(parents=True)
    loc = locate(str(story))
    assert loc.path.parent == fresh_data_dir / "storydiff" / "reviews"
    assert loc.path.name.startswith("story-") and loc.path.suffix == ".json"
    assert loc.fallback is None
    assert locate(str(story)) == loc
    monkeypatch.chdir(tmp_path)
    assert locate("story") == loc
    assert locate(str(tmp_path / "elsewhere" / ".." / "story")) == loc
    assert locate(str(other)).path != loc.path


def test_an_existing_sidecar_wins_even_when_the_folder_looks_unwritable(
    story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sidecar(story).parent.mkdir()
    sidecar(story).write_bytes(doc())
    monkeypatch.setattr(store, "_writable", lambda folder: False)
    loc = locate(str(story))
    assert loc.path == sidecar(story)
    assert loc.fallback is not None


def test_an_existing_user_file_wins_over_a_writable_folder(
    story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A review started in the data dir (the folder was read-only then) stays there."""
    with monkeypatch.context() as m:
        m.setattr(store, "_writable", lambda folder: False)
        user = locate(str(story)).path
    user.parent.mkdir(parents=True)
    user.write_bytes(doc())
    assert locate(str(story)) == Location(user, None, str(story.resolve()))


def test_a_read_only_sidecar_folder_sends_the_review_to_the_data_dir(
    story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``_writable`` looks at ``.storydiff`` once it exists, not only at the story folder."""
    (story / SIDECAR_DIR).mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: real(p, mode) and Path(p).name != SIDECAR_DIR)
    assert locate(str(story)).path.parent.name == "reviews"


def test_the_demo_review_goes_to_the_data_dir(fresh_data_dir: Path) -> None:
    demo = fresh_data_dir / "storydiff" / "reviews" / "demo.json"
    assert locate(str(demo_story_dir())) == Location(demo, None, None)
    assert locate(None) == Location(demo, None, None)
    assert report_folder(str(demo_story_dir())) == fresh_data_dir / "storydiff" / "reports"
    assert report_path(str(demo_story_dir()), "html") == (
        fresh_data_dir / "storydiff" / "reports" / "demo-storydiff-report.html"
    )
    assert report_path(None, "md") == report_path(str(demo_story_dir()), "md")


def test_reports_go_next_to_a_writable_story(story: Path) -> None:
    assert report_folder(str(story)) == story.resolve()
    assert report_path(str(story), "json") == story.resolve() / "storydiff-report.json"


def test_reports_of_an_unwritable_story_get_a_name_per_story_in_the_data_dir(
    story: Path, tmp_path: Path, fresh_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "elsewhere" / "story"
    other.mkdir(parents=True)
    real = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode: real(p, mode) and not Path(p).is_relative_to(tmp_path),
    )
    reports = fresh_data_dir / "storydiff" / "reports"
    assert report_folder(str(story)) == reports
    path = report_path(str(story), "html")
    assert path.parent == reports
    assert path.name.startswith("story-") and path.name.endswith("-storydiff-report.html")
    assert path.name.removesuffix("-storydiff-report.html") == locate(str(story)).path.stem
    assert report_path(str(other), "html") != path


# -------------------------------------------------------------------------------- loading
def test_loading_a_missing_file_is_an_empty_review(story: Path) -> None:
    assert load(locate(str(story))) == ([], [])


@pytest.mark.parametrize(
    "content",
    [b"{ not json", b'{"format": "somebody-else"}', doc(schema=SCHEMA + 1), b"\x00\xff"],
)
def test_a_file_that_is_not_ours_is_kept_aside_byte_for_byte(story: Path, content: bytes) -> None:
    """Never overwritten: renamed to ``review.json.broken-<time>`` and named in a warning."""
    path = sidecar(story)
    path.parent.mkdir()
    path.write_bytes(content)

    entries, warnings = load(locate(str(story)))

    assert entries == []
    assert not path.exists()
    [aside] = path.parent.glob("review.json.broken-*")
    assert aside.read_bytes() == content
    assert len(warnings) == 1
    assert aside.name in warnings[0] and str(path) in warnings[0]
    assert "\n" not in warnings[0]


def test_two_broken_files_in_a_row_get_distinct_names(story: Path) -> None:
    path = sidecar(story)
    path.parent.mkdir()
    path.write_bytes(b"first {")
    load(locate(str(story)))
    path.write_bytes(b"second {")
    _, warnings = load(locate(str(story)))
    asides = sorted(path.parent.glob("review.json.broken-*"))
    assert len(asides) == 2
    assert {p.read_bytes() for p in asides} == {b"first {", b"second {"}
    assert all(p.name.startswith("review.json.broken-2") for p in asides)  # a UTC year
    assert any(p.name in warnings[0] for p in asides)


def test_a_broken_file_that_cannot_be_moved_aside_is_an_input_error(
    story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app catches StorydiffErrors and runs without marks, rather than crash or
    overwrite the file."""
    path = sidecar(story)
    path.parent.mkdir()
    path.write_bytes(b"{")

    def refuse(p: Path) -> Path:
        raise PermissionError(errno.EACCES, "Permission denied", str(p))

    monkeypatch.setattr(store, "keep_aside", refuse)
    with pytest.raises(InputError, match="cannot be moved aside"):
        load(locate(str(story)))
    assert path.read_bytes() == b"{"


def test_load_removes_stale_temp_files_and_keeps_fresh_ones(story: Path) -> None:
    """An old temp file is a crashed write's leftover; a fresh one may be another instance
    writing right now."""
    folder = sidecar(story).parent
    folder.mkdir()
    old = time.time() - STALE_TEMP_SECONDS - 60
    stale = folder / f".{SIDECAR_NAME}.abc123.tmp"
    fresh = folder / f".{SIDECAR_NAME}.def456.tmp"
    unrelated = folder / "notes.tmp"
    for p in (stale, fresh, unrelated):
        p.write_bytes(b"partial")
    os.utime(stale, (old, old))
    os.utime(unrelated, (old, old))
    sidecar(story).write_bytes(doc())

    entries, warnings = load(locate(str(story)))

    assert len(entries) == 1 and warnings == []
    assert not stale.exists()
    assert fresh.exists() and unrelated.exists()


# ------------------------------------------------------------------------- atomic writes
def test_write_atomic_writes_the_file_with_the_usual_permissions(tmp_path: Path) -> None:
    """mkstemp creates 0600 files; a review file must get what ``open()`` would give (the
    umask decides), so a shared story folder stays shared."""
    path = tmp_path / "new" / "folder" / SIDECAR_NAME
    write_atomic(path, b"one")
    write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    assert temps(path.parent) == []
    umask = os.umask(0o022)
    os.umask(umask)
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == 0o666 & ~umask
    assert mode != 0o600


@pytest.mark.parametrize("fails", ["fsync", "replace"])
@pytest.mark.parametrize("error", [OSError(errno.EIO, "I/O error"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str, error: BaseException
) -> None:
    path = tmp_path / SIDECAR_NAME
    write_atomic(path, b"old")

    def boom(*args: object) -> None:
        raise error

    monkeypatch.setattr(os, fails, boom)
    with pytest.raises(type(error)):
        write_atomic(path, b"new" * 1000)
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert temps(tmp_path) == []


# ---------------------------------------------------------------------------- the saver
def saver_at(path: Path, fallback: Path | None = None) -> tuple[Saver, list[str]]:
    problems: list[str] = []
    return Saver(Location(path, fallback, None), problems.append), problems


def slow_writes(
    monkeypatch: pytest.MonkeyPatch, fail: Callable[[Path], OSError | None] = lambda p: None
) -> list[tuple[Path, bytes]]:
    """Replace the saver's ``write_atomic``: each write takes 20 ms (so submits pile up)
    and ``fail(path)`` may return an error to raise instead; returns the log of writes."""
    done: list[tuple[Path, bytes]] = []
    real = store.write_atomic

    def write(path: Path, data: bytes) -> None:
        time.sleep(0.02)
        error = fail(path)
        if error is not None:
            raise error
        real(path, data)
        done.append((path, data))

    monkeypatch.setattr(store, "write_atomic", write)
    return done


def test_the_saver_writes_the_newest_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A burst of changes becomes a few writes, the last of which is the newest state."""
    done = slow_writes(monkeypatch)
    path = tmp_path / SIDECAR_NAME
    saver, problems = saver_at(path)
    submits = [f"state {n}".encode() for n in range(50)]
    for data in submits:
        saver.submit(data)
    assert saver.flush()
    assert path.read_bytes() == b"state 49"
    assert 1 <= saver.writes < len(submits)
    assert saver.writes == len(done)
    assert done[-1] == (path, b"state 49")
    assert problems == []
    assert saver.close()


def test_a_refused_write_moves_to_the_fallback_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "story" / SIDECAR_DIR / SIDECAR_NAME
    fallback = tmp_path / "data" / "reviews" / "story-1234.json"

    def refuse(p: Path) -> OSError | None:
        return PermissionError(errno.EACCES, "Permission denied", str(p)) if p == path else None

    slow_writes(monkeypatch, refuse)
    saver, problems = saver_at(path, fallback)
    saver.submit(b"first")
    assert saver.flush()
    assert saver.path == fallback
    assert fallback.read_bytes() == b"first"
    assert not path.exists()
    assert len(problems) == 1
    assert str(path) in problems[0] and str(fallback) in problems[0]
    assert "Permission denied" in problems[0] and "\n" not in problems[0]

    saver.submit(b"second")  # straight to the fallback, no new message
    assert saver.close()
    assert fallback.read_bytes() == b"second"
    assert len(problems) == 1


def test_a_refused_write_without_a_fallback_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / SIDECAR_NAME
    slow_writes(monkeypatch, lambda p: OSError(errno.EROFS, "Read-only file system"))
    saver, problems = saver_at(path)
    saver.submit(b"x")
    assert saver.close()
    assert problems == [f"could not save the review to {path}: Read-only file system"]
    assert saver.writes == 0


def test_a_full_disk_is_reported_and_the_next_change_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC is not a refusal: the saver stays on its path (no move to the fallback) and
    simply tries again with the next change."""
    path = tmp_path / SIDECAR_NAME
    fallback = tmp_path / "fallback.json"
    full = [True]

    def no_space(p: Path) -> OSError | None:
        return OSError(errno.ENOSPC, "No space left on device") if full[0] else None

    slow_writes(monkeypatch, no_space)
    saver, problems = saver_at(path, fallback)
    saver.submit(b"lost")
    assert saver.flush()
    assert problems == [f"could not save the review to {path}: No space left on device"]
    assert not path.exists() and saver.path == path

    full[0] = False
    saver.submit(b"kept")
    assert saver.close()
    assert path.read_bytes() == b"kept"
    assert not fallback.exists()
    assert len(problems) == 1


def test_a_path_under_a_file_is_reported_not_raised(tmp_path: Path) -> None:
    """A real failure, no monkeypatching: the folder to create is a file (ENOTDIR)."""
    (tmp_path / "blocker").write_bytes(b"")
    path = tmp_path / "blocker" / SIDECAR_DIR / SIDECAR_NAME
    saver, problems = saver_at(path)
    saver.submit(b"x")
    assert saver.close()
    assert len(problems) == 1
    assert problems[0].startswith(f"could not save the review to {path}: ")
    assert "Not a directory" in problems[0]


def test_a_closed_saver_refuses_new_work(tmp_path: Path) -> None:
    saver, _ = saver_at(tmp_path / SIDECAR_NAME)
    assert saver.flush()  # nothing submitted: nothing to wait for
    saver.submit(b"last")
    assert saver.close()
    assert (tmp_path / SIDECAR_NAME).read_bytes() == b"last"
    with pytest.raises(RuntimeError):
        saver.submit(b"too late")


# --------------------------------------------------------------------------- the session
def test_a_session_saves_as_it_goes_and_the_next_session_sees_it(story: Path) -> None:
    session = ReviewSession(load_story([str(story)]))
    assert session.path == str(sidecar(story))
    assert session.warnings == [] and session.review.marks == {}
    session.toggle_reviewed(0)
    session.toggle_reviewed(5)
    session.toggle_flagged(5)
    session.set_note(9, "Interfax, not TASS")
    session.set_note(12, "to be removed")
    session.toggle_flagged(20)
    session.toggle_flagged(20)  # flagged and unflagged: no mark left
    session.set_note(12, "")
    assert session.close()

    entries = parse(sidecar(story).read_bytes())
    assert [e.row for e in entries] == [1, 6, 10]

    again = ReviewSession(load_story([str(story)]))
    assert again.positions(lambda m: m.reviewed) == [0, 5]
    assert again.positions(lambda m: m.flagged) == [5]
    assert again.positions(lambda m: bool(m.note)) == [9]
    assert again.mark(9).note == "Interfax, not TASS"
    assert again.mark(12) == Mark() and again.mark(20) == Mark()
    assert len(again.positions(lambda m: m.empty)) == len(again.alignment.rows) - 3
    assert {n: again.mark(n) for n in (0, 5, 9)} == {n: session.mark(n) for n in (0, 5, 9)}
    again.toggle_reviewed(0)
    again.toggle_reviewed(5)
    again.toggle_flagged(5)
    again.set_note(9, "")
    assert again.close()
    assert parse(sidecar(story).read_bytes()) == []


def test_a_session_on_a_broken_file_starts_afresh_and_keeps_it(story: Path) -> None:
    sidecar(story).parent.mkdir()
    sidecar(story).write_bytes(b'{"format": "storydiff-review", "schema": 1, "entries": [{')
    session = ReviewSession(load_story([str(story)]))
    assert len(session.warnings) == 1 and "kept as review.json.broken-" in session.warnings[0]
    session.toggle_flagged(2)
    assert session.close()
    assert len(parse(sidecar(story).read_bytes())) == 1
    assert len(list(sidecar(story).parent.glob("review.json.broken-*"))) == 1


def test_a_session_whose_sidecar_is_refused_moves_to_the_data_dir_for_good(
    story: Path, fresh_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder looked writable but the write was refused (a read-only mount says so only
    when written): the review moves to the data dir, and the next start finds it there."""
    real = store.write_atomic

    def write(path: Path, data: bytes) -> None:
        if path.is_relative_to(story.resolve()):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        real(path, data)

    monkeypatch.setattr(store, "write_atomic", write)
    problems: list[str] = []
    session = ReviewSession(load_story([str(story)]), problem=problems.append)
    session.toggle_reviewed(1)
    assert session.close()
    assert Path(session.path).is_relative_to(fresh_data_dir)
    assert len(problems) == 1 and "saving the review in" in problems[0]

    again = ReviewSession(load_story([str(story)]))
    assert again.path == session.path
    assert again.positions(lambda m: m.reviewed) == [1]


def test_the_demo_is_reviewed_in_the_data_dir(fresh_data_dir: Path) -> None:
    """The bundled demo is never written to (conftest checks ``seeds/`` is unchanged)."""
    session = ReviewSession(load_story([]))
    assert session.path == str(fresh_data_dir / "storydiff" / "reviews" / "demo.json")
    session.toggle_reviewed(0)
    assert session.close()
    assert json.loads(Path(session.path).read_bytes())["story"]["folder"] is None
    assert not (SEEDS / SIDECAR_DIR).exists()


def test_switching_the_base_keeps_the_marks_and_the_next_start_finds_them(story: Path) -> None:
    """The app's base switch keeps row ids; what is saved then quotes the new base's reading,
    and still attaches to the same rows on a fresh (default base) load."""
    session = ReviewSession(load_story([str(story)]))
    session.toggle_flagged(3)
    other = rebase(session.alignment, REWRITE.removesuffix(".txt"))
    session.rebased(other)
    assert session.alignment is other
    assert session.positions(lambda m: m.flagged) == [3]
    session.toggle_reviewed(0)
    assert session.close()
    [first, _] = parse(sidecar(story).read_bytes())
    assert first.text.startswith("Tens of thousands of Syrians")  # the IPA copy's reading

    again = ReviewSession(load_story([str(story)]))
    assert again.positions(lambda m: not m.empty) == [0, 3]


def test_the_review_engine_does_not_import_textual() -> None:
    assert "textual" not in modules_after("import storydiff.review.session")


# -------------------------------------------------------------------------- crash safety
CRASH_CHILD = """
import sys
from pathlib import Path
from storydiff.review.store import write_atomic

target = Path(sys.argv[1])
payloads = [p.read_bytes() for p in sorted(Path(sys.argv[2]).glob("*.json"))]
n = int(sys.argv[3])
sys.stdout.write("ready\\n")
sys.stdout.flush()
while True:
    write_atomic(target, payloads[n % len(payloads)])
    n += 1
"""


def crash_payloads() -> list[bytes]:
    """Real review files of very different sizes, the largest about 1 MB (a write that
    takes a while, so kills land inside it)."""
    al = build([[ALPHA], [BETA]])
    out: list[bytes] = []
    for n, orphans in enumerate((0, 3, 1400, 40, 1100)):
        review = Review()
        review.toggle_reviewed(0)
        review.orphans = [
            Entry((f"{k:016x}",), f"{k} {n} " + GAMMA * 8, Mark(note=DELTA), k)
            for k in range(orphans)
        ]
        out.append(encode(al, review, f"/story/{n}"))
    assert max(map(len, out)) > 900_000
    return out


def test_kill_9_during_saves_never_leaves_a_broken_file(tmp_path: Path) -> None:
    """The issue's acceptance test: kill the writer with SIGKILL while it saves, repeatedly;
    the sidecar always parses, and is always one whole file (old or new), never a mix.

    The child loops over ``write_atomic`` forever; it is killed 0-50 ms after it is ready,
    40 times (a fixed seed, so a failure can be replayed).  Some kills must land mid-write
    (a temp file is left behind), or the test proved nothing."""
    payloads = crash_payloads()
    folder = tmp_path / "payloads"
    folder.mkdir()
    for n, data in enumerate(payloads):
        (folder / f"{n}.json").write_bytes(data)
    target = tmp_path / "story" / SIDECAR_DIR / SIDECAR_NAME
    write_atomic(target, payloads[0])
    rng = random.Random(20240521)
    mid_write = 0
    started = time.monotonic()
    for kill in range(40):
        child = subprocess.Popen(
            [sys.executable, "-c", CRASH_CHILD, str(target), str(folder), str(kill)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line == b"ready\n", child.communicate()[1].decode(errors="replace")
            time.sleep(rng.uniform(0.0, 0.05))
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.communicate()
        assert child.returncode == -signal.SIGKILL

        data = target.read_bytes()
        try:
            parse(data)
        except ReviewFileError as exc:  # pragma: no cover - the failure being tested for
            pytest.fail(f"kill {kill}: the review file does not parse: {exc.message}")
        assert data in payloads, f"kill {kill}: the file is a mix of two writes"
        leftovers = temps(target.parent)
        mid_write += bool(leftovers)
        for p in leftovers:
            p.unlink()
    assert mid_write >= 3, f"only {mid_write} of 40 kills landed inside a write"
    assert time.monotonic() - started < 20
