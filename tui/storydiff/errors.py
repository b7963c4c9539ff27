"""Errors a user can act on.

Every failure the user can cause (a missing path, an undecodable file, a bad manifest) is raised
as a :class:`StorydiffError` whose message is one line naming the file and what to do; the CLI
prints it and exits non-zero.  Anything else is a bug and may show a traceback.
"""

from __future__ import annotations


class StorydiffError(Exception):
    """A problem with the user's input, explained in one line."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self)


class InputError(StorydiffError):
    """A path or file that cannot be read as a copy of the story."""


class ManifestError(StorydiffError):
    """A ``storydiff.toml`` that is not valid."""
