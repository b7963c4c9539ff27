"""The loading layer stays light: plain text never pays for lxml, trafilatura or
charset-normalizer, Markdown is read without markdown-it, and nothing in it imports Textual."""

from __future__ import annotations

from pathlib import Path

from conftest import modules_after

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
HEAVY = ("textual", "trafilatura", "lxml", "charset_normalizer", "markdown_it", "httpx")


def test_loading_plain_text_imports_nothing_heavy() -> None:
    mods = modules_after(
        "from pathlib import Path\n"
        "from storydiff.loading import collect_inputs, load_document\n"
        f"inputs = collect_inputs([{str(SEEDS)!r}])\n"
        "for source, path in inputs.files:\n"
        "    if path.name.startswith(('000', '002', '003', '004')):\n"
        "        load_document(path, source)\n"
    )
    assert "storydiff.loading" in mods
    for heavy in HEAVY:
        assert heavy not in mods, heavy


def test_markdown_imports_nothing_heavy() -> None:
    """The Markdown reader is our own: a Markdown copy must not pull in markdown-it (25-75 ms)."""
    mods = modules_after(
        "from pathlib import Path\n"
        "from storydiff.loading import load_document\n"
        f"doc = load_document(Path({str(SEEDS / '001_3b9876eaf50a8ac8.txt')!r}), 'x')\n"
        "assert doc.format.value == 'markdown', doc.format\n"
    )
    assert "storydiff.loading.mdtext" in mods
    for heavy in HEAVY:
        assert heavy not in mods, heavy
