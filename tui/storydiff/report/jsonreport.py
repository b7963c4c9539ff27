"""The JSON report: the alignment exactly as ``storydiff align --json`` gives it, plus the
review, so one file carries everything a script needs."""

from __future__ import annotations

import json
import re

from ..jsonio import alignment_to_dict
from ..model import Alignment
from ..review import Review, review_to_dict

# Characters JSON may carry raw that a terminal would obey (DEL, C1 controls, bidi overrides);
# json.dumps already escapes C0.  Outside strings JSON is ASCII, so these can only sit inside
# a string, where the \u escape means the same character: the data is unchanged, and `cat`
# on the file shows the escape instead of obeying it.
_RAW_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def render_json(al: Alignment, review: Review | None) -> str:
    data = alignment_to_dict(al)
    data["review"] = review_to_dict(al, review if review is not None else Review())
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _RAW_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n"
