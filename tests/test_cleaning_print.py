"""Print e-edition furniture, sentence splitting around abbreviations, and a broken data file."""

from __future__ import annotations

import pytest

from storydiff.cleaning.rules import _plan, load_rules
from storydiff.cleaning.signals import normalise
from storydiff.errors import StorydiffError
from storydiff.features import split_sentences


def _strong_role(line: str) -> str | None:
    norm = normalise(line)
    cat = load_rules().strong(norm, norm.lower())
    return None if cat is None else cat.role


@pytest.mark.parametrize(
    "line",
    [
        "See COURT, Page A6",
        "Please see BUDGET on P. 4",
        "From Page A1",
        "COURT / From Page A1",
        "Continued from Page 1",
        "A6 | THE CHARLOTTE OBSERVER | TUESDAY, MARCH 4, 2025",
        "A6 | THE CHARLOTTE OBSERVER | TUESDAY, MARCH 4, 2025 COURT",
        "THE DAILY EXAMPLE | MONDAY, JUNE 2, 2025 | B3",
    ],
)
def test_jump_lines_and_folios_are_print_furniture(line: str) -> None:
    assert _strong_role(line) == "print"


@pytest.mark.parametrize(
    "line",
    [
        "See you in court, the governor told reporters on the steps of the capitol.",
        "The ruling, from page one of the opinion, says the law is too broad.",
    ],
)
def test_story_sentences_are_not_print_furniture(line: str) -> None:
    assert _strong_role(line) != "print"


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        (
            "They may sue. U.S. District Judge Pike blocked it. Mr. Smith left.",
            ["They may sue. ", "U.S. District Judge Pike blocked it. ", "Mr. Smith left."],
        ),
        (
            "Officials in Washington, D.C. said so. Then Gov. Cooper spoke on Jan. 5. Done.",
            [
                "Officials in Washington, D.C. said so. ",
                "Then Gov. Cooper spoke on Jan. 5. ",
                "Done.",
            ],
        ),
    ],
)
def test_abbreviations_do_not_end_sentences(text: str, pieces: list[str]) -> None:
    assert split_sentences(text) == pieces


def test_a_broken_chrome_file_is_a_one_line_error() -> None:
    with pytest.raises(StorydiffError, match=r"chrome\.toml: .*fix or restore"):
        _plan("[[category]]\nid = 'x'\nstrong = ['unclosed'\n")
