"""Every reader key as a command-palette command (ctrl+p), generated from the bindings, so
that nothing is reachable only by a key a user may have remapped or cannot type."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


class ReaderCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, str, str]]:
        """(description, action, keys) for the bindings active on the screen under the
        palette, once per action."""
        seen: set[str] = set()
        keys: dict[str, list[str]] = {}
        found: list[Binding] = []
        for _key, active in self.screen.active_bindings.items():
            b = active.binding
            if not b.description or b.action in ("command_palette",):
                continue
            keys.setdefault(b.action, []).append(self.app.get_key_display(b))
            if b.action not in seen:
                seen.add(b.action)
                found.append(b)
        for b in found:
            yield b.tooltip or b.description, b.action, ", ".join(dict.fromkeys(keys[b.action]))

    async def discover(self) -> Hits:
        for desc, action, keys in self._commands():
            yield DiscoveryHit(desc, partial(self.screen.run_action, action), help=f"key: {keys}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for desc, action, keys in self._commands():
            score = matcher.match(desc)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(desc),
                    partial(self.screen.run_action, action),
                    help=f"key: {keys}",
                )
