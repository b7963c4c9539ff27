"""Cleaning: every block of every copy is story body, metadata or boilerplate.

The seed copies are split into blocks here (not by the loader) so these tests pin the
classifier alone; the evaluation stories at the end go through the real loader.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pytest

from storydiff.cleaning import classify, iter_patterns, load_rules
from storydiff.model import Block, Document, Format, Kind, Paragraph

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOLD = ROOT / "tests" / "fixtures" / "gold_seeds.json"
STORIES = ROOT / "tests" / "fixtures" / "stories"

# --- building documents without the loader ---------------------------------------------------

_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _wrapped_blocks(text: str) -> list[tuple[str, str | None]]:
    """Hard-wrapped text: a paragraph ends at a blank line or before a line that starts with a
    space; its lines are joined with spaces (a line ending in a hyphen is joined without)."""
    paras: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            if current:
                paras.append(current)
            current = []
            continue
        if line.startswith(" ") and current:
            paras.append(current)
            current = []
        current.append(line.strip())
    if current:
        paras.append(current)
    out: list[tuple[str, str | None]] = []
    for lines in paras:
        joined = lines[0]
        for nxt in lines[1:]:
            joined += nxt if joined.endswith("-") else " " + nxt
        out.append((joined, None))
    return out


def _markdown_blocks(text: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        hint: str | None = None
        heading = re.match(r"^(#{1,6})\s+", line)
        if heading:
            hint = f"heading{len(heading.group(1))}"
            line = line[heading.end() :]
        line = line.replace("**", "")
        if re.fullmatch(r"<[^>]+>", line):
            line, hint = line[1:-1], "link-only"
        elif _MD_LINK.fullmatch(line):
            hint = "link-only"
        line = _MD_LINK.sub(r"\1", line).strip()
        out.append((line, hint))
    return out


def seed_doc(path: Path) -> Document:
    text = path.read_text(encoding="utf-8")
    if path.name.startswith("000"):
        fmt, blocks = Format.WRAPPED, _wrapped_blocks(text)
    elif path.name.startswith("001"):
        fmt, blocks = Format.MARKDOWN, _markdown_blocks(text)
    else:
        fmt = Format.TEXT
        blocks = [(line.strip(), None) for line in text.splitlines() if line.strip()]
    return Document(
        source=path.name,
        path=path,
        format=fmt,
        blocks=tuple(Block(i, t, h) for i, (t, h) in enumerate(blocks)),
        raw_text=text,
    )


def make_doc(name: str, *lines: str | tuple[str, str | None], title: str | None = None) -> Document:
    """A document from lines; a (text, hint) tuple sets the block's hint."""
    blocks = []
    for i, line in enumerate(lines):
        text, hint = line if isinstance(line, tuple) else (line, None)
        blocks.append(Block(i, text, hint))
    return Document(
        source=name, path=Path(name), format=Format.TEXT, blocks=tuple(blocks), title=title
    )


# A short wire story, for synthetic copies.
STORY = [
    "The government on Tuesday announced a sweeping plan to rebuild the port, officials said, "
    "after months of delays that left thousands of dock workers without pay.",
    "The plan, worth about $2 billion, would be funded partly by a loan from the World Bank, "
    "Finance Minister Ana Ruiz told reporters in the capital.",
    "Unions welcomed the announcement but said they would keep striking until back pay was "
    "settled, according to a statement issued late on Tuesday.",
    "Shipping lines have diverted more than 40 vessels to neighbouring ports since March, "
    "pushing up prices for fuel and food across the region.",
    "Opposition lawmakers said the loan would add to a public debt that already exceeds 90% "
    "of economic output and demanded a parliamentary vote on the deal.",
]


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


