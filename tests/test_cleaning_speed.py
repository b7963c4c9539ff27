"""The shortcuts that make cleaning fast must never change what it finds.

chrome.toml's patterns are not all tried on every paragraph: anchored ones are grouped by the
characters they can start with, and the others are only tried where the literal text they
need is (see storydiff.cleaning.prefilter).  These tests compare the rules with every pattern
tried on its own, on chrome lines, story paragraphs and their variants in other cases, with
curly quotes, and at the lengths where the patterns' length guards start and stop.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from rapidfuzz import fuzz

from storydiff import textnorm
from storydiff.cleaning import load_rules, rules, shared, signals
from storydiff.cleaning.prefilter import conditions, word_list
from storydiff.cleaning.rules import TAIL_WINDOW, Rules, words_of
from storydiff.cleaning.signals import normalise, text_facts

ROOT = Path(__file__).resolve().parents[1]

CHROME_LINES = [
    "Advertisement",
    "Story continues below advertisement",
    "Skip to main content",
    "Home > World > Middle East",
    "We use cookies to improve your experience. By continuing you agree to our use of cookies.",
    "To view this site properly, enable cookies in your browser.",
    "Please disable your ad-blocker to continue",
    "Sign up for our newsletter",
    "The Daily Briefing is delivered straight to your inbox every morning.",
    "Share this article",
    "Follow us on Twitter",
    "\u00a9 2024 Example Media Group. All rights reserved.",
    "This article may not be reproduced without permission.",
    "President Joe Biden speaks in the Rose Garden. (AP Photo/Evan Vucci)",
    "FILE PHOTO: A view of the port. REUTERS/Jane Doe/File Photo",
    "Workers unload a ship in the port on Monday. Photo: AFP",
    "Dock workers at the harbour. Photo by Jane Doe via Getty Images",
    "A street in the capital (Reuters)",
    "John Smith / Getty Images",
    "Read more: Port strike enters its third month",
    "See also: what the loan means for you",
    "Don't miss: the week in pictures",
    "This video is not available in your region",
    "Your browser does not support the video tag.",
    "You have reached your limit of free articles this month.",
    "Subscribe to read the rest of this story",
    "Start your free trial for $1 per week, cancel anytime",
    "Comments that violate our community guidelines will be removed.",
    "Join the conversation in our comment section",
    "5 min read",
    "Anna Kovarova 3 min read",
    "This story was published from a wire agency feed without modifications to the text.",
    "Provided as a service to our readers by the agency",
    "Reporting by Anna Kovarova; Editing by Jan Lopatka",
    "AP writer Jon Gambrell contributed to this report.",
    "With files from The Canadian Press",
    "Sources: Reuters, AFP",
    "By JON GAMBRELL, Associated Press",
    "Reuters | Updated: Aug 21, 2019, 10:32 IST",
    "Published: 21 Aug 2019",
    "3 hours ago",
    "THE JAPAN TIMES WEDNESDAY, NOVEMBER 19, 2025 5",
    "World News | Agence France-Presse | Updated: October 27, 2024 1:04 am IST",
    "News | World | Politics | Business | Sport",
    "Follow AP's coverage of the strike at https://apnews.com/hub/strikes",
    "ACME Media Group Ltd., London, UK.",
    "Registered office: 1 Main Street, London",
    "DAX +1.2%",
    "burs-ak/jm",
    "AMMAN (Reuters) - Tens of thousands of people fled",
    "NEW DELHI, Aug 21 (PTI) The government said on Wednesday",
    "NEW YORK, Aug. 21, 2019 /PRNewswire/ -- The company announced",
    "Lilongwe: Malawi's president said on Friday that the vote would go ahead",
    "Privacy policy and terms of use",
    "Subscribers can read the full story in our app",
]

STORY_LINES = [
    "Tens of thousands of people have fled the Russian-led onslaught on the last rebel "
    "enclave, the United Nations said on Wednesday, as government forces advanced.",
    "\u201cWe have nowhere left to go,\u201d said a mother of four who reached the border.",
    "The central bank raised its main rate by a quarter point, saying inflation remained "
    "stubborn and that it would act again if needed.",
    "Officials said 12 people were killed and dozens injured.",
    "Debt worries",
    "He told reporters that the plan, which his party opposes, would cost more than expected.",
]


def _variants(line: str) -> Iterable[str]:
    yield line
    yield line.upper()
    yield line.lower()
    yield line.title()
    yield line.replace("'", "\u2019").replace('"', "\u201c")
    yield line.replace(" ", "\u00a0", 2)
    yield "  " + line + " "


def _padded(line: str, limits: Iterable[int]) -> Iterable[str]:
    """The line grown to just under, at and just over each length limit (and its +8 slack)."""
    for limit in limits:
        for size in (limit - 1, limit, limit + 1, limit + 8, limit + 9):
            if size > len(line) + 1:
                yield line + " " + "x" * (size - len(line) - 1)


@cache
def _pattern(source: str, flags: int) -> re.Pattern[str]:
    return re.compile(source, flags)


def _one_by_one(specs: Sequence[rules._Spec], text: str, low: str) -> int | None:
    """The lowest category with a match, every pattern run on its own, as the rules run it
    (lower-cased or with IGNORECASE, with its length guard, at the end of long texts)."""
    best: int | None = None
    for spec in specs:
        if best is not None and spec.idx >= best:
            continue
        subject = text if spec.cased else low
        if spec.max_len is not None and (
            len(subject) > spec.max_len or len(text) > spec.max_len + 8
        ):
            continue
        if spec.tail and len(subject) > TAIL_WINDOW:
            subject = "\x00" + subject[-TAIL_WINDOW:]
        pat = _pattern(spec.source, re.IGNORECASE if spec.cased else 0)
        if (pat.match(subject) if spec.anchored else pat.search(subject)) is not None:
            best = spec.idx
    return best


def _prefix_one_by_one(plan: dict[str, Any], text: str) -> tuple[int, int] | None:
    for idx, source, _gate in plan["datelines"]:
        m = _pattern(source, re.IGNORECASE).match(text)
        if m is not None:
            return idx, m.end()
    return None


def _check(compiled: Rules, plan: dict[str, Any], lines: Iterable[str]) -> int:
    strong = [rules._Spec(*s) for s in plan["strong"]["specs"]]
    weak = [rules._Spec(*s) for s in plan["weak"]["specs"]]
    index = {c.id: i for i, c in enumerate(compiled.categories)}
    matched = 0
    for line in lines:
        text = normalise(line)
        low = text.lower()
        got = compiled.strong(text, low)
        want = _one_by_one(strong, text, low)
        assert (None if got is None else index[got.id]) == want, line
        got = compiled.weak(text, low)
        want = _one_by_one(weak, text, low)
        assert (None if got is None else index[got.id]) == want, line
        found = compiled.prefix(text, low)
        assert (None if found is None else (index[found[0].id], found[1])) == _prefix_one_by_one(
            plan, text
        ), line
        matched += want is not None
    return matched


@cache
def _chrome_plan() -> dict[str, Any]:
    return rules._plan(rules.CHROME_FILE.read_text(encoding="utf-8"))


def _all_limits(plan: dict[str, Any]) -> list[int]:
    specs = plan["strong"]["specs"] + plan["weak"]["specs"]
    return sorted({s[5] for s in specs if s[5] is not None})


def test_rules_find_what_every_pattern_alone_finds() -> None:
    plan = _chrome_plan()
    lines = [v for line in CHROME_LINES + STORY_LINES for v in _variants(line)]
    lines += [v for line in CHROME_LINES[:20] for v in _padded(line, _all_limits(plan))]
    assert _check(load_rules(), plan, lines) > len(CHROME_LINES)


def test_rules_agree_on_the_seed_copies() -> None:
    lines = [
        line
        for path in sorted((ROOT / "seeds").glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(lines) > 50
    _check(load_rules(), _chrome_plan(), lines)


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("See also: what the loan means", "related"),
        ("SEE ALSO: WHAT THE LOAN MEANS", "related"),
        ("Don\u2019t miss: the week in pictures", "related"),
        ("DON\u2019T MISS: THE WEEK IN PICTURES", "related"),
        ("YOUR BROWSER DOES NOT SUPPORT THE VIDEO TAG.", "media"),
        ("Your Browser Does Not Support The Audio Element", "media"),
        ("To view this site properly, ENABLE COOKIES IN YOUR BROWSER.", "cookie"),
        ("Turn off your ad\u2011blocker, please", "cookie"),
        ("AS A SERVICE TO OUR READERS we publish agency copy", "syndication"),
        ("A view of the port. REUTERS/Jane Doe", "caption"),
        ("A view of the port (AFP)", "caption"),
        ("Delivered\u00a0straight to your inbox", "newsletter"),
    ],
)
def test_a_needed_literal_is_found_in_any_case_and_with_curly_quotes(
    line: str, category: str
) -> None:
    facts = text_facts(line, load_rules())
    assert facts.strong is not None and facts.strong.id == category


def test_prefilter_reads_the_literals_a_pattern_needs() -> None:
    see = conditions(r"\bsee also\b", 0)
    assert see.required == ("see also",) and see.bounded and see.words == ("see",)
    blocker = conditions(r"\b(?:disable|turn off|pause) (?:your )?ad ?-?blocker\b", 0)
    assert blocker.required
    assert all(lit.startswith(("disable ", "pause ", "turn off ")) for lit in blocker.required)
    assert blocker.words == ("disable", "pause", "turn")
    # a word cut short is no whole word: "advertis" is found in "advertisement"
    assert conditions(r"\badvertis", 0).words is None
    assert conditions(r"\badvertis(?:e|ing)\b", 0).words == ("advertise", "advertising")
    # inside a word, no \b: a literal, but no word to look up
    inside = conditions(r"copyright\s+\d{4}", 0)
    assert inside.required == ("copyright",) and not inside.bounded and inside.words is None
    # nothing needed: no condition
    assert conditions(r"^\d+$", 0).required is None
    assert conditions(r"^(?:a|b)\w*$", 0).first == "ab"
    assert conditions(r"^\w", 0).first is not None
    assert conditions(r"^(?:x)?", 0).first is None  # may match empty: any text


def test_case_insensitive_letters_that_fold_outside_ascii_are_no_literals() -> None:
    """IGNORECASE matches "K" (Kelvin sign) to k, "\u0131" to i, "\u017f" to s: literals with
    those letters could miss a match, so they are never required."""
    for pattern in (r"\bkiosk\b", r"^Skip ahead$", r"\binside\b", r"kilo|mask"):
        found = conditions(pattern, re.IGNORECASE)
        assert not any(set(lit) & set("iks") for lit in found.required or ()), pattern
    assert conditions(r"\bread more\b", re.IGNORECASE).required == ("read more",)


def _toml(categories: Sequence[tuple[str, Sequence[str], Sequence[str]]]) -> str:
    out = [
        "[define]",
        "[cues]",
        'imperatives = ["read"]',
        "second_person = '\\b(?:you|your)\\b'",
        "first_person = '(?-i:\\b(?:[Ww]e|us)\\b)'",
        "reporting = '\\b(?:said|according to)\\b'",
        "third_person = '\\b(?:he|she)\\b'",
        "email = '[\\w.+-]+@[\\w-]+(?:\\.[\\w-]+)+'",
        "web_address = '(?:https?://|www\\.)\\S+'",
    ]
    for cid, strong, weak in categories:
        out += [
            "[[category]]",
            f'id = "{cid}"',
            'kind = "boilerplate"',
            f'role = "{cid}"',
            f'reason = "{cid}"',
            "strong = [" + ", ".join(f"'{p}'" for p in strong) + "]",
            "weak = [" + ", ".join(f"'{p}'" for p in weak) + "]",
        ]
    return "\n".join(out) + "\n"


def _build(text: str) -> tuple[Rules, dict[str, Any]]:
    plan = rules._plan(text)
    return rules._build(plan), plan


def test_case_folding_outside_ascii_still_matches() -> None:
    compiled, plan = _build(
        _toml(
            [
                ("kelvin", ["^(?=.{0,40}$)Kilo (?-i:X)$", "\\bmask (?-i:Y)\\b"], []),
                ("sharp", ["\\bstrasse\\b", "\\bsign in (?-i:NOW)"], ["\\bsign in\\b"]),
            ]
        )
    )
    lines = [
        "Kilo X",
        "\u212ailo X",  # Kelvin sign
        "K\u0130LO X",  # dotted capital I
        "k\u0131lo X",  # dotless i
        "kilo x",
        "The ma\u017fk Y is here",  # long s
        "ma\u212a Y",
        "Strasse",
        "STRA\u1e9eE",  # capital sharp s
        "\u0131nside sign in now",
        "S\u0131gn in",
        "S\u0130GN IN NOW",  # IGNORECASE: "\u0130" is an i, but lower-cases to "i\u0307"
        "s\u0131gn in NOW",
    ]
    _check(compiled, plan, [v for line in lines for v in _variants(line)])


def test_many_literals_are_scanned_for_and_agree() -> None:
    """More literals than are worth an ``in`` test each: regex scans find them, at word
    starts and elsewhere, and overlapping ones are all found."""
    words = [f"w{n}x" for n in range(20)]
    parens = [f"({n}z)" for n in range(20)]
    compiled, plan = _build(
        _toml(
            [
                ("open-words", [f"\\b{w}\\w+end" for w in words], []),
                ("marks", [re.escape(p) for p in parens], []),
                ("nested", ["\\bw1x\\w*q", "1x\\w*q"], ["\\bw1\\w", "\\bw\\d"]),
            ]
        )
    )
    assert any(sources for _few, sources in compiled.scans.levels)
    lines = [
        "a w3xyend b",
        "w3xend",
        "aw3xyend",
        "w13xyend w1xq",
        "(7z) and (12z)",
        "((12z)",
        "x(1z)",
        "nothing here at all",
        "w1xq",
        "aw1xq",
        "w1",
        "w19xzzend (19z)",
    ]
    assert _check(compiled, plan, [v for line in lines for v in _variants(line)]) >= 6


def test_words_of_is_the_runs_of_word_characters() -> None:
    for text in (
        "",
        "plain words, and punctuation: (here)!",
        "snake_case and 3.14 and e-mail",
        "caf\u00e9 na\u00efve \u00a9 2024 \u2014 \u0130stanbul \u00b2",
        "tabs\tand\nnew lines \x00\x1f",
    ):
        for low in (text, text.lower()):
            assert words_of(low) == set(re.findall(r"\w+", low))


def test_fast_typographic_form_is_textnorms() -> None:
    samples = [
        "plain ascii `quote`",
        "\u201cCurly\u201d \u2018quotes\u2019 \u2013 dashes \u2014 and\u00a0spaces\u200b",
        "\ufb01ligature \u00bdhalf \uff21wide soft\u00adhyphen",
        "".join(chr(c) for c in range(0x2000, 0x2070)),
    ]
    for text in samples:
        assert signals._typographic(text) == textnorm.typographic(text)
        assert signals._typographic(text) == unicodedata.normalize(
            "NFKC", text.translate(textnorm._TRANSLATE)
        )


def test_word_cues_agree_with_their_patterns() -> None:
    compiled = load_rules()
    cues = compiled.cues
    for line in STORY_LINES + CHROME_LINES:
        for text in _variants(line):
            low = normalise(text).lower()
            runs = words_of(low)
            for cue in (cues.second_person, cues.reporting, cues.third_person):
                assert cue.among(low, runs, True) == (cue.pattern.search(low) is not None)
            cased = normalise(text)
            found = cues.first_person.among(cased, runs, False)
            assert found == (cues.first_person.pattern.search(cased) is not None)
    listed = word_list(r"\b(?:you|your|you're)\b", 0)
    assert listed == (["you", "your"], [])
    assert word_list(r"\b(?:said|according to)\b", 0) == (["said"], ["according"])
    assert word_list(r"(?:you|your)", 0) is None


def test_fuzzy_shortcut_answers_like_the_full_comparison() -> None:
    texts = [
        textnorm.match_key(line)
        for line in STORY_LINES + CHROME_LINES
        for line in (line, line[: len(line) // 2], line + " and more words at the end")
    ]
    for a in texts:
        for b in texts:
            short, long_ = sorted((a, b), key=len)
            full = fuzz.ratio(a, b) >= shared.FUZZY_RATIO or (
                len(short.split()) >= 5 and fuzz.partial_ratio(short, long_) >= shared.FUZZY_PARTIAL
            )
            assert shared._alike(a, b) == full, (a, b)


def test_a_damaged_plan_in_the_cache_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storydiff import recache

    monkeypatch.setattr(recache, "_cache_dir", lambda: tmp_path)
    text = rules.CHROME_FILE.read_text(encoding="utf-8")
    cache = recache.PatternCache("chrome-" + recache.digest(text))
    cache.entries[f"memo:{rules._PLAN}"] = {"categories": "not a plan"}
    cache.dirty = True
    cache.save()
    rules.load_rules.cache_clear()
    try:
        rebuilt = rules.load_rules()
        assert [c.id for c in rebuilt.categories] == [c[0] for c in _chrome_plan()["categories"]]
        assert rules._programs is not None
        assert rules._programs.entries[f"memo:{rules._PLAN}"] == _chrome_plan()
    finally:
        rules.load_rules.cache_clear()
