"""From the paths on the command line to the set of copies to compare.

The result must not depend on how the user spelled or ordered the paths: the same story given
as ``seeds``, ``seeds/*`` or ``./seeds/b.txt seeds/a.txt ...`` is the same comparison.  Files
are identified by device and inode (so a file given twice, or reached through a link, is read
once) and sorted by resolved path.  Nothing here opens anything but a regular file: a FIFO
would block ``open`` forever.

Web addresses (given as paths, or listed in the manifest as ``[copies."https://..."]``) are
only collected here, one per page in any spelling, in the order of their normalised form;
:mod:`storydiff.web` fetches them.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from storydiff.errors import InputError
from storydiff.options import REPORT_PREFIX
from storydiff.web import is_url, normalize_url

from .decode import SNIFF_BYTES, sniff_is_text
from .manifest import MANIFEST_NAME, Manifest, load_manifest
from .reader import cannot_read, file_kind, not_a_file

STORY_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml"})
# Files often found next to the copies that are certainly not copies; anything else unknown
# is sniffed.
_NOT_STORY = """.toml .json .yaml .yml .csv .tsv .py .js .css .sh .log .ini .cfg .xml .pdf .doc
.docx .odt .rtf .png .jpg .jpeg .gif .webp .svg .zip .gz .tar .bak .orig .rej .swp .tmp"""
NOT_STORY_SUFFIXES = frozenset(_NOT_STORY.split())


@dataclass(frozen=True)
class Inputs:
    """The copies to compare, the manifest that describes them, and what was left out."""

    files: tuple[tuple[str, Path], ...]  # (source as given or found, resolved path)
    manifest: Manifest | None
    story_dir: Path | None  # the folder given, or the common parent of the files
    notes: tuple[str, ...]  # one line each: ignored files, duplicates, sub-folders...
    urls: tuple[str, ...] = ()  # web addresses, as given or as the manifest spells them

    @property
    def count(self) -> int:
        """How many copies: files and pages."""
        return len(self.files) + len(self.urls)


@dataclass(slots=True)
class _Found:
    source: str
    path: Path
    origin: str  # the command-line path that brought the file in
    explicit: bool


@dataclass(slots=True)
class _Collector:
    found: dict[tuple[int, int], _Found] = field(default_factory=dict)
    folders: dict[tuple[int, int], str] = field(default_factory=dict)
    story_dirs: list[str] = field(default_factory=list)
    manifests: list[tuple[str, Path]] = field(default_factory=list)  # (display, path)
    explicit_manifest: tuple[str, Path] | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, key: tuple[int, int], item: _Found) -> None:
        old = self.found.get(key)
        if old is None:
            self.found[key] = item
            return
        if old.source == item.source:
            self.notes.append(f"{item.source} given more than once; compared once")
        else:
            first, second = sorted((old.source, item.source))
            self.notes.append(f"{first} and {second} are the same file; compared once")
        # Keep the spelling the user typed over one found in a folder, then the shorter one.
        if (not item.explicit, item.source) < (not old.explicit, old.source):
            self.found[key] = item

    def folder(self, given: str, info: os.stat_result) -> None:
        key = (info.st_dev, info.st_ino)
        if key in self.folders:
            self.notes.append(f"{given}: folder given more than once; read once")
            return
        self.folders[key] = given
        self.story_dirs.append(os.path.abspath(given))
        try:
            entries = sorted(os.scandir(given), key=lambda e: e.name)
        except OSError as exc:
            raise InputError(cannot_read(given, exc, "list this folder")) from None
        taken = 0
        subfolders: list[str] = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if name.startswith(REPORT_PREFIX):
                self.notes.append(f"ignored {name}: a report storydiff wrote, not a copy")
                continue
            if name == MANIFEST_NAME:
                self.manifests.append((os.path.join(given, name), Path(entry.path)))
                continue
            try:
                est = os.stat(entry.path)
            except OSError:
                self.notes.append(f"ignored {name}: a broken or looping link")
                continue
            if stat.S_ISDIR(est.st_mode):
                subfolders.append(name + "/")
                continue
            if not stat.S_ISREG(est.st_mode):
                self.notes.append(f"ignored {name}: {file_kind(est.st_mode)}, not a story file")
                continue
            if not _is_story_file(entry.path, name):
                self.notes.append(f"ignored {name}: not a story file")
                continue
            taken += 1
            source = os.path.join(given, name)
            real = Path(os.path.realpath(entry.path))
            self.add((est.st_dev, est.st_ino), _Found(source, real, given, explicit=False))
        if subfolders:
            self.notes.append(
                f"{given}: skipped sub-folder{'s' if len(subfolders) > 1 else ''} "
                f"{', '.join(subfolders)} (storydiff does not look inside sub-folders)"
            )
        if not taken and not self.lists_urls(given):
            raise InputError(
                f"{given}: no story files in this folder; add .txt, .md or .html copies of the "
                "story to it, or give their paths"
            )

    def lists_urls(self, given: str) -> bool:
        """Whether the folder's manifest lists web addresses: a folder holding nothing but
        such a manifest is a story to fetch."""
        mine = [path for _, path in self.manifests if path.parent == Path(given)]
        return bool(mine) and bool(load_manifest(mine[-1]).urls)


def _is_story_file(path: str, name: str) -> bool:
    """By suffix; a file with no suffix or an unknown one only when it sniffs as text."""
    suffix = os.path.splitext(name)[1].lower()
    if suffix in STORY_SUFFIXES:
        return True
    if suffix in NOT_STORY_SUFFIXES or name.endswith("~"):
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return False
    return sniff_is_text(head)


def _stat(given: str) -> os.stat_result:
    try:
        return os.stat(given)
    except FileNotFoundError:
        if os.path.lexists(given):
            raise InputError(
                f"{given}: a broken link (what it points to is gone); give the file itself"
            ) from None
        raise InputError(f"{given}: no such file or folder") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{given}: a symbolic link loop; give the file itself") from None
        raise InputError(cannot_read(given, exc)) from None


def _manifest(
    col: _Collector, story_dir: Path, urls: Sequence[str]
) -> tuple[Manifest | None, list[str]]:
    notes: list[str] = []
    chosen = col.explicit_manifest
    if chosen is None:
        candidate = story_dir / MANIFEST_NAME
        for display, path in col.manifests:
            if os.path.abspath(path) == os.path.abspath(candidate):
                chosen = (display, path)
        if chosen is None and candidate.is_file():
            chosen = (str(candidate), candidate)
    for display, path in col.manifests:
        if chosen is None or os.path.abspath(path) != os.path.abspath(chosen[1]):
            notes.append(f"ignored {display}: the copies come from more than one folder")
    if chosen is None:
        return None, notes
    display, path = chosen
    manifest = load_manifest(path)
    names = {Path(f.source).name for f in col.found.values()}
    for name in manifest.copies:
        if is_url(name):
            continue  # a page to fetch, not a file
        if not (story_dir / name).exists() and name not in names:
            notes.append(f'{display}: copies."{name}" names a file that is not in {story_dir}')
    pages = {_url_key(u) for u in (*urls, *manifest.urls)}
    if (
        manifest.base is not None
        and manifest.base not in names
        and _url_key(manifest.base) not in pages
    ):
        notes.append(f'{display}: base "{manifest.base}" is not one of the copies; ignored')
    return manifest, notes


def _url_key(url: str) -> str:
    try:
        return normalize_url(url)
    except InputError:
        return url.strip()  # reported when it is fetched, next to the other copies


def _unique_urls(urls: list[str], notes: list[str]) -> tuple[str, ...]:
    """One address per page (``HTTP://A.com`` and ``http://a.com/`` are one), in the order
    of their normalised spelling, whatever order they were given in."""
    seen: dict[str, str] = {}
    for url in sorted(urls, key=lambda u: (_url_key(u), u)):
        key = _url_key(url)
        if key in seen:
            if seen[key] == url:
                notes.append(f"{url} given more than once; compared once")
            else:
                notes.append(f"{seen[key]} and {url} are the same page; compared once")
            continue
        seen[key] = url
    return tuple(seen.values())


def collect_inputs(paths: Sequence[str], *, allow_single: bool = False) -> Inputs:
    """Resolve folders and files into the copies to compare (see the module docstring).

    One copy is an error unless ``allow_single`` (the reader shows it alone)."""
    if not paths:
        raise InputError("no copies given: name two or more files, or the folder holding them")
    col = _Collector()
    urls = [p.strip() for p in paths if is_url(p)]
    # Deterministic order, whatever order the user typed.
    for given in sorted(
        (p for p in paths if not is_url(p)), key=lambda p: (os.path.realpath(p), p)
    ):
        info = _stat(given)
        if stat.S_ISDIR(info.st_mode):
            col.folder(given, info)
        elif not stat.S_ISREG(info.st_mode):
            raise InputError(not_a_file(given, info.st_mode, "a story file or folder"))
        elif os.path.basename(given) == MANIFEST_NAME:
            col.explicit_manifest = (given, Path(given))
        else:
            col.story_dirs.append(os.path.dirname(os.path.abspath(given)))
            real = Path(os.path.realpath(given))
            col.add((info.st_dev, info.st_ino), _Found(given, real, given, explicit=True))

    found = sorted(col.found.values(), key=lambda f: (str(f.path), f.source))
    if not col.story_dirs and col.explicit_manifest is not None:
        # a manifest given alone: its folder is the story's, and it may list pages
        col.story_dirs.append(os.path.dirname(os.path.abspath(col.explicit_manifest[1])))
    story_dir = Path(os.path.commonpath(col.story_dirs)) if col.story_dirs else None
    manifest, manifest_notes = (None, []) if story_dir is None else _manifest(col, story_dir, urls)
    if manifest is not None:
        urls += manifest.urls
    notes = col.notes + manifest_notes
    pages = _unique_urls(urls, notes)
    if not found and not pages:
        raise InputError(
            f"{paths[0]}: a manifest alone is not a copy; give two or more copies of the story"
        )
    if len(found) + len(pages) == 1 and not allow_single:
        if not found:
            raise InputError(
                f"{pages[0]}: only one copy of the story; storydiff compares two or more "
                "copies — add another address or file"
            )
        only = found[0]
        raise InputError(
            f"{only.origin}: only one copy of the story ({only.path.name}); storydiff compares "
            "two or more copies — add another file"
        )
    return Inputs(
        files=tuple((f.source, f.path) for f in found),
        manifest=manifest,
        story_dir=story_dir,
        notes=tuple(notes),
        urls=pages,
    )
