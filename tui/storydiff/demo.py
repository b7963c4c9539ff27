"""Where the bundled demo story lives.

The five seed copies ship inside the wheel (``storydiff/demo``) so that ``storydiff`` with no
paths works from any folder once installed.  In a source checkout or an editable install the
package folder has no copy of them, so fall back to the repository's ``seeds/``.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError

_PACKAGED = Path(__file__).resolve().parent / "demo"
_REPOSITORY = Path(__file__).resolve().parents[2] / "seeds"


def demo_story_dir() -> Path:
    for folder in (_PACKAGED, _REPOSITORY):
        if folder.is_dir() and any(folder.glob("*.txt")):
            return folder
    raise InputError(
        "the demo story is missing from this installation (reinstall storydiff, "
        "or give the paths of the copies to compare)"
    )
