"""Cleaning: classify every block of every copy as story body, metadata or boilerplate.

Patterns for site chrome live in ``storydiff/data/chrome.toml`` (:mod:`.rules`); what a block
says about itself is in :mod:`.signals`; evidence from the other copies in :mod:`.shared`; the
decision in :mod:`.classify`.
"""

from __future__ import annotations

from .classify import classify
from .rules import Category, Rules, iter_patterns, load_rules

__all__ = ["Category", "Rules", "classify", "iter_patterns", "load_rules"]
