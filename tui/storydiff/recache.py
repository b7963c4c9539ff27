"""Compiled regular expressions that survive the process.

The chrome knowledge (``data/chrome.toml``) is a few hundred case-insensitive patterns with
large shared definitions; compiling them takes ~70 ms, more than everything else
``storydiff align`` does on a story.  Python compiles a pattern in two steps: parsing and code
generation in pure Python (the slow part), then ``_sre.compile`` of the resulting program
(microseconds).  This module keeps the programs of an earlier run in the user cache directory
and rebuilds patterns straight from them.

It leans on the ``re`` module's internals, so it is defensive: the cache file is keyed by the
Python version and ``re``'s own magic number, every entry is checked when loaded, and any
surprise (an unknown layout, a damaged file, no writable cache directory) falls back to plain
``re.compile``.  Set ``STORYDIFF_NO_CACHE=1`` to bypass it entirely.
"""

from __future__ import annotations

import atexit
import importlib
import marshal
import os
import re
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_sre: Any
_compiler: Any
_parser: Any
try:  # the internals this relies on; absent or changed -> plain re.compile
    _sre = importlib.import_module("_sre")
    _compiler = importlib.import_module("re._compiler")
    _parser = importlib.import_module("re._parser")
    _MAGIC: int | None = int(importlib.import_module("re._constants").MAGIC)
except (ImportError, AttributeError):  # pragma: no cover - other Python implementations
    _MAGIC = None

_Program = tuple[int, list[int], int, dict[str, int], list[str | None]]


def _build(pattern: str, flags: int) -> tuple[re.Pattern[str], _Program]:
    """Compile as ``re._compiler.compile`` does, keeping the program for the cache."""
    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    program: _Program = (
        int(flags | parsed.state.flags),  # plain ints: marshal refuses RegexFlag
        [int(c) for c in code],
        parsed.state.groups - 1,
        groupindex,
        indexgroup,
    )
    return _load(pattern, program), program


def _load(pattern: str, program: _Program) -> re.Pattern[str]:
    final_flags, code, groups, groupindex, indexgroup = program
    compiled: re.Pattern[str] = _sre.compile(
        pattern, final_flags, code, groups, groupindex, tuple(indexgroup)
    )
    return compiled


class PatternCache:
    """A file of compiled programs for one set of patterns (``tag`` names the set)."""

    def __init__(self, tag: str, directory: Path | None = None) -> None:
        self.enabled = _MAGIC is not None and not os.environ.get("STORYDIFF_NO_CACHE")
        self.path: Path | None = None
        self.entries: dict[str, Any] = {}
        self.dirty = False
        if not self.enabled:
            return
        key = digest(f"{sys.version}|{_MAGIC}|{tag}")
        try:
            base = directory if directory is not None else _cache_dir()
            self.path = base / f"regex-{key}.marshal"
            raw = marshal.loads(self.path.read_bytes())
            if isinstance(raw, dict):
                self.entries = raw
        except (OSError, ValueError, EOFError, TypeError):
            pass  # no cache yet, or a damaged one: rebuilt on save

    def compile(self, pattern: str, flags: int = 0) -> re.Pattern[str]:
        if not self.enabled:
            return re.compile(pattern, flags)
        key = f"{flags}:{pattern}"
        program = self.entries.get(key)
        if program is not None:
            try:
                compiled = _load(pattern, _check(program))
                if compiled.pattern == pattern:
                    return compiled
            except (TypeError, ValueError, RuntimeError, IndexError):
                pass
        try:
            compiled, program = _build(pattern, flags)
        except re.error:
            raise
        except Exception:  # internals changed under us: the public way still works
            self.enabled = False
            return re.compile(pattern, flags)
        self._add(key, program)
        return compiled

    def memo(self, name: str, build: Callable[[], T]) -> T:
        """A value derived from this cache's source (e.g. its parsed data file), kept with
        the programs; it must be made of plain data (dicts, lists, strings, numbers)."""
        key = f"memo:{name}"
        if self.enabled and key in self.entries:
            value: T = self.entries[key]
            return value
        value = build()
        if self.enabled:
            self._add(key, value)
        return value

    def _add(self, key: str, value: Any) -> None:
        self.entries[key] = value
        if not self.dirty:  # write once, when the process ends, whatever was added
            self.dirty = True
            atexit.register(self.save)

    def save(self) -> None:
        """Write the programs (atomically) when new ones were compiled; never fail."""
        if not (self.enabled and self.dirty and self.path is not None):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            import tempfile

            data = marshal.dumps(self.entries)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".regex-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.path)
            self.dirty = False
        except (OSError, ValueError):
            pass


def digest(text: str) -> str:
    """A 64-bit content key (two zlib checksums and the length) for cache files and
    tie-breaks: stable across processes, and cheap to import, unlike hashlib's OpenSSL."""
    data = text.encode("utf-8", "surrogatepass")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"


def _check(program: Any) -> _Program:
    """A cache entry must have exactly the shape _build wrote; anything else is rejected."""
    if not (isinstance(program, (list, tuple)) and len(program) == 5):
        raise ValueError("bad entry")
    flags, code, groups, groupindex, indexgroup = program
    if not (
        isinstance(flags, int)
        and isinstance(code, list)  # _sre.compile validates the program itself
        and isinstance(groups, int)
        and isinstance(groupindex, dict)
        and isinstance(indexgroup, (list, tuple))
    ):
        raise ValueError("bad entry")
    return (flags, code, groups, groupindex, list(indexgroup))


def _cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("storydiff", appauthor=False)


_shared: PatternCache | None = None


def recompile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile`` through one process-wide cache: for the engine's module-level patterns,
    which otherwise cost their compile time on every start of the command."""
    global _shared
    if _shared is None:
        _shared = PatternCache("shared")
    return _shared.compile(pattern, flags)