# --- the seeds -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gold() -> dict[str, object]:
    data: dict[str, object] = json.loads(GOLD.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def seeds() -> tuple[list[Document], list[list[Paragraph]]]:
    docs = [seed_doc(p) for p in sorted(SEEDS.glob("*.txt"))]
    return docs, classify(docs)


def _by_letter(
    gold: dict[str, object], seeds: tuple[list[Document], list[list[Paragraph]]]
) -> dict[str, list[Paragraph]]:
    docs, result = seeds
    versions = gold["versions"]
    assert isinstance(versions, dict)
    by_file = {d.source: ps for d, ps in zip(docs, result, strict=True)}
    return {letter: by_file[name] for letter, name in versions.items()}


def _containing(paragraphs: Sequence[Paragraph], snippet: str) -> list[Paragraph]:
    s = _norm(snippet)
    return [p for p in paragraphs if s in _norm(p.text)]


def test_every_block_becomes_paragraphs_in_order_with_its_text(
    seeds: tuple[list[Document], list[list[Paragraph]]],
) -> None:
    for doc, paragraphs in zip(*seeds, strict=True):
        by_index: dict[int, list[Paragraph]] = {}
        for p in paragraphs:
            by_index.setdefault(p.index, []).append(p)
        assert list(by_index) == [b.index for b in doc.blocks], doc.source
        for block in doc.blocks:
            parts = by_index[block.index]
            assert [p.part for p in parts] == list(range(len(parts)))
            if len(parts) == 1:
                assert parts[0].text == block.text
            else:  # a split: exact slices, only whitespace between them lost
                assert "".join(p.text for p in parts).replace(" ", "") == block.text.replace(
                    " ", ""
                )
                for p in parts:
                    assert p.text in block.text


def test_gold_story_paragraphs_all_stay_body(
    gold: dict[str, object], seeds: tuple[list[Document], list[list[Paragraph]]]
) -> None:
    by_letter = _by_letter(gold, seeds)
    rows = gold["rows"]
    assert isinstance(rows, list)
    lost = []
    for row in rows:
        for letter, snippets in row.items():
            if letter == "id":
                continue
            for snippet in snippets:
                found = _containing(by_letter[letter], snippet)
                if not any(p.kind is Kind.BODY for p in found):
                    lost.append(f"{letter}: {snippet}")
    assert not lost


def test_gold_boilerplate_is_folded_as_boilerplate(
    gold: dict[str, object], seeds: tuple[list[Document], list[list[Paragraph]]]
) -> None:
    by_letter = _by_letter(gold, seeds)
    boilerplate = gold["boilerplate"]
    assert isinstance(boilerplate, dict)
    not_boilerplate = []
    for letter, snippets in boilerplate.items():
        for snippet in snippets:
            found = _containing(by_letter[letter], snippet)
            assert found, snippet
            assert all(p.folded for p in found), f"{letter}: {snippet} shown as story"
            if any(p.kind is not Kind.BOILERPLATE for p in found):
                not_boilerplate.append(snippet)
    # "Original url" is folded as metadata (role url) by design
    assert len(not_boilerplate) <= 1, not_boilerplate


def test_gold_metadata_is_folded(
    gold: dict[str, object], seeds: tuple[list[Document], list[list[Paragraph]]]
) -> None:
    by_letter = _by_letter(gold, seeds)
    metadata = gold["metadata"]
    assert isinstance(metadata, dict)
    for letter, snippets in metadata.items():
        for snippet in snippets:
            found = _containing(by_letter[letter], snippet)
            assert found and all(p.folded for p in found), f"{letter}: {snippet}"


def test_seed_roles(seeds: tuple[list[Document], list[list[Paragraph]]]) -> None:
    docs, result = seeds
    by_file = {d.source[:3]: ps for d, ps in zip(docs, result, strict=True)}
    roles = {p.text: p.role for p in by_file["001"]}
    assert roles["Tens of Thousands Flee Russian-Led Attack on Syrian Opposition Enclave"] == (
        "headline"
    )
    assert roles["By Reuters"] == "byline"
    assert roles["August 21, 2019"] == "date"
    assert roles["Anas Alkharboutli / dpa / TASS"] == "photo-credit"
    assert roles["Original url:"] == "url"
    roles = {p.text: p.role for p in by_file["002"]}
    assert roles["Skip to main content"] == "navigation"
    assert roles["Story continues below advertisement"] == "advert"
    assert roles["Enjoy unlimited digital access"] == "paywall"
    assert roles["How to enable cookies"] == "cookie"
    roles = {p.text: p.role for p in by_file["003"]}
    assert roles["This content is not available in your region"] == "region"
    assert roles["By Suleiman Al-Khalidi"] == "byline"
    assert roles["(Reporting by Suleiman Al-Khalidi; Editing by Jon Boyle)"] == "credit"
    roles = {p.text: p.role for p in by_file["004"]}
    assert roles["Thousands fleeing to Turkish border following latest attacks in Syria"] == (
        "headline"
    )
    assert roles["Turkey vows to maintain military post attacked by Syria"] == "related"
    assert roles["You might also like"] == "related"


def test_dateline_of_seed_003_is_split_into_exact_slices(
    seeds: tuple[list[Document], list[list[Paragraph]]],
) -> None:
    docs, result = seeds
    doc, paragraphs = next(
        (d, ps) for d, ps in zip(docs, result, strict=True) if d.source[:3] == "003"
    )
    block = next(b for b in doc.blocks if b.text.startswith("AMMAN"))
    parts = [p for p in paragraphs if p.index == block.index]
    assert len(parts) == 2
    dateline, body = parts
    assert (dateline.part, dateline.kind, dateline.role) == (0, Kind.METADATA, "dateline")
    assert dateline.text == "AMMAN (Reuters) \u2013"
    assert (body.part, body.kind) == (1, Kind.BODY)
    assert body.text.startswith("Ten of thousands of people have fled to the Turkish border")
    assert block.text.startswith(dateline.text) and block.text.endswith(body.text)
    assert block.text == dateline.text + " " + body.text


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_crosshead_mercenaries_is_body(
    prefix: str, seeds: tuple[list[Document], list[list[Paragraph]]]
) -> None:
    docs, result = seeds
    paragraphs = next(ps for d, ps in zip(docs, result, strict=True) if d.source[:3] == prefix)
    mercenaries = [p for p in paragraphs if p.text == "Mercenaries"]
    assert len(mercenaries) == 1
    assert (mercenaries[0].kind, mercenaries[0].role) == (Kind.BODY, "crosshead")


def test_repeated_headline_is_folded_as_repeated(
    seeds: tuple[list[Document], list[list[Paragraph]]],
) -> None:
    docs, result = seeds
    paragraphs = next(ps for d, ps in zip(docs, result, strict=True) if d.source[:3] == "003")
    heads = [p for p in paragraphs if p.text.startswith("Tens of thousands flee")]
    assert [p.role for p in heads] == ["headline", "repeated"]
    assert all(p.folded for p in heads)


def test_unique_rewrite_paragraphs_stay_body(
    seeds: tuple[list[Document], list[list[Paragraph]]],
) -> None:
    docs, result = seeds
    paragraphs = next(ps for d, ps in zip(docs, result, strict=True) if d.source[:3] == "004")
    for start in ("Turkey currently maintains 12", "Moscow and Tehran support", "The posts were"):
        (p,) = [p for p in paragraphs if p.text.startswith(start)]
        assert p.kind is Kind.BODY, start


def test_seeds_are_classified_fast(seeds: tuple[list[Document], list[list[Paragraph]]]) -> None:
    docs, _ = seeds
    classify(docs)
    start = time.perf_counter()
    for _ in range(5):
        classify(docs)
    assert (time.perf_counter() - start) / 5 < 0.05  # a few ms in practice; loose for CI


def test_many_copies_scale_linearly(seeds: tuple[list[Document], list[list[Paragraph]]]) -> None:
    """Ten times the copies cost about ten times as much (no all-pairs comparison).

    Every copy gets its own edit so that the per-text cache cannot hide the work."""
    docs, _ = seeds

    def copies(n: int, tag: str) -> list[Document]:
        out = []
        for i in range(n):
            base = docs[i % len(docs)]
            blocks = tuple(Block(b.index, f"{b.text} {tag}{i}", b.hint) for b in base.blocks)
            out.append(Document(f"c{i}.txt", Path(f"c{i}.txt"), base.format, blocks))
        return out

    def best(n: int, runs: int) -> float:
        """Fastest of a few runs, each on fresh copies (so no cache helps): a scheduler hiccup
        on a busy CI machine inflates one run, never all of them."""
        times = []
        for run in range(runs):
            batch = copies(n, f"r{n}x{run}x")
            start = time.perf_counter()
            assert len(classify(batch)) == n
            times.append(time.perf_counter() - start)
        return min(times)

    # Linear is 10x, all-pairs would be ~100x: 40x tells them apart with room for noise.
    assert best(100, 3) < 40 * max(best(10, 5), 0.005)


# --- synthetic copies: patterns from other outlets --------------------------------------------


def _classify_one(doc: Document, *others: Document) -> list[Paragraph]:
    return classify([doc, *others])[0]


def _other_copy() -> Document:
    return make_doc("other.txt", *STORY)


STRONG_CHROME = [
    ("Advertisement", "advert"),
    ("ADVERTISEMENT", "advert"),
    ("Story continues below advertisement", "advert"),
    ("Article continues below this advertisement", "advert"),
    ("Skip to main content", "navigation"),
    ("Home > World > Middle East", "navigation"),
    (
        "We use cookies to improve your experience on our site. By continuing to browse you "
        "agree to our use of cookies.",
        "cookie",
    ),
    ("Accept all cookies", "cookie"),
    ("Sign up for our newsletter", "newsletter"),
    ("Sign up for our daily newsletter to get the top headlines in your inbox", "newsletter"),
    ("Share this article", "social"),
    ("Facebook Twitter WhatsApp Email", "social"),
    ("Follow us on Twitter", "social"),
    ("\u00a9 2024 Example Media Group. All rights reserved.", "footer"),
    ("Copyright 2024 Daily Planet Ltd", "footer"),
    ("Terms of Use", "footer"),
    ("President Joe Biden speaks in the Rose Garden. (AP Photo/Evan Vucci)", "caption"),
    ("FILE PHOTO: A view of the port. REUTERS/Jane Doe/File Photo", "caption"),
    ("Workers unload a ship in the port on Monday. Photo: AFP", "caption"),
    ("John Smith / Getty Images", "photo-credit"),
    ("Read more: Port strike enters its third month", "related"),
    ("RELATED: Unions threaten nationwide walkout", "related"),
    ("Also read: What the loan means for you", "related"),
    ("You might also like", "related"),
    ("This video is not available in your region", "region"),
    ("You have reached your limit of free articles this month.", "paywall"),
    ("Subscribe now", "paywall"),
    ("Already a subscriber? Log in", "paywall"),
    ("$1.99 per week", "paywall"),
    ("Comments (12)", "comments"),
    ("Comments are closed.", "comments"),
    ("5 min read", "reading-time"),
    ("Listen to this article", "media"),
    ("Download the NDTV app for the latest news", "app-promo"),
    ("Have a news tip? Email us at tips@example.com", "footer"),
    ("Supported by", "advert"),
    ("Purchase Licensing Rights", "footer"),
    ("Media caption, Dock workers marched through the capital", "caption"),
    ("Follow AP\u2019s coverage of the strike at https://apnews.com/hub/strikes", "related"),
    (
        "The Reuters Daily Briefing newsletter brings you the news you need. Sign up here.",
        "newsletter",
    ),
    ("View on Instagram", "social"),
]


@pytest.mark.parametrize(("line", "role"), STRONG_CHROME)
def test_strong_chrome_is_folded_even_when_other_copies_share_it(line: str, role: str) -> None:
    doc = make_doc("a.txt", *STORY[:2], line, *STORY[2:])
    other = make_doc("b.txt", *STORY[:3], line, *STORY[3:])
    (p,) = [p for p in _classify_one(doc, other) if p.text == line]
    assert (p.kind, p.role) == (Kind.BOILERPLATE, role), p.reason
    assert p.reason


METADATA = [
    ("By JON GAMBRELL, Associated Press", "byline"),
    ("By Reuters Staff", "byline"),
    ("By [Reuters]", "byline"),
    ("By Anna Kovarova and Jakub Stransky", "byline"),
    ("Reuters | Updated: Aug 21, 2019, 10:32 IST", "byline"),
    ("August 21, 2019", "date"),
    ("21 Aug 2019 10:32 GMT", "date"),
    ("Published: 21 Aug 2019", "date"),
    ("Updated 3:45 p.m. ET", "date"),
    ("Posted 2 hours ago", "date"),
    ("(Reporting by Jane Roe in Paris; Editing by Alex Richardson)", "credit"),
    ("Additional reporting by Jane Roe in Paris", "credit"),
    ("Writing by John Doe; Editing by Chris Reese", "credit"),
    ("Compiled by Mark Potter", "credit"),
    ("Jane Roe contributed to this report.", "credit"),
    ("Associated Press writers Ana Lopez and Tom Hays contributed.", "credit"),
    ("\u00a9 Agence France-Presse", "credit"),
    ("burs-jm/mlm", "credit"),
    ("Our Standards: The Thomson Reuters Trust Principles.", "credit"),
    ("Provided by Reuters", "credit"),
    ("Original url:", "url"),
    ("https://www.example.com/2024/port-plan", "url"),
    ("Source: https://www.example.com/2024/port-plan", "url"),
]


@pytest.mark.parametrize(("line", "role"), METADATA)
def test_metadata_lines(line: str, role: str) -> None:
    doc = make_doc("a.txt", *STORY[:1], line, *STORY[1:])
    (p,) = [p for p in _classify_one(doc, _other_copy()) if p.text == line]
    assert (p.kind, p.role) == (Kind.METADATA, role), p.reason


DATELINES = [
    ("WASHINGTON (AP) \u2014 ", "WASHINGTON (AP) \u2014"),
    ("PARIS, March 6 (Reuters) - ", "PARIS, March 6 (Reuters) -"),
    ("KYIV, Ukraine (AP) \u2014 ", "KYIV, Ukraine (AP) \u2014"),
    ("NAIROBI (AFP) - ", "NAIROBI (AFP) -"),
    ("BEIJING, Aug 21 (Reuters) - ", "BEIJING, Aug 21 (Reuters) -"),
    ("AMMAN (Reuters) \u2013 ", "AMMAN (Reuters) \u2013"),
    ("LONDON \u2014 ", "LONDON \u2014"),
    ("NEW DELHI: ", "NEW DELHI:"),
    ("GRASS VALLEY, Calif. -- ", "GRASS VALLEY, Calif. --"),
]


@pytest.mark.parametrize(("prefix", "dateline"), DATELINES)
def test_dateline_is_split_off_the_first_paragraph(prefix: str, dateline: str) -> None:
    text = prefix + STORY[0]
    doc = make_doc("a.txt", "Port plan unveiled", text, *STORY[1:])
    paragraphs = _classify_one(doc, _other_copy())
    parts = [p for p in paragraphs if p.index == 1]
    assert [(p.part, p.kind, p.role) for p in parts] == [
        (0, Kind.METADATA, "dateline"),
        (1, Kind.BODY, "body"),
    ]
    assert parts[0].text == dateline
    assert parts[1].text == STORY[0]


NEWS_NOT_METADATA = [
    "By Tuesday, the army had advanced into the town, residents said.",
    "Reuters reported that the army had advanced into the town on Tuesday.",
    "Published reports said the army had advanced into the town.",
    "\u201cYou have to leave now,\u201d a soldier told residents, according to two witnesses.",
    "Follow-up talks are planned for next week in Geneva, the ministry said.",
    "We will not accept it, the opposition leader told supporters in the capital on Sunday.",
    "Subscribers to the state newsletter were told the port would reopen in May, officials said.",
]


@pytest.mark.parametrize("line", NEWS_NOT_METADATA)
def test_unique_news_prose_stays_body(line: str) -> None:
    doc = make_doc("a.txt", *STORY[:2], line, *STORY[2:])
    (p,) = [p for p in _classify_one(doc, _other_copy()) if p.text == line]
    assert p.kind is Kind.BODY, p.reason


def test_unique_chrome_around_the_story_is_folded() -> None:
    doc = make_doc(
        "a.txt",
        "World",
        "Business",
        "Port plan unveiled as strike drags on",
        *STORY,
        "Get the best of our journalism in your inbox every morning. Sign up today.",
        "Your Daily Planet",
        "Build your personal news feed",
        ("1. Follow topics that matter to you.", "list-item"),
        "We aim to create a safe space for discussion. That means:",
        ("\u2022 Treat others as you wish to be treated", "list-item"),
        "Questions? Write to us at letters@dailyplanet.example",
    )
    paragraphs = _classify_one(doc, _other_copy())
    folded = {p.text for p in paragraphs if p.folded}
    assert "World" in folded and "Business" in folded
    assert "Port plan unveiled as strike drags on" in folded  # the headline
    for line in doc.blocks[-7:]:
        assert line.text in folded, line.text
    assert [p.text for p in paragraphs if not p.folded] == STORY


def test_repeated_lines_are_folded_after_the_first() -> None:
    doc = make_doc("a.txt", "Port plan unveiled", *STORY[:3], STORY[1], *STORY[3:])
    paragraphs = _classify_one(doc, _other_copy())
    copies = [p for p in paragraphs if p.text == STORY[1]]
    assert copies[0].kind is Kind.BODY
    assert (copies[1].kind, copies[1].role) == (Kind.BOILERPLATE, "repeated")


def test_related_headlines_under_a_list_header_are_folded() -> None:
    doc = make_doc(
        "a.txt",
        *STORY,
        "More from the Daily Planet",
        "Dock workers rally outside parliament",
        "Fuel prices hit a record as ships divert",
        "Copyright 2024 Daily Planet",
    )
    paragraphs = _classify_one(doc, _other_copy())
    for p in paragraphs[len(STORY) : len(STORY) + 3]:
        assert (p.kind, p.role) == (Kind.BOILERPLATE, "related"), p.text


def test_crosshead_unique_to_one_copy_is_body() -> None:
    doc = make_doc("a.txt", *STORY[:2], "Debt worries", *STORY[2:])
    (p,) = [p for p in _classify_one(doc, _other_copy()) if p.text == "Debt worries"]
    assert (p.kind, p.role) == (Kind.BODY, "crosshead")


def test_heading_hints_headline_image_and_outside_article() -> None:
    doc = make_doc(
        "a.html",
        ("Menu", "outside-article"),
        ("Port plan unveiled", "heading1"),
        ("Dockers at work in the port", "image"),
        *STORY,
        ("Most read this week", "outside-article"),
        ("Dock workers rally outside parliament", "outside-article"),
    )
    paragraphs = _classify_one(doc, _other_copy())
    roles = {p.text: (p.kind, p.role) for p in paragraphs}
    assert roles["Port plan unveiled"] == (Kind.METADATA, "headline")
    assert roles["Dockers at work in the port"] == (Kind.BOILERPLATE, "caption")
    assert roles["Menu"][0] is Kind.BOILERPLATE
    assert roles["Dock workers rally outside parliament"][0] is Kind.BOILERPLATE
    assert all(roles[s] == (Kind.BODY, "body") for s in STORY)


def test_title_of_the_page_is_the_headline() -> None:
    doc = make_doc("a.html", "Port plan unveiled", *STORY, title="Port plan unveiled")
    (p,) = [p for p in _classify_one(doc, _other_copy()) if p.index == 0]
    assert (p.kind, p.role) == (Kind.METADATA, "headline")


def test_one_copy_alone_and_empty_copies() -> None:
    alone = classify([make_doc("a.txt", "Port plan unveiled", *STORY, "Share this article")])
    assert [p.text for p in alone[0] if not p.folded] == STORY
    assert classify([]) == []
    empty = classify([make_doc("e.txt"), make_doc("s.txt", "* * *", "---")])
    assert empty[0] == []
    assert all(p.kind is Kind.BOILERPLATE for p in empty[1])


# --- the rules file ----------------------------------------------------------------------------


def test_every_chrome_pattern_compiles_on_its_own() -> None:
    count = 0
    for category, strength, pattern in iter_patterns():
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"chrome.toml [{category}] {strength}: {exc}: {pattern[:80]}")
        count += 1
    assert count > 200


