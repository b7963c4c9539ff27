"""Where a story's review lives, and how it is written without ever being left broken.

The review sits next to the story, in ``<story folder>/.storydiff/review.json`` (a hidden
folder: the loader never mistakes it for a copy), so it travels with the folder.  Where that
folder is not writable -- the bundled demo, a read-only share -- it goes to the user's data
directory instead, under a name derived from the story folder's path.

Every write is a new file beside the old one, flushed and fsynced, then renamed over it:
``rename`` is atomic, so a crash or ``kill -9`` at any instant leaves the old file or the
new one, never a mix.  A file that is not ours (broken JSON, another program's, a newer
schema) is renamed aside with a warning, never overwritten.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_dir

from ..demo import demo_story_dir
from ..errors import InputError
from ..options import REPORT_PREFIX
from .codec import ReviewFileError, parse
from .model import Entry

SIDECAR_DIR = ".storydiff"
SIDECAR_NAME = "review.json"
STALE_TEMP_SECONDS = 600  # a temp file this old is a crashed write's leftover
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give a new file (mkstemp gives 0600)


def data_dir() -> Path:
    """The user data directory (``$XDG_DATA_HOME/storydiff`` on Linux)."""
    return Path(user_data_dir("storydiff", appauthor=False))


@dataclass(frozen=True, slots=True)
class Location:
    """Where one story's review is read from and written to."""

    path: Path
    fallback: Path | None  # where to go if writing ``path`` turns out to be refused
    folder: str | None  # the story folder it belongs to (None for the demo)


def _user_file(folder: Path | None) -> Path:
    if folder is None:
        return data_dir() / "reviews" / "demo.json"
    key = hashlib.blake2b(str(folder).encode("utf-8", "surrogatepass"), digest_size=8)
    slug = re.sub(r"[^\w.-]+", "-", folder.name)[:40] or "story"
    return data_dir() / "reviews" / f"{slug}-{key.hexdigest()}.json"


def _is_demo(folder: Path) -> bool:
    try:
        return folder.resolve() == demo_story_dir().resolve()
    except (InputError, OSError):
        return False


def locate(story_dir: str | None, *, one_folder: bool = True) -> Location:
    """The review file for the story read from ``story_dir``.

    An existing file wins (the sidecar first), so a review started in the user data
    directory stays there even if the folder later becomes writable; a new review goes next
    to the story when the folder is writable.  Copies from several folders (``one_folder``
    False) have no folder of their own: their review lives in the user data directory."""
    if story_dir is None or _is_demo(Path(story_dir)):
        return Location(_user_file(None), None, None)
    folder = Path(story_dir).resolve()
    sidecar = folder / SIDECAR_DIR / SIDECAR_NAME
    user = _user_file(folder)
    if not one_folder:
        return Location(user, None, str(folder))
    if sidecar.exists():
        return Location(sidecar, user, str(folder))
    if user.exists() or not _writable(folder):
        return Location(user, None, str(folder))
    return Location(sidecar, user, str(folder))


def report_folder(story_dir: str | None, *, one_folder: bool = True) -> Path:
    """Where the app writes reports: next to the copies when it may, else the user data
    directory (the demo, a read-only folder, copies from several folders)."""
    if story_dir is None or _is_demo(Path(story_dir)) or not one_folder:
        return data_dir() / "reports"
    folder = Path(story_dir).resolve()
    return folder if os.access(folder, os.W_OK | os.X_OK) else data_dir() / "reports"


def report_path(story_dir: str | None, fmt: str, *, one_folder: bool = True) -> Path:
    """``storydiff-report.<fmt>`` next to the story (the loader knows to skip that name), or
    a name per story in the user data directory."""
    folder = report_folder(story_dir, one_folder=one_folder)
    name = f"{REPORT_PREFIX}.{fmt}"
    if story_dir is None or folder != Path(story_dir).resolve():
        owner = None if story_dir is None or _is_demo(Path(story_dir)) else Path(story_dir)
        name = f"{_user_file(owner.resolve() if owner else None).stem}-{name}"
    return folder / name


