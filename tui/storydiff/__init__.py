"""storydiff: compare the versions of a news story, paragraph by paragraph."""

from __future__ import annotations

__version__ = "0.1.0"