def test_rules_load_with_known_kinds_and_reasons() -> None:
    rules = load_rules()
    ids = [c.id for c in rules.categories]
    assert len(ids) == len(set(ids))
    for cat in rules.categories:
        assert cat.kind in (Kind.METADATA, Kind.BOILERPLATE)
        assert cat.role and cat.reason
    assert load_rules() is rules  # compiled once per process


def test_engine_does_not_import_textual() -> None:
    code = (
        "import sys; import storydiff.cleaning, storydiff.outlets; "
        "assert 'textual' not in sys.modules, 'textual imported'"
    )
    env_path = str(ROOT / "tui")
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env={"PYTHONPATH": env_path},
        cwd=ROOT,
    )


# --- the evaluation stories, through the real loader ------------------------------------------

STORY_DIRS = sorted(p.parent for p in STORIES.glob("*/gold.json"))


@pytest.mark.parametrize("story", STORY_DIRS, ids=lambda p: p.name)
def test_evaluation_stories_keep_story_and_fold_chrome(story: Path) -> None:
    from storydiff.loading import load_document

    gold = json.loads((story / "gold.json").read_text(encoding="utf-8"))
    docs = [load_document(story / "copies" / name, name) for name in gold["versions"].values()]
    by_letter = dict(zip(gold["versions"], classify(docs), strict=True))
    lost = [
        f"{letter}: {snippet}"
        for row in gold["rows"]
        for letter, snippets in row.items()
        if letter != "id"
        for snippet in snippets
        if not any(p.kind is Kind.BODY for p in _containing(by_letter[letter], snippet))
    ]
    assert not lost
    leaks = [
        f"{letter}: {snippet}"
        for letter, snippets in gold.get("boilerplate", {}).items()
        for snippet in snippets
        if any(p.kind is Kind.BODY for p in _containing(by_letter[letter], snippet))
    ]
    assert not leaks