def _writable(folder: Path) -> bool:
    side = folder / SIDECAR_DIR
    target = side if side.exists() else folder
    return os.access(target, os.W_OK | os.X_OK)


def read_entries(path: Path) -> list[Entry]:
    """The saved entries ([] when there is no file yet); ReviewFileError if it is not ours."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ReviewFileError(f"cannot read it ({exc.strerror or exc})") from None
    return parse(data)


def load(location: Location) -> tuple[list[Entry], list[str]]:
    """Read the review for the app: a file that is not ours is renamed aside (so the app can
    start a fresh one without destroying it) and reported in the warnings."""
    _clean_stale_temps(location.path.parent)
    try:
        return read_entries(location.path), []
    except ReviewFileError as exc:
        try:
            aside = keep_aside(location.path)
        except OSError as err:
            raise InputError(
                f"{location.path}: not a review file storydiff can read ({exc.message}) and "
                f"it cannot be moved aside ({err.strerror or err}); move it yourself"
            ) from None
        return [], [
            f"{location.path}: not a review file storydiff can read ({exc.message}); "
            f"kept as {aside.name}, starting a new review"
        ]


def keep_aside(path: Path) -> Path:
    """Rename ``path`` to a free ``<name>.broken-<UTC time>[-n]`` beside it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        aside = path.with_name(f"{path.name}.broken-{stamp}" + (f"-{n}" if n else ""))
        if not aside.exists():
            os.rename(path, aside)
            return aside
    raise OSError(errno.EEXIST, "too many files kept aside", str(path))


def _clean_stale_temps(folder: Path) -> None:
    """Remove temp files of writes that crashed long ago (fresh ones may be another
    instance's write in progress)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    cutoff = time.time() - STALE_TEMP_SECONDS
    for entry in entries:
        if entry.name.startswith(f".{SIDECAR_NAME}.") and entry.name.endswith(".tmp"):
            with suppress(OSError):
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that at every instant the file is whole: old or new.

    The temp file is fsynced before the rename (else a crash could rename an empty file into
    place) and the folder after it (else the rename itself could be lost)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), _FILE_MODE)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    with suppress(OSError):  # not every filesystem lets a folder be fsynced
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class Saver:
    """Writes the latest review state on a background thread, so a keypress never waits
    for the disk; a burst of changes becomes one write of the newest state.

    ``problem`` is called (from the saver's thread) with a one-line message when a write
    fails or moves to the fallback location."""

    def __init__(self, location: Location, problem: Callable[[str], None] | None = None) -> None:
        self.path = location.path
        self._fallback = location.fallback
        self._problem = problem
        self._lock = threading.Condition()
        self._pending: bytes | None = None
        self._busy = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self.writes = 0

    def submit(self, data: bytes) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("saver closed")
            self._pending = data
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="storydiff-review-saver", daemon=True
                )
                self._thread.start()
            self._lock.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted is on disk (False if it takes over ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending is not None or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def close(self, timeout: float = 10.0) -> bool:
        done = self.flush(timeout)
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        return done

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._pending is None and not self._closed:
                    self._lock.wait()
                if self._pending is None:
                    return
                data, self._pending = self._pending, None
                self._busy = True
            try:
                self._write(data)
            finally:
                with self._lock:
                    self._busy = False
                    self._lock.notify_all()

    def _write(self, data: bytes) -> None:
        try:
            write_atomic(self.path, data)
            self.writes += 1
            return
        except OSError as exc:
            error = exc
        if error.errno in _NOT_WRITABLE and self._fallback is not None:
            old, self.path, self._fallback = self.path, self._fallback, None
            self._say(
                f"cannot write {old} ({error.strerror}); saving the review in {self.path} instead"
            )
            self._write(data)
            return
        self._say(f"could not save the review to {self.path}: {error.strerror or error}")

    def _say(self, message: str) -> None:
        if self._problem is not None:
            self._problem(message)
