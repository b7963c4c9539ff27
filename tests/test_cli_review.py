"""`storydiff review` and `storydiff report` from the command line: what they print, where
they write, and that they never modify the copies or a review file they cannot read."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import SEEDS, run_storydiff
from storydiff.review.session import ReviewSession
from storydiff.review.store import SIDECAR_DIR, SIDECAR_NAME
from storydiff.story import load_story


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_storydiff(*args, cwd=cwd, timeout=120)


def one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("storydiff: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def sums(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def review_some(folder: str) -> dict[str, tuple[bool, bool, str]]:
    """Mark rows 1, 3 and 6 of the story through the engine; what each row's base text got."""
    al = load_story([folder])
    session = ReviewSession(al)
    session.toggle_reviewed(0)
    session.toggle_flagged(2)
    session.set_note(2, "number changed: 60,000 or 50,000?")
    session.toggle_reviewed(5)
    session.set_note(5, "attribution removed | **check** <b>")
    assert session.close()
    out = {}
    for pos in (0, 2, 5):
        m = session.mark(pos)
        out[al.rows[pos].cells[al.base].text] = (m.reviewed, m.flagged, m.note)
    return out


def review_json(*paths: str) -> dict[str, Any]:
    proc = run("review", "--json", *paths)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, dict)
    return data


# ---------------------------------------------------------------------- review
def test_review_json_with_nothing_saved(story: Path) -> None:
    data = review_json(str(story))
    assert data["file"] is None
    assert data["rows"] == [] and data["orphans"] == []
    assert data["counts"]["rows"] == 27 and data["counts"]["reviewed"] == 0
    assert not (story / SIDECAR_DIR).exists()  # reading never creates the sidecar


def test_review_json_lists_what_was_saved(story: Path) -> None:
    expected = review_some(str(story))
    data = review_json(str(story))
    assert data["file"] == str(story / SIDECAR_DIR / SIDECAR_NAME)
    got = {r["text"]: (r["reviewed"], r["flagged"], r["note"]) for r in data["rows"]}
    assert got == expected
    assert data["counts"] == {"rows": 27, "reviewed": 2, "flagged": 1, "notes": 2, "orphans": 0}
    plain = run("review", str(story))
    assert plain.returncode == 0
    assert "2/27 reviewed, 1 flagged, 2 notes" in plain.stdout
    assert "note: number changed: 60,000 or 50,000?" in plain.stdout


def test_a_sixth_copy_keeps_the_marks_on_their_rows(story: Path) -> None:
    """The issue's check: add a copy to the folder; the marked rows still carry their marks
    (found by content, though the rows may be numbered differently now)."""
    expected = review_some(str(story))
    extra = (SEEDS / "003_42d899cb014f27ae.txt").read_text("utf-8")
    paragraphs = [p for p in extra.split("\n\n") if p.strip()]
    paragraphs.insert(1, "A paragraph only this sixth outlet carries, about local reaction.")
    (story / "005_sixth_copy.txt").write_text("\n\n".join(paragraphs), "utf-8")
    before = sums(story)
    data = review_json(str(story))
    assert len(load_story([str(story)]).versions) == 6
    got = {r["text"]: (r["reviewed"], r["flagged"], r["note"]) for r in data["rows"]}
    assert got == expected
    assert data["orphans"] == []
    assert sums(story) == before


def test_a_removed_copy_keeps_orphans_listed(story: Path) -> None:
    al = load_story([str(story)])
    only_ipa = next(
        pos
        for pos, row in enumerate(al.rows)
        if set(row.cells)
        == {v.id for v in al.versions if v.source.endswith("004_7908be4e56a87519.txt")}
    )
    session = ReviewSession(al)
    session.set_note(only_ipa, "only IPA says this")
    assert session.close()
    (story / "004_7908be4e56a87519.txt").unlink()
    data = review_json(str(story))
    assert data["rows"] == []
    (orphan,) = data["orphans"]
    assert orphan["note"] == "only IPA says this"


