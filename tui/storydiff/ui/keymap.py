"""User key remapping: ``keys.toml`` in the user config folder maps binding ids to keys.

    # ~/.config/storydiff/keys.toml
    [keys]
    "row.next" = "j,down,ctrl+n"
    "app.quit" = "q,x"

Textual applies it with ``App.set_keymap``; this module only finds and checks the file, so a
typo in it is a one-line warning in the app, never a crash."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from platformdirs import user_config_path


def keymap_path() -> Path:
    env = os.environ.get("STORYDIFF_KEYS")
    if env:
        return Path(env)
    return user_config_path("storydiff", appauthor=False) / "keys.toml"


def load_keymap(
    path: Path | None = None, known: set[str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """The keymap and the problems found in it (unknown ids, wrong types)."""
    path = path or keymap_path()
    problems: list[str] = []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: not read ({exc}); default keys in use"]
    table = data.get("keys", {})
    if not isinstance(table, dict):
        return {}, [f'{path}: [keys] must be a table of binding id = "key,key"']
    out: dict[str, str] = {}
    for bid, keys in table.items():
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            keys = ",".join(keys)
        if not isinstance(keys, str) or not keys.strip():
            problems.append(f'{path}: keys.{bid} must be a string like "j,down"')
            continue
        if known is not None and bid not in known:
            problems.append(f"{path}: keys.{bid} is not a binding id (see ? for the ids)")
            continue
        out[bid] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    return out, problems
