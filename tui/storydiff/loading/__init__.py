"""The loading layer: from paths on the command line to decoded, split :class:`Document` s.

Everything a user can get wrong here (a missing path, a binary file, a bad manifest) raises a
one-line :class:`~storydiff.errors.InputError` or :class:`~storydiff.errors.ManifestError`.
No Textual import, and nothing heavy at import time: lxml/trafilatura and
charset-normalizer are imported only when a copy needs them.
"""

from __future__ import annotations

from .inputs import STORY_SUFFIXES, Inputs, collect_inputs
from .manifest import MANIFEST_NAME, CopyInfo, Manifest, load_manifest
from .reader import DEFAULT_MAX_BYTES, load_document

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MANIFEST_NAME",
    "STORY_SUFFIXES",
    "CopyInfo",
    "Inputs",
    "Manifest",
    "collect_inputs",
    "load_document",
    "load_manifest",
]
