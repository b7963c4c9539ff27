"""The wheel is what users install: it must carry the demo story and work from any folder."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed (pip install '.[test]')")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("storydiff-*.whl")
    return whl


def test_wheel_contains_the_demo_story_and_the_command(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    # (not a review a developer saved there: .storydiff/ is git-ignored)
    seeds = sorted(p.name for p in (ROOT / "seeds").iterdir() if not p.name.startswith("."))
    for name in seeds:
        assert f"storydiff/demo/{name}" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "storydiff = storydiff.cli:run" in zipfile.ZipFile(wheel).read(entry).decode()
    assert "storydiff/data/chrome.toml" in names and "storydiff/data/outlets.toml" in names
    assert "storydiff/ui/storydiff.tcss" in names  # the reader's stylesheet


def test_installed_wheel_aligns_the_demo_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import sys; sys.path.insert(0, sys.argv.pop(1)); import storydiff;"
        "print(storydiff.__file__, file=sys.stderr); from storydiff.cli import run; run()"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(site), "align", "--json"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert str(site) in proc.stderr.splitlines()[0]  # the wheel's copy, not the checkout
    data = json.loads(proc.stdout)
    assert len(data["versions"]) == 5
    assert all("/demo/" in v["source"] for v in data["versions"])
