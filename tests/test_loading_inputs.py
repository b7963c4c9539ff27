"""collect_inputs: folders, files, duplicates, odd files, and order-independence."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from storydiff.errors import InputError, ManifestError
from storydiff.loading import STORY_SUFFIXES, collect_inputs

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.txt"))


@pytest.fixture
def story(tmp_path: Path) -> Path:
    """A writable copy of the five seed copies, without the project's own manifest."""
    folder = tmp_path / "story"
    folder.mkdir()
    for name in SEED_NAMES:
        shutil.copyfile(SEEDS / name, folder / name)
    return folder


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(cwd)


def _names(inputs_files: tuple[tuple[str, Path], ...]) -> list[str]:
    return [path.name for _, path in inputs_files]


def test_folder_gives_every_story_file_sorted(story: Path) -> None:
    inputs = collect_inputs([str(story)])
    assert _names(inputs.files) == SEED_NAMES
    assert [src for src, _ in inputs.files] == [str(story / n) for n in SEED_NAMES]
    assert all(path.is_absolute() for _, path in inputs.files)
    assert inputs.story_dir == story
    assert inputs.manifest is None
    assert inputs.notes == ()


def test_sources_are_kept_as_typed(story: Path, in_tmp: Path) -> None:
    inputs = collect_inputs(["story/" + SEED_NAMES[1], "./story/" + SEED_NAMES[0]])
    assert [src for src, _ in inputs.files] == [
        "./story/" + SEED_NAMES[0],
        "story/" + SEED_NAMES[1],
    ]
    assert inputs.story_dir == story


def test_order_of_paths_does_not_matter(story: Path) -> None:
    paths = [str(story / n) for n in SEED_NAMES]
    forward = collect_inputs(paths)
    backward = collect_inputs(list(reversed(paths)))
    assert forward == backward
    mixed = [str(story), paths[2]]
    assert collect_inputs(mixed) == collect_inputs(list(reversed(mixed)))


def test_same_file_twice_is_compared_once(story: Path) -> None:
    one = str(story / SEED_NAMES[0])
    inputs = collect_inputs([one, one, str(story / SEED_NAMES[1])])
    assert _names(inputs.files) == SEED_NAMES[:2]
    assert inputs.notes == (f"{one} given more than once; compared once",)


def test_file_and_its_folder_are_compared_once(story: Path) -> None:
    explicit = str(story / SEED_NAMES[0])
    inputs = collect_inputs([explicit, str(story)])
    assert _names(inputs.files) == SEED_NAMES
    assert inputs.files[0][0] == explicit
    assert len(inputs.notes) == 1 and "compared once" in inputs.notes[0]


def test_folder_twice_and_a_symlink_to_a_file(story: Path, tmp_path: Path) -> None:
    link = tmp_path / "alias.txt"
    link.symlink_to(story / SEED_NAMES[0])
    inputs = collect_inputs([str(story), str(story), str(link)])
    assert _names(inputs.files) == SEED_NAMES
    assert any("folder given more than once" in n for n in inputs.notes)
    assert any("are the same file; compared once" in n for n in inputs.notes)


def test_missing_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.txt")
    with pytest.raises(InputError) as info:
        collect_inputs([missing, str(SEEDS)])
    assert info.value.message == f"{missing}: no such file or folder"


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty: no story files in this folder"):
        collect_inputs([str(tmp_path / "empty")])


def test_folder_with_only_ignored_files(tmp_path: Path) -> None:
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / ".hidden.txt").write_text("hidden", encoding="utf-8")
    with pytest.raises(InputError, match="no story files"):
        collect_inputs([str(folder)])


def test_one_file_only(story: Path) -> None:
    only = str(story / SEED_NAMES[0])
    with pytest.raises(InputError) as info:
        collect_inputs([only])
    assert info.value.message == (
        f"{only}: only one copy of the story ({SEED_NAMES[0]}); storydiff compares two or "
        "more copies — add another file"
    )


