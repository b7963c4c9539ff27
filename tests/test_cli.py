"""The `storydiff` command as a user meets it: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SEEDS, run_storydiff
from storydiff.cli import main

WIRE = [
    "Tens of thousands of people fled to the Turkish border on Wednesday as an army advance "
    "pushed into the opposition's last major stronghold, residents said.",
    "Rescuers there said around 60,000 people had fled in the last four days alone, and "
    "more were on the roads towards the border crossings.",
    "State media said government forces had seized a highway running through the town after "
    "days of fighting with militants in the countryside.",
]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_storydiff(*args, cwd=cwd)


def story(tmp_path: Path, texts: dict[str, str]) -> Path:
    folder = tmp_path / "story"
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, proc.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def test_align_json_on_the_seeds() -> None:
    proc = run("align", str(SEEDS), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["schema"] == 1
    assert len(data["versions"]) == 5
    assert data["base"] in {v["id"] for v in data["versions"]}
    assert {v["outlet"] for v in data["versions"]} == {
        "The Moscow Times",
        "The Globe and Mail",
        "Euronews",
        "IPA News",
    }
    for row in data["rows"]:
        assert row["status"] in {"same", "changed", "partial", "unique", "moved"}
        for cell in row["cells"].values():
            if cell["diff"] is not None:  # diff ops give back the cell's text exactly
                text = "\n\n".join(p["text"] for p in cell["paragraphs"])
                assert "".join(op.get("text", "") for op in cell["diff"]) == text
    assert all(f["reason"] for f in data["folded"])


def test_demo_story_from_any_folder(tmp_path: Path) -> None:
    proc = run("align", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["versions"]) == 5


def test_bare_command_in_a_pipe_summarises_the_demo(tmp_path: Path) -> None:
    """Without a terminal (a pipe, a script) the reader cannot draw: the plain summary."""
    proc = run(cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "The Globe and Mail" in proc.stdout and "Euronews" in proc.stdout
    assert "Rows" in proc.stdout


def test_bad_input_to_the_reader_is_one_line(tmp_path: Path) -> None:
    one_line_error(run(str(tmp_path / "nope")), "nope")


def test_base_by_outlet_and_unknown_base() -> None:
    result = CliRunner().invoke(main, ["align", str(SEEDS), "--json", "--base", "euronews"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["base"] == "003_42d899cb014f27ae"
    one_line_error(run("align", str(SEEDS), "--base", "nope"), "nope", "matches no copy")
    one_line_error(run("align", str(SEEDS), "--base", "The Moscow Times"), "matches several copies")


def test_missing_path_empty_folder_and_single_copy(tmp_path: Path) -> None:
    one_line_error(run("align", str(tmp_path / "nowhere")), "nowhere", "no such file")
    empty = tmp_path / "empty"
    empty.mkdir()
    one_line_error(run("align", str(empty)), "empty")
    single = story(tmp_path, {"a.txt": "\n\n".join(WIRE)})
    one_line_error(run("align", str(single)), "only one")


def test_bad_file_among_good_ones_is_a_warning(tmp_path: Path) -> None:
    folder = story(tmp_path, {"a.txt": "\n\n".join(WIRE), "b.txt": "\n\n".join(WIRE[:2])})
    (folder / "empty.txt").write_text("   \n", encoding="utf-8")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    proc = run("align", str(folder), "--json")
    assert proc.returncode == 0, proc.stderr
    assert "empty.txt" in proc.stderr and "image.txt" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(json.loads(proc.stdout)["versions"]) == 2


def test_bad_files_with_nothing_left_to_compare(tmp_path: Path) -> None:
    folder = story(tmp_path, {"a.txt": "\n\n".join(WIRE)})
    (folder / "b.txt").write_bytes(bytes(range(256)) * 8)
    one_line_error(run("align", str(folder)), "b.txt")


def test_size_limit(tmp_path: Path) -> None:
    folder = story(tmp_path, {"a.txt": "\n\n".join(WIRE), "b.txt": "\n\n".join(WIRE) * 20})
    one_line_error(run("align", str(folder), "--max-size", "0.002"), "b.txt", "limit")


def test_story_size_limit(tmp_path: Path) -> None:
    folder = story(tmp_path, {"a.txt": "\n\n".join(WIRE), "b.txt": "\n\n".join(WIRE) * 8})
    one_line_error(run("align", str(folder), "--max-story-size", "0.002"), "limit for all copies")


def test_folder_given_twice_is_compared_once(tmp_path: Path) -> None:
    folder = story(tmp_path, {"a.txt": "\n\n".join(WIRE), "b.txt": "\n\n".join(WIRE[:2])})
    proc = run("align", str(folder), str(folder), "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["versions"]) == 2


def test_hostile_text_is_shown_literally(tmp_path: Path) -> None:
    evil = "[bold red]Breaking[/] \x1b[31mred\x1b[0m \x1b]0;pwned\x07 \u202eevil"
    folder = story(
        tmp_path,
        {"a.txt": "\n\n".join([evil, *WIRE]), "b.txt": "\n\n".join([*WIRE, evil])},
    )
    proc = run("align", str(folder))
    assert proc.returncode == 0, proc.stderr
    assert "[bold red]Breaking[/]" in proc.stdout
    assert "\x1b" not in proc.stdout and "\u202e" not in proc.stdout
    assert "\\x1b[31mred" in proc.stdout
    data = json.loads(run("align", str(folder), "--json").stdout)
    texts = [p["text"] for r in data["rows"] for c in r["cells"].values() for p in c["paragraphs"]]
    assert evil in texts  # the JSON keeps the text exactly; escaping is JSON's job


def test_outlets_from_their_own_text_without_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder, ignore=shutil.ignore_patterns("storydiff.toml"))
    data = json.loads(run("align", str(folder), "--json").stdout)
    outlet = {Path(v["source"]).name[:3]: v for v in data["versions"]}
    assert outlet["001"]["outlet"] == "The Moscow Times"
    assert outlet["001"]["url"].startswith("https://www.themoscowtimes.com/2019/08/21/")
    assert outlet["002"]["outlet"] == "The Globe and Mail"
    assert outlet["003"]["outlet"] == "Euronews"
    assert all(len(v["badge"]) <= 6 for v in data["versions"])


def test_a_stated_source_url_names_the_outlet(tmp_path: Path) -> None:
    folder = story(
        tmp_path,
        {
            "a.txt": "\n\n".join([*WIRE, "Source: https://www.theguardian.com/world/2019/x"]),
            "b.txt": "\n\n".join(WIRE),
        },
    )
    data = json.loads(run("align", str(folder), "--json").stdout)
    a = next(v for v in data["versions"] if v["id"] == "a")
    assert a["url"] == "https://www.theguardian.com/world/2019/x"
    assert a["outlet"] == "The Guardian"


def test_outlets_from_the_manifest() -> None:
    data = json.loads(run("align", str(SEEDS), "--json").stdout)
    expected = {
        "000": ("The Moscow Times", "MT-prn"),
        "001": ("The Moscow Times", "MT"),
        "002": ("The Globe and Mail", "GLOBE"),
        "003": ("Euronews", "EURO"),
        "004": ("IPA News", "IPA"),
    }
    got = {v["id"][:3]: (v["outlet"], v["badge"]) for v in data["versions"]}
    assert got == expected
    assert {v["outlet_evidence"] for v in data["versions"]} == {"manifest"}


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version(flag: str) -> None:
    proc = run(flag)
    assert proc.returncode == 0 and proc.stdout
