"""Shared fixtures: where the seed story and the evaluation stories live."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# The engine keeps compiled regex programs in the user cache directory; the tests use a
# directory of their own (set before anything imports storydiff, as module-level patterns are
# compiled at import), so they never touch the developer's cache and always start cold.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="storydiff-test-cache-")
# Reviews of stories whose folder is not writable (and of the demo) go to the user data
# directory: the tests get their own, so they never read or write the developer's reviews.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="storydiff-test-data-")

# Property tests are deterministic by default, so CI is reproducible and a red run means a
# change broke something; HYPOTHESIS_PROFILE=explore draws fresh, more numerous examples.
settings.register_profile("default", derandomize=True, deadline=None)
settings.register_profile("explore", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STORIES = FIXTURES / "stories"


def run_storydiff(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """The command in a real process, as a user runs it: 100 columns, no colour, and no
    STORYDIFF_DEBUG (it would turn a one-line internal error into a traceback); ``env``
    adds to the environment."""
    full = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", **(env or {})}
    full.pop("STORYDIFF_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-c", "from storydiff.cli import run; run()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full,
        timeout=timeout,
    )


@pytest.fixture
def seeds() -> Path:
    return SEEDS


@pytest.fixture
def story(tmp_path: Path) -> Path:
    """A copy of the demo story a test may review (its sidecar is written in there); never
    the repository's seeds, which an installed storydiff reads as an ordinary folder."""
    folder = tmp_path / "story"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(autouse=True)
def fresh_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Each test its own user data directory: a review one test saves for the demo story
    (which goes there) must not show up in the next."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    return folder


def _checksums(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(autouse=True, scope="session")
def inputs_never_modified() -> Iterator[None]:
    """storydiff only reads the copies it compares: the seeds and every fixture story must be
    byte-for-byte the same after the whole run."""
    before = {folder: _checksums(folder) for folder in (SEEDS, FIXTURES)}
    yield
    for folder, sums in before.items():
        assert _checksums(folder) == sums, f"{folder} was modified by the tests"


def modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has imported after running ``code``: how the tests
    check what the engine (and the CLI's fast path) pulls in."""
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())