def test_folder_with_one_file(tmp_path: Path) -> None:
    folder = tmp_path / "single"
    folder.mkdir()
    (folder / "a.txt").write_text("Only copy.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"single: only one copy of the story \(a\.txt\)"):
        collect_inputs([str(folder)])


def test_no_paths() -> None:
    with pytest.raises(InputError, match="no copies given"):
        collect_inputs([])


def test_fifo_given_as_file_is_refused_without_opening(tmp_path: Path, story: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"pipe\.txt: is a named pipe \(FIFO\), not a story"):
        collect_inputs([str(fifo), str(story)])


def test_fifo_in_folder_is_noted_not_opened(story: Path) -> None:
    os.mkfifo(story / "pipe.txt")
    inputs = collect_inputs([str(story)])
    assert _names(inputs.files) == SEED_NAMES
    assert inputs.notes == ("ignored pipe.txt: a named pipe (FIFO), not a story file",)


def test_unknown_files_are_sniffed_and_noted(story: Path) -> None:
    (story / "README").write_text("A copy without a suffix.\n", encoding="utf-8")
    (story / "copy.eml").write_text("Another copy with an odd suffix.\n", encoding="utf-8")
    (story / "photo.dat").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (story / "notes.json").write_text("{}", encoding="utf-8")
    (story / "backup.txt~").write_text("old copy\n", encoding="utf-8")
    (story / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (story / "sub").mkdir()
    (story / "sub" / "deeper.txt").write_text("not read\n", encoding="utf-8")
    inputs = collect_inputs([str(story)])
    assert _names(inputs.files) == sorted([*SEED_NAMES, "README", "copy.eml"])
    assert inputs.notes == (
        "ignored backup.txt~: not a story file",
        "ignored notes.json: not a story file",
        "ignored photo.dat: not a story file",
        f"{story}: skipped sub-folder sub/ (storydiff does not look inside sub-folders)",
    )


def test_explicit_files_are_always_taken(story: Path) -> None:
    odd = story / "data.json"
    odd.write_text('{"not": "a story"}', encoding="utf-8")
    inputs = collect_inputs([str(odd), str(story / SEED_NAMES[0])])
    assert "data.json" in _names(inputs.files)


def test_symlink_loop_in_folder_and_on_command_line(story: Path, tmp_path: Path) -> None:
    (story / "loop.txt").symlink_to(story / "loop.txt")
    inputs = collect_inputs([str(story)])
    assert _names(inputs.files) == SEED_NAMES
    assert inputs.notes == ("ignored loop.txt: a broken or looping link",)
    with pytest.raises(InputError, match="symbolic link loop"):
        collect_inputs([str(story / "loop.txt"), str(story)])


def test_broken_link_on_command_line(tmp_path: Path, story: Path) -> None:
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    with pytest.raises(InputError, match="broken link"):
        collect_inputs([str(tmp_path / "gone.txt"), str(story)])


def test_manifest_in_folder_is_loaded_and_missing_copies_noted(story: Path) -> None:
    (story / "storydiff.toml").write_text(
        f'base = "{SEED_NAMES[3]}"\n'
        f'[copies."{SEED_NAMES[0]}"]\noutlet = "The Moscow Times"\n'
        '[copies."gone.txt"]\noutlet = "Nobody"\n',
        encoding="utf-8",
    )
    inputs = collect_inputs([str(story)])
    assert inputs.manifest is not None
    assert inputs.manifest.base == SEED_NAMES[3]
    info = inputs.manifest.for_file(SEED_NAMES[0])
    assert info is not None and info.outlet == "The Moscow Times"
    assert len(inputs.files) == 5  # the manifest is not a copy
    assert len(inputs.notes) == 1
    assert 'copies."gone.txt" names a file that is not in' in inputs.notes[0]


def test_manifest_found_for_explicit_files(story: Path) -> None:
    (story / "storydiff.toml").write_text('title = "T"\n', encoding="utf-8")
    inputs = collect_inputs([str(story / n) for n in SEED_NAMES[:2]])
    assert inputs.manifest is not None and inputs.manifest.title == "T"
    assert inputs.story_dir == story


def test_bad_manifest_is_an_error(story: Path) -> None:
    (story / "storydiff.toml").write_text("colour = 1\n", encoding="utf-8")
    with pytest.raises(ManifestError, match='unknown key "colour"'):
        collect_inputs([str(story)])


def test_files_from_two_folders(tmp_path: Path, story: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    shutil.copyfile(SEEDS / SEED_NAMES[0], other / "copy.txt")
    inputs = collect_inputs([str(other / "copy.txt"), str(story / SEED_NAMES[1])])
    assert inputs.story_dir == tmp_path
    assert [p.parent.name for _, p in inputs.files] == ["other", "story"]


def test_story_suffixes() -> None:
    assert {".txt", ".md", ".html", ".htm", ".xhtml", ".markdown", ".text"} == STORY_SUFFIXES
