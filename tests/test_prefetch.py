"""The loading process the CLI forks before starting the reader."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, sys
from storydiff.errors import StorydiffError
from storydiff.prefetch import Prefetch
from storydiff.story import StoryOptions
steps = []
p = Prefetch.start(sys.argv[1:], StoryOptions())
assert p is not None, "fork refused"
try:
    al = p.result(lambda stage, done, total: steps.append(stage))
except StorydiffError as exc:
    print(json.dumps({"error": exc.message, "code": exc.exit_code}))
else:
    print(json.dumps({"versions": len(al.versions), "rows": len(al.rows), "steps": steps}))
"""


def python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter: forking needs a process with no threads yet."""
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
    )


def run(*paths: str) -> dict[str, object]:
    proc = python(SCRIPT, *paths)
    assert proc.returncode == 0, proc.stderr
    out: dict[str, object] = json.loads(proc.stdout)
    return out


pytestmark = pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")


def test_child_process_loads_the_story_and_reports_progress() -> None:
    got = run(str(ROOT / "seeds"))
    assert got["versions"] == 5 and isinstance(got["rows"], int) and got["rows"] > 20
    assert "loading" in got["steps"] and "aligning" in got["steps"]  # type: ignore[operator]


def test_child_process_errors_come_back_as_ours(tmp_path: Path) -> None:
    got = run(str(tmp_path / "missing"))
    assert got["code"] == 2
    assert "missing" in str(got["error"])


def test_cancel_kills_the_child() -> None:
    code = (
        "import os, sys\n"
        "from storydiff.prefetch import Prefetch\n"
        "from storydiff.story import StoryOptions\n"
        "p = Prefetch.start([sys.argv[1]], StoryOptions())\n"
        "p.cancel()\n"
        "try:\n"
        "    os.kill(p.pid, 0)\n"
        "except ProcessLookupError:\n"
        "    print('gone')\n"
    )
    proc = python(code, str(ROOT / "seeds"))
    assert proc.stdout.strip() == "gone", proc.stderr


def test_no_fork_once_threads_run() -> None:
    """Forking a threaded process can deadlock the child: then the reader loads in a thread."""
    code = (
        "import threading, time, sys\n"
        "from storydiff.prefetch import Prefetch\n"
        "t = threading.Thread(target=time.sleep, args=(0.5,)); t.start()\n"
        "print(Prefetch.start([sys.argv[1]], None) is None)\n"
    )
    proc = python(code, str(ROOT / "seeds"))
    assert proc.stdout.strip() == "True", proc.stderr