def test_review_refuses_a_broken_file_and_leaves_it_alone(story: Path) -> None:
    side = story / SIDECAR_DIR
    side.mkdir()
    (side / SIDECAR_NAME).write_text('{"format": "something-else"}', "utf-8")
    proc = run("review", "--json", str(story))
    one_line_error(proc, "review.json", "not a storydiff review file")
    assert [p.name for p in side.iterdir()] == [SIDECAR_NAME]


# ---------------------------------------------------------------------- report
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_report_on_the_seeds_has_every_outlet_row_flag_and_note(fmt: str, tmp_path: Path) -> None:
    """`storydiff report seeds --format md|html` with a review saved for the folder."""
    # a copy of the seeds folder, reviewed and reported as `storydiff report seeds` from its
    # parent: the repository's seeds/ stays untouched
    work = tmp_path / "work"
    shutil.copytree(SEEDS, work / "seeds")
    expected = review_some(str(work / "seeds"))
    proc = run("report", "seeds", "--format", fmt, cwd=work)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    al = load_story([str(work / "seeds")])
    for v in al.versions:
        assert v.outlet in text
    if fmt == "md":
        assert "number changed: 60,000 or 50,000?" in text
        assert "attribution removed \\| \\*\\*check\\*\\* \\<b\\>" in text
    else:
        assert "number changed: 60,000 or 50,000?" in text
        assert "attribution removed | **check** &lt;b&gt;" in text
    assert "flagged" in text.lower()
    assert len(expected) == 3


def test_report_output_file_and_folder(story: Path, tmp_path: Path) -> None:
    before = sums(story)
    out = tmp_path / "r.html"
    proc = run("report", str(story), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text("utf-8").lstrip().lower().startswith("<!doctype html>")
    assert str(out) in proc.stderr
    proc = run("report", str(story), "--format", "csv", "-o", str(story))
    assert proc.returncode == 0, proc.stderr
    assert (story / "storydiff-report.csv").is_file()
    # the report in the story folder is not read back as a copy
    proc = run("align", "--json", str(story))
    assert proc.returncode == 0
    assert len(json.loads(proc.stdout)["versions"]) == 5
    assert "storydiff-report.csv" in proc.stderr
    after = sums(story)
    after.pop("storydiff-report.csv")
    assert after == before


def test_report_never_overwrites_a_copy(story: Path) -> None:
    copy = story / "000_213675de9e36e604.txt"
    before = copy.read_bytes()
    proc = run("report", str(story), "-o", str(copy))
    one_line_error(proc, "one of the copies")
    assert copy.read_bytes() == before


def test_report_into_a_missing_folder_is_a_one_line_error(story: Path, tmp_path: Path) -> None:
    proc = run("report", str(story), "-o", str(tmp_path / "nope" / "r.md"))
    one_line_error(proc, "no such folder")


def test_report_json_is_the_align_json_plus_the_review(story: Path) -> None:
    review_some(str(story))
    report = json.loads(run("report", str(story), "--format", "json").stdout)
    aligned = json.loads(run("align", "--json", str(story)).stdout)
    review = report.pop("review")
    assert review["counts"]["flagged"] == 1
    assert report["schema"] == aligned["schema"]
    assert report["rows"] == aligned["rows"] and report["versions"] == aligned["versions"]


def test_copies_from_several_folders_keep_their_review_in_the_data_dir(
    tmp_path: Path, fresh_data_dir: Path
) -> None:
    """Their only common folder may be the home folder (or /): nothing is written there."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    shutil.copy(SEEDS / "000_213675de9e36e604.txt", first / "one.txt")
    shutil.copy(SEEDS / "003_42d899cb014f27ae.txt", second / "two.txt")
    paths = [str(first / "one.txt"), str(second / "two.txt")]
    al = load_story(paths)
    assert not al.one_folder
    session = ReviewSession(al)
    session.toggle_flagged(0)
    assert session.close()
    assert Path(session.path).is_relative_to(fresh_data_dir)
    assert not list(tmp_path.rglob(SIDECAR_DIR))
    assert review_json(*paths)["counts"]["flagged"] == 1
