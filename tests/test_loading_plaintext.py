"""Plain text: TEXT versus WRAPPED detection, line splitting, reflow and de-hyphenation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from storydiff.loading import load_document
from storydiff.loading.detect import detect_format
from storydiff.loading.plaintext import measure, reflow, split_lines
from storydiff.model import Format

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

PARAGRAPHS = [
    "Tens of thousands of people have fled to Syria's border with Turkey in the last few days "
    "as a Syrian army advance pushed further into the opposition's last major stronghold, "
    "residents, rights groups and opposition sources said on Wednesday.",
    "They left Maarat al-Numan, a city in Idlib province that has been a sanctuary for families "
    "fleeing former rebel areas, as a Russian-led push has come close to capturing the "
    "strategic town of Khan Sheikhoun further south.",
    "On Tuesday, Russian and Syrian jets intensified their bombing of scattered villages and "
    "towns around Maarat al-Numan, with the al-Rahma hospital in the area struck, residents "
    "said.",
    "Rebels concede most of their fighters have fled Khan Sheikhoun but are providing fierce "
    "resistance to the Syrian army, which has secured a foothold in the rebel-held town that "
    "was bombed with sarin gas in 2017.",
]


def _load(tmp_path: Path, text: str, name: str = "copy.txt") -> list[tuple[str, str | None]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = load_document(path, name)
    assert [b.index for b in doc.blocks] == list(range(len(doc.blocks)))
    return [(b.text, b.hint) for b in doc.blocks]


def _wrap(paragraphs: list[str], width: int, sep: str = "\n\n") -> str:
    return sep.join(textwrap.fill(p, width) for p in paragraphs) + "\n"


# --- detection ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", [60, 72, 80, 100])
def test_wrapped_text_is_detected_and_reflowed(width: int) -> None:
    text = _wrap(PARAGRAPHS, width)
    assert detect_format(text, ".txt") is Format.WRAPPED
    assert [t for t, _ in reflow(text, measure(text).width)] == PARAGRAPHS


def test_one_line_per_paragraph_without_blank_lines_is_text() -> None:
    text = "\n".join(PARAGRAPHS) + "\n"
    assert detect_format(text, ".txt") is Format.TEXT


def test_blank_lines_between_long_lines_is_text() -> None:
    assert detect_format("\n\n".join(PARAGRAPHS), ".txt") is Format.TEXT


def test_long_lines_with_short_chrome_lines_is_text() -> None:
    text = "\n".join(
        [
            "Skip to main content",
            "Subscribe",
            "$1.99",
            "per week",
            PARAGRAPHS[0],
            "Share this",
            PARAGRAPHS[1],
            "Story continues below advertisement",
            PARAGRAPHS[2],
            "Comments",
        ]
    )
    assert detect_format(text, ".txt") is Format.TEXT


def test_similar_length_sentences_on_their_own_lines_are_text() -> None:
    lines = [
        "The convoy had not moved since the strike, officials in Ankara said on Tuesday.",
        "Rescuers there said around 60,000 people had fled in the last four days alone.",
        "State media said government forces had seized a highway running through town.",
        "Moscow and Damascus deny indiscriminate bombing of civilian areas or hospitals.",
        "The latest advance has been aided by thousands of new reinforcements, they say.",
    ]
    assert detect_format("\n".join(lines), ".txt") is Format.TEXT


def test_headline_list_without_punctuation_is_text() -> None:
    lines = [
        "Turkey vows to maintain military post attacked by Syria in Idlib province",
        "Rocket Attack Hits Russian Base in Syria Injuring Civilians at the Airport",
        "Why a Military Confrontation Between Turkey and the Kurds Might Be Good",
        "Syrian Army Advances Into Last Rebel Stronghold as Thousands Flee North",
    ]
    assert detect_format("\n".join(lines), ".txt") is Format.TEXT


def test_too_few_lines_is_text() -> None:
    assert not measure("one line\nanother").wrapped


# --- TEXT splitting ----------------------------------------------------------------------


def test_text_every_line_is_a_block_and_bullets_are_list_items(tmp_path: Path) -> None:
    blocks = _load(
        tmp_path,
        "Headline here\nA first paragraph, long enough to be a paragraph of the story.\n\n"
        "  1. Follow topics and authors.\n  2. Check your feed.\n"
        "  \u2022 Treat others as you wish to be treated\n  - a dash item\n"
        "\n\n   Indented text keeps its words.   \n",
    )
    assert blocks == [
        ("Headline here", None),
        ("A first paragraph, long enough to be a paragraph of the story.", None),
        ("1. Follow topics and authors.", "list-item"),
        ("2. Check your feed.", "list-item"),
        ("\u2022 Treat others as you wish to be treated", "list-item"),
        ("- a dash item", "list-item"),
        ("Indented text keeps its words.", None),
    ]


def test_split_lines_never_yields_empty_blocks() -> None:
    assert split_lines("\n \n\t\n") == []


# --- reflow rules ------------------------------------------------------------------------


def test_indented_line_starts_a_paragraph() -> None:
    text = _wrap(PARAGRAPHS[:2], 72, sep="\n ") + " " + textwrap.fill(PARAGRAPHS[2], 72) + "\n"
    assert [t for t, _ in reflow(text, 72)] == PARAGRAPHS[:3]


def test_short_sentence_line_ends_a_paragraph_without_blank_line() -> None:
    text = _wrap(PARAGRAPHS[:3], 80, sep="\n")
    assert [t for t, _ in reflow(text, measure(text).width)] == PARAGRAPHS[:3]


def test_short_heading_line_stands_alone() -> None:
    text = "Mercenaries\n" + textwrap.fill(PARAGRAPHS[0], 80) + "\n\n" + _wrap(PARAGRAPHS[1:], 80)
    blocks = [t for t, _ in reflow(text, 80)]
    assert blocks[0] == "Mercenaries"
    assert blocks[1] == PARAGRAPHS[0]


def test_stack_of_short_lines_is_one_block_each() -> None:
    text = (
        "WILDFIRE RIPS THROUGH GOLD COUNTRY; 12,000 FLEE\nBy JENNIFER McALLISTER\n"
        "Associated Press\n\n" + _wrap(PARAGRAPHS, 76)
    )
    blocks = [t for t, _ in reflow(text, measure(text).width)]
    assert blocks[:3] == [
        "WILDFIRE RIPS THROUGH GOLD COUNTRY; 12,000 FLEE",
        "By JENNIFER McALLISTER",
        "Associated Press",
    ]
    assert blocks[3:] == PARAGRAPHS


def test_narrower_box_keeps_its_lines_together() -> None:
    """A paragraph wrapped narrower than the page (a boxed quote) is still one paragraph."""
    quote = (
        "\u201cThis is a clear signal that the board\u2019s tolerance for a weak crown has run "
        "out,\u201d said Katerina Vesela, chief economist at Komercni Banka, a unit of Soci\u00e9t"
        "\u00e9 G\u00e9n\u00e9rale."
    )
    text = (
        _wrap(PARAGRAPHS[:2], 90)
        + "\n"
        + textwrap.fill(quote, 68)
        + "\n\n"
        + _wrap(PARAGRAPHS[2:], 90)
    )
    assert [t for t, _ in reflow(text, measure(text).width)] == [
        *PARAGRAPHS[:2],
        quote,
        *PARAGRAPHS[2:],
    ]


def test_bullets_with_hanging_indent() -> None:
    text = (
        _wrap(PARAGRAPHS[:2], 70)
        + "\n- the first point, which is long enough that it has to wrap onto a\n"
        "  second line indented to the text\n"
        "- the second point\n"
    )
    blocks = reflow(text, measure(text).width)
    assert blocks[-2:] == [
        (
            "- the first point, which is long enough that it has to wrap onto a second line "
            "indented to the text",
            "list-item",
        ),
        ("- the second point", "list-item"),
    ]


def test_uniformly_indented_text_is_dedented_first() -> None:
    text = textwrap.indent(_wrap(PARAGRAPHS, 70), "    ")
    assert detect_format(text, ".txt") is Format.WRAPPED
    assert [t for t, _ in reflow(text, measure(text).width)] == PARAGRAPHS


# --- hyphenation -------------------------------------------------------------------------


def _join_two(first: str, second: str, rest: str = "") -> str:
    text = f"{first}\n{second}\n\n" + _wrap(PARAGRAPHS, 70) + rest
    return reflow(text, measure(text).width)[0][0]


def test_compound_hyphen_is_kept() -> None:
    joined = _join_two(
        "The latest advance has been aided by thousands of new reinforcements Iranian-",
        "backed militias who had been absent from the earlier battles in the province.",
    )
    assert "reinforcements Iranian-backed militias" in joined


def test_soft_break_is_mended_when_the_document_spells_the_word() -> None:
    joined = _join_two(
        "Aid agencies said the response depended on the speed of the interna-",
        "tional community, which had so far pledged less than half of what was needed.",
        rest="\nThe international response was slow.\n",
    )
    assert "the international community" in joined


def test_soft_break_keeps_hyphen_without_evidence() -> None:
    joined = _join_two(
        "Aid agencies said the response depended on the speed of the interna-",
        "tional community, which had so far pledged less than half of what was needed.",
    )
    assert "the interna-tional community" in joined


def test_attached_dash_and_numbers_join_without_space() -> None:
    joined = _join_two(
        "The conflict, which began in earnest in 2011 and ran through 2015\u2014",
        "2019 with few pauses, has displaced millions of people across the region.",
    )
    assert "2015\u20142019 with" in joined


# --- the real seeds ----------------------------------------------------------------------


def test_seed_000_is_wrapped_and_reflowed() -> None:
    path = SEEDS / "000_213675de9e36e604.txt"
    doc = load_document(path, "seeds/000_213675de9e36e604.txt")
    assert doc.format is Format.WRAPPED
    texts = [b.text for b in doc.blocks]
    assert texts[0].startswith("Ten of thousands of people have fled")
    assert texts[0].endswith("opposition sources said on Wednesday.")
    flow = next(i for i, t in enumerate(texts) if t.startswith('"The flow of cars'))
    assert texts[flow] == (
        '"The flow of cars and vehicles leaving is not stopping," said Abdullah Younis from the '
        "city."
    )
    assert texts[flow - 1].endswith("town of Khan Sheikhoun further south.")
    assert texts[flow + 1] == (
        "Rescuers there said around 60,000 people had fled in the last four days alone."
    )
    assert "Mercenaries" in texts
    assert (
        "The latest advance has been aided by thousands of new reinforcements including "
        "Iranian-backed militias." in texts
    )
    assert all("\n" not in t and t == t.strip() for t in texts)
    assert len(texts) == 23


@pytest.mark.parametrize(
    ("name", "first", "count"),
    [
        ("002_b6b2f5d536bc3e1c.txt", "Skip to main content", 62),
        ("003_42d899cb014f27ae.txt", "This content is not available in your region", 22),
        ("004_7908be4e56a87519.txt", "Thousands fleeing to Turkish border following", 18),
    ],
)
def test_scraped_seeds_are_text(name: str, first: str, count: int) -> None:
    doc = load_document(SEEDS / name, name)
    assert doc.format is Format.TEXT
    assert doc.blocks[0].text.startswith(first)
    assert len(doc.blocks) == count
    lines = [line.strip() for line in doc.raw_text.split("\n") if line.strip()]
    assert [b.text for b in doc.blocks] == lines


def test_seed_002_bullets_are_list_items() -> None:
    doc = load_document(SEEDS / "002_b6b2f5d536bc3e1c.txt", "002")
    items = [b.text for b in doc.blocks if b.hint == "list-item"]
    assert items[0].startswith("1. Follow topics")
    assert "\u2022 Stay on topic" in items
    assert len(items) == 7
