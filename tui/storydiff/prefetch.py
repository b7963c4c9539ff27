"""Load and align the story in a child process while the reader starts.

Why a process: importing and starting Textual keeps one core busy for ~200 ms, and loading and
aligning a story is pure Python too; in one process they would take turns on the GIL.  Forked
first thing in the CLI, the child does the story on the second core while the parent builds the
UI, so the first frame comes sooner (the demo story) and a large story never stalls the
interface while it aligns.  The child sends progress and then the finished alignment (pickled
frozen dataclasses) down a pipe; the parent's loading worker reads them.

Only used where it is safe: ``os.fork`` exists and no other thread is running yet (forking a
threaded process can deadlock the child).  Everywhere else the reader loads in a thread.
``STORYDIFF_NO_FORK=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import struct
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from .errors import StorydiffError
from .gcpause import paused_collector
from .model import Alignment

_HEADER = struct.Struct("!Q")
PROGRESS_INTERVAL = 0.05


class LoaderFailed(StorydiffError):
    """The loading process ended without an answer (killed, out of memory)."""

    exit_code = 70


class Prefetch:
    """A story being loaded by a child process."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self._file: BinaryIO = os.fdopen(fd, "rb")
        self._reaped = False

    @classmethod
    def start(cls, paths: Sequence[str], options: Any) -> Prefetch | None:
        if (
            not hasattr(os, "fork")
            or os.environ.get("STORYDIFF_NO_FORK")
            or threading.active_count() > 1
        ):
            return None
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(r)
            code = 1
            try:
                _child(list(paths), options, w)
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        return cls(pid, r)

    def result(self, progress: Callable[[str, int, int], None] | None = None) -> Alignment:
        """Wait for the alignment, passing progress on; raise the child's error as ours."""
        try:
            while True:
                msg = self._read()
                if msg is None:
                    status = self._reap()
                    raise LoaderFailed(f"the loading process stopped ({_describe(status)})")
                kind = msg[0]
                if kind == "progress" and progress is not None:
                    progress(msg[1], msg[2], msg[3])
                elif kind == "done":
                    al: Alignment = msg[1]
                    return al
                elif kind == "error":
                    err = StorydiffError(msg[1])
                    err.exit_code = msg[2]
                    raise err
                elif kind == "oserror":
                    raise OSError(msg[2], msg[3], msg[1])
                elif kind == "crash":
                    raise RuntimeError(f"{msg[1]} (in the loading process)\n{msg[2]}")
        finally:
            self._file.close()
            self._reap()

    def kill(self) -> None:
        """Stop the child now, without waiting for it: the thread reading its answers sees
        the pipe close and reaps it."""
        if not self._reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def cancel(self) -> None:
        """Stop the child (the user quit while it was loading)."""
        if not self._reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()

    def _read(self) -> tuple[Any, ...] | None:
        head = self._file.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack(head)
        data = self._file.read(size)
        if len(data) < size:
            return None
        with paused_collector():
            msg: tuple[Any, ...] = pickle.loads(data)
        return msg

    def _reap(self) -> int:
        if self._reaped:
            return 0
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            status = 0
        self._reaped = True
        return status


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _child(paths: list[str], options: Any, fd: int) -> None:
    # Nothing from here may reach the terminal the reader is drawing on.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # This process lives for one story and then ends: the cyclic collector's passes over
    # the finished story (while it is pickled, say) would only delay it.
    gc.disable()
    out = os.fdopen(fd, "wb")

    def send(msg: tuple[Any, ...]) -> None:
        data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_HEADER.pack(len(data)) + data)
        out.flush()

    last = 0.0

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        # fetching steps always (few, and slow: see StorydiffApp._progress)
        if now - last >= PROGRESS_INTERVAL or done + 1 >= total or stage == "fetching":
            last = now
            send(("progress", stage, done, total))

    try:
        from .story import load_story

        al = load_story(paths, options, progress)
    except StorydiffError as exc:
        send(("error", exc.message, exc.exit_code))
    except OSError as exc:
        send(("oserror", exc.filename, exc.errno or 0, exc.strerror or str(exc)))
    except Exception as exc:
        send(("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    else:
        send(("done", al))
    out.close()
