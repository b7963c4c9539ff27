"""Word-level differences and the matching keys beneath them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from storydiff.diff import consensus_index, similarity, word_diff
from storydiff.features import content_stems, split_sentences
from storydiff.model import Op
from storydiff.textnorm import match_key, tokenize, visible


def test_typographic_noise_is_no_difference() -> None:
    a = "Syria's border \u2013 \u201cnot stopping,\u201d said Younis."
    b = 'Syria\u2019s border - "not stopping", said\u00a0Younis.'
    ops = word_diff(a, b)
    assert [op.op for op in ops] == [Op.EQUAL]
    assert similarity(a, b) == 1.0


def test_replace_insert_delete_and_numbers() -> None:
    ops = word_diff(
        "Around 60,000 people fled in four days.",
        "Around 70,000 people had fled in four days alone.",
    )
    kinds = [(op.op, op.text.strip(), op.ref.strip()) for op in ops if op.op is not Op.EQUAL]
    assert (Op.REPLACE, "70,000", "60,000") in kinds
    assert (Op.INSERT, "had", "") in kinds
    assert any(op.number for op in ops if op.op is Op.REPLACE)
    assert not any(op.number for op in ops if op.op is Op.INSERT)
    deleted = word_diff("a quick brown fox", "a brown fox")
    assert [(op.op, op.ref) for op in deleted if op.op is Op.DELETE] == [(Op.DELETE, "quick ")]


@given(st.text(max_size=200), st.text(max_size=200))
def test_diff_reconstructs_both_texts(a: str, b: str) -> None:
    ops = word_diff(a, b)
    assert "".join(op.text for op in ops) == b
    assert "".join(tokenize(a).texts) == a
    assert len(tokenize(a).texts) == len(tokenize(a).keys)


@given(st.text(max_size=300))
def test_sentences_are_exact_slices(text: str) -> None:
    assert "".join(split_sentences(text)) == text


def test_sentence_split() -> None:
    text = 'He said "no." Then he left. 60,000 fled. "Go," she said.'
    assert split_sentences(text) == [
        'He said "no." ',
        "Then he left. ",
        "60,000 fled. ",
        '"Go," she said.',
    ]


def test_consensus_is_majority_reading() -> None:
    texts = ["one two three", "one two four", "one two four", "one two five"]
    assert consensus_index(texts) in (1, 2)
    assert consensus_index(["a b c", "a b d", "x y z"]) in (0, 1)


def test_keys_and_stems() -> None:
    assert match_key("Syria\u2019s \u201cborder\u201d") == match_key('Syria\'s "border"')
    assert "60000" in content_stems("around 60,000 people")
    assert set(content_stems("intensified Russian raids")) & set(
        content_stems("intensity of Russia's raid")
    ) >= {"intens", "russia", "raid"}


def test_visible_escapes_control_and_bidi() -> None:
    assert visible("a\x1b[31mred\x1b]0;title\x07") == "a\\x1b[31mred\\x1b]0;title\\x07"
    assert visible("x\u202eevil") == "x\\u202eevil"
    assert visible("plain [bold] text\n") == "plain [bold] text\n"
