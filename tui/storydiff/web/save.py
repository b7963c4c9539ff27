"""``storydiff fetch URL... -o FOLDER``: pages saved as a story folder for offline use.

The folder holds one file per page (named from its host and path, the stem the page's
version id has when given as an address) and a ``storydiff.toml`` naming each file's outlet,
badge, address and fetch time.  ``storydiff FOLDER`` then gives the comparison the
addresses gave, with no network.

storydiff writes nothing it did not make: a file already in the folder is replaced only when
the folder's manifest is one ``storydiff fetch`` wrote (its first line says so) and lists
it; anything else is a one-line error before a single byte is written.  Each file is written
to a temporary name and renamed into place, the manifest last.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from storydiff.errors import InputError, StorydiffError
from storydiff.loading.decode import decode_bytes
from storydiff.loading.manifest import MANIFEST_NAME, CopyInfo, load_manifest
from storydiff.model import Version

from . import url_slug
from .cache import Page
from .fetch import page_charset, page_kind

MARK = "# Written by storydiff fetch"


@dataclass(frozen=True, slots=True)
class Saved:
    folder: Path
    files: tuple[str, ...]  # the page files written, by name
    manifest: Path


def _toml_str(value: str) -> str:
    """A TOML basic string: JSON's escapes, which TOML shares, for every control character."""
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _page_bytes(page: Page, source: str) -> bytes:
    """What to save: the bytes as served, unless they read differently without the server's
    charset header (which a file does not carry); then the same text as UTF-8, which the
    reader tries first."""
    hint = page_charset(page)
    if hint is None:
        return page.body
    with_hint = decode_bytes(page.body, source, hint=hint)
    try:
        alone = decode_bytes(page.body, source)
    except InputError:
        alone = None
    if alone is not None and alone.text == with_hint.text:
        return page.body
    return with_hint.text.encode("utf-8")


def _names(versions: Sequence[Version], pages: dict[str, Page]) -> list[str]:
    used: set[str] = set()
    names: list[str] = []
    for v in versions:
        stem, suffix = url_slug(v.source), page_kind(pages[v.source])
        name, n = stem + suffix, 1
        while name.casefold() in used:
            n += 1
            name = f"{stem}-{n}{suffix}"
        used.add(name.casefold())
        names.append(name)
    return names


def _refuse(path: Path, what: str) -> StorydiffError:
    return StorydiffError(
        f"{path}: {what}; storydiff fetch never writes over a file it did not write: "
        "choose another folder with -o, or move it away"
    )


def _earlier(manifest_path: Path) -> dict[str, CopyInfo]:
    """The copies listed by a manifest that an earlier ``storydiff fetch`` wrote here (their
    files may be replaced); a manifest of anyone else's is never touched."""
    if not manifest_path.exists() and not manifest_path.is_symlink():
        return {}
    try:
        with manifest_path.open("r", encoding="utf-8") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        first = ""
    if not manifest_path.is_file() or not first.startswith(MARK):
        raise _refuse(manifest_path, "a manifest storydiff fetch did not write is already here")
    return dict(load_manifest(manifest_path).copies)


def save_story(folder: Path, versions: Sequence[Version], pages: dict[str, Page]) -> Saved:
    """Write each version's page (``pages``: by the version's source) into ``folder``, with
    a manifest recording what the comparison of the addresses knew about each: its outlet
    and badge, its address (the page's own canonical one, else where it was fetched), and
    when it was fetched."""
    if folder.exists() and not folder.is_dir():
        raise StorydiffError(f"{folder}: exists and is not a folder; give a folder to save into")
    manifest_path = folder / MANIFEST_NAME
    earlier = _earlier(manifest_path) if folder.is_dir() else {}
    names = _names(versions, pages)
    for name in names:
        target = folder / name
        if (target.exists() or target.is_symlink()) and (
            name not in earlier or not target.is_file() or target.is_symlink()
        ):
            raise _refuse(target, "a file of that name is already here")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for v, name in zip(versions, names, strict=True):
            _write_atomic(folder / name, _page_bytes(pages[v.source], v.source))
        entries = {
            name: info
            for name, info in earlier.items()
            if name not in names and (folder / name).is_file()
        }
        for v, name in zip(versions, names, strict=True):
            entries[name] = CopyInfo(
                outlet=v.outlet,
                badge=v.badge,
                url=v.url or v.source,
                fetched=v.fetched,
            )
        _write_atomic(manifest_path, _manifest_text(entries).encode("utf-8"))
    except OSError as exc:
        where = exc.filename or folder
        raise StorydiffError(
            f"{where}: cannot write the fetched pages ({exc.strerror or exc}); check the "
            "folder's permissions and free space"
        ) from None
    return Saved(folder, tuple(names), manifest_path)


def _manifest_text(entries: dict[str, CopyInfo]) -> str:
    lines = [
        f"{MARK}: the pages in this folder as fetched from the web, to",
        "# compare offline with `storydiff FOLDER`.  A later `storydiff fetch -o FOLDER` rewrites",
        "# the entries of the pages it fetches again and keeps the others.",
    ]
    for name in sorted(entries):
        info = entries[name]
        lines.append("")
        lines.append(f"[copies.{_toml_str(name)}]")
        for key in ("outlet", "badge", "url", "date", "fetched"):
            value = getattr(info, key)
            if value:
                lines.append(f"{key} = {_toml_str(value)}")
        if info.tags:
            lines.append(f"tags = [{', '.join(_toml_str(t) for t in info.tags)}]")
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
