"""The house rules, enforced: ruff and mypy --strict stay clean."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "tui", "tests", "bench"],
        ["ruff", "format", "--check", "tui", "tests", "bench"],
        ["mypy"],
        ["mypy", "tests", "bench"],
    ],
    ids=["ruff", "ruff-format", "mypy", "mypy-tests"],
)
def test_tool_is_clean(command: list[str]) -> None:
    if importlib.util.find_spec(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed (pip install '.[test]')")
    out = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
