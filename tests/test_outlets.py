"""Outlets: naming the publisher of each copy, its badge and its colour."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from storydiff.cleaning import classify
from storydiff.model import Block, Document, Format, Kind, Paragraph
from storydiff.outlets import (
    BADGE_MAX,
    PALETTE,
    OutletGuess,
    badge_for,
    colour_for,
    domain_of,
    identify_outlet,
    load_outlets,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
TABLE = ROOT / "tui" / "storydiff" / "data" / "outlets.toml"
MOSCOW_TIMES_URL = (
    "https://www.themoscowtimes.com/2019/08/21/"
    "tens-of-thousands-flee-russian-led-onslaught-on-syrian-opposition-enclave-a66960"
)

BODY = [
    "The government on Tuesday announced a plan to rebuild the port, officials said, after "
    "months of delays that left thousands of dock workers without pay.",
    "The plan would be funded partly by a loan from the World Bank, Finance Minister Ana Ruiz "
    "told reporters in the capital.",
]


def _seed_doc(path: Path) -> Document:
    """Blocks as a loader would make them: paragraphs for the wrapped copy, Markdown stripped
    of its markup, one block per line for the scraped copies."""
    text = path.read_text(encoding="utf-8")
    blocks: list[tuple[str, str | None]] = []
    if path.name.startswith("000"):
        for para in re.split(r"\n\s*\n|\n(?= )", text):
            if para.strip():
                blocks.append((" ".join(para.split()), None))
    else:
        for line in text.splitlines():
            line = line.strip()
            hint = "heading1" if line.startswith("# ") else None
            line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.lstrip("#").replace("**", ""))
            line = line.strip().strip("<>")
            if line:
                blocks.append((line, hint))
    return Document(
        source=path.name,
        path=path,
        format=Format.TEXT,
        blocks=tuple(Block(i, t, h) for i, (t, h) in enumerate(blocks)),
        raw_text=text,
    )


@pytest.fixture(scope="module")
def seed_guesses() -> dict[str, OutletGuess]:
    docs = [_seed_doc(p) for p in sorted(SEEDS.glob("*.txt"))]
    return {
        d.source[:3]: identify_outlet(d, ps) for d, ps in zip(docs, classify(docs), strict=True)
    }


def test_seed_001_is_the_moscow_times_with_its_url(seed_guesses: dict[str, OutletGuess]) -> None:
    g = seed_guesses["001"]
    assert (g.name, g.badge, g.url) == ("The Moscow Times", "MT", MOSCOW_TIMES_URL)
    assert g.evidence.startswith("url in text: https://www.themoscowtimes.com/")


def test_seed_002_is_the_globe_and_mail_from_its_addresses(
    seed_guesses: dict[str, OutletGuess],
) -> None:
    g = seed_guesses["002"]
    assert g.name == "The Globe and Mail"
    assert g.evidence.startswith("e-mail address ") and "globeandmail.com" in g.evidence


def test_seed_003_is_euronews_named_in_its_footer(seed_guesses: dict[str, OutletGuess]) -> None:
    g = seed_guesses["003"]
    assert (g.name, g.badge) == ("Euronews", "EURON")
    assert g.evidence == "outlet named in page text: euronews"


@pytest.mark.parametrize("prefix", ["000", "004"])
def test_seeds_naming_no_outlet_fall_back_to_the_file_name(
    prefix: str, seed_guesses: dict[str, OutletGuess]
) -> None:
    """004 says "Reuters reported": the agency is the story's source, not its publisher."""
    g = seed_guesses[prefix]
    assert g.evidence == "file name"
    assert g.name.startswith(prefix + "_")
    assert g.badge == prefix
    assert g.url is None


# --- helpers for synthetic copies --------------------------------------------------------------


def _doc(
    *lines: str,
    source: str = "copy.txt",
    url: str | None = None,
    site_name: str | None = None,
    raw: str | None = None,
) -> Document:
    blocks = tuple(Block(i, t) for i, t in enumerate(lines))
    return Document(
        source=source,
        path=Path(source),
        format=Format.TEXT,
        blocks=blocks,
        url=url,
        site_name=site_name,
        raw_text=raw if raw is not None else "\n\n".join(lines),
    )


def _guess(doc: Document) -> OutletGuess:
    other = _doc(*BODY, source="other.txt")
    return identify_outlet(doc, classify([doc, other])[0])


def _folded(*texts: str) -> list[Paragraph]:
    return [Paragraph(i, t, Kind.BOILERPLATE, "chrome") for i, t in enumerate(texts)]


# --- rule 1: stated addresses ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "url"),
    [
        ("Original url:\n\n<https://www.themoscowtimes.com/2019/08/21/a>", None),
        ("Original url: https://www.themoscowtimes.com/2019/08/21/a", None),
        ("Original URL:\nhttps://www.themoscowtimes.com/2019/08/21/a.", None),
        ("source: https://www.themoscowtimes.com/2019/08/21/a", None),
        ("<https://www.themoscowtimes.com/2019/08/21/a>", None),
        ("https://www.themoscowtimes.com/2019/08/21/a", None),
        ("https://m.themoscowtimes.com/2019/08/21/a", "https://m.themoscowtimes.com/2019/08/21/a"),
    ],
)
def test_a_stated_url_names_the_outlet(tail: str, url: str | None) -> None:
    raw = "\n\n".join(BODY) + "\n\n" + tail
    doc = _doc(*BODY, *[line for line in tail.split("\n") if line], raw=raw)
    g = _guess(doc)
    assert g.name == "The Moscow Times"
    assert g.url == (url or "https://www.themoscowtimes.com/2019/08/21/a")
    assert g.evidence == f"url in text: {g.url}"


def test_the_page_url_of_an_html_copy_wins_and_subdomains_map_to_the_outlet() -> None:
    doc = _doc(*BODY, url="https://edition.cnn.com/2024/05/01/world/port/index.html")
    g = _guess(doc)
    assert (g.name, g.badge) == ("CNN", "CNN")
    assert g.url == "https://edition.cnn.com/2024/05/01/world/port/index.html"
    assert g.evidence.startswith("page url: ")


def test_an_unknown_domain_is_named_by_the_site_name_or_the_domain() -> None:
    g = _guess(_doc(*BODY, url="https://news.dailyplanet.co.uk/port"))
    assert (g.name, g.badge) == ("dailyplanet.co.uk", "DAILYP")
    g = _guess(_doc(*BODY, url="https://www.dailyplanet.org/port", site_name="The Daily Planet"))
    assert (g.name, g.badge) == ("The Daily Planet", "DP")
    assert g.url == "https://www.dailyplanet.org/port"


def test_site_name_alone_and_archived_urls() -> None:
    assert _guess(_doc(*BODY, site_name="Arab News")).name == "Arab News"
    archived = "https://web.archive.org/web/20190821/https://www.reuters.com/article/idUS123"
    g = _guess(_doc(*BODY, url=archived))
    assert g.name == "Reuters"  # the archived page is the agency's own


def test_links_to_social_networks_and_agencies_are_not_the_page() -> None:
    doc = _doc(*BODY, "https://twitter.com/someone/status/1", "https://apnews.com/hub/ports")
    assert _guess(doc).evidence == "file name"


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.bbc.co.uk/news/world-1", "bbc.co.uk"),
        ("http://amp.theguardian.com/world/x", "theguardian.com"),
        ("www.straitstimes.com/asia/x", "straitstimes.com"),
        ("<https://uk.reuters.com/article/x>.", "uk.reuters.com"),
        ("not a url", None),
    ],
)
def test_domain_of(url: str, domain: str | None) -> None:
    assert domain_of(url) == domain


def test_known_domains_and_their_subdomains_resolve() -> None:
    table = load_outlets()
    found = table.for_domain("uk.reuters.com")
    assert found is not None and found.name == "Reuters"
    found = table.for_domain("globeandmail.com")
    assert found is not None and found.name == "The Globe and Mail"
    found = table.for_domain("economictimes.indiatimes.com")
    assert found is not None and found.name == "The Economic Times"
    assert table.for_domain("example.org") is None


# --- rule 2: the site's chrome -----------------------------------------------------------------


def test_an_email_address_at_an_outlet_domain() -> None:
    chrome = _folded("If you would like to write a letter, write to letters@globeandmail.com")
    g = identify_outlet(_doc(*BODY), chrome)
    assert g.name == "The Globe and Mail"
    assert g.evidence == "e-mail address letters@globeandmail.com"


def test_an_alias_in_the_chrome_names_the_outlet() -> None:
    g = identify_outlet(_doc(*BODY), _folded("Follow africanews on social media"))
    assert (g.name, g.evidence) == ("Africanews", "outlet named in page text: africanews")
    g = identify_outlet(_doc(*BODY), _folded("THE JAPAN TIMES  WEDNESDAY, NOVEMBER 19, 2025  5"))
    assert g.name == "The Japan Times"


def test_outlets_named_in_the_story_body_are_sources_not_publishers() -> None:
    doc = _doc(
        "The New York Times reported on Monday that the port deal was near, citing officials.",
        *BODY,
    )
    assert _guess(doc).evidence == "file name"


def test_a_wire_agency_named_in_a_copy_is_not_its_outlet() -> None:
    doc = _doc(
        "By Reuters",
        "AMMAN (Reuters) - " + BODY[0],
        BODY[1],
        "(Reporting by Suleiman Al-Khalidi; Editing by Jon Boyle)",
        "\u00a9 Agence France-Presse",
    )
    assert _guess(doc).evidence == "file name"


def test_a_wire_agency_is_the_outlet_on_its_own_page() -> None:
    doc = _doc(*BODY, "Our Standards: The Thomson Reuters Trust Principles.")
    g = _guess(doc)
    assert g.name == "Reuters"
    assert g.evidence.startswith("the agency's own page")


def test_the_most_named_outlet_wins() -> None:
    paragraphs = _folded(
        "Trump attacks The New York Times over port story",
        "Welcome to the Daily Maverick comment section",
        "Daily Maverick newsletters: sign up",
    )
    assert identify_outlet(_doc(*BODY), paragraphs).name == "Daily Maverick"


# --- badges and colours -----------------------------------------------------------------------


def test_every_badge_in_the_table_fits() -> None:
    table = load_outlets()
    assert len(table.outlets) >= 200
    for outlet in table.outlets:
        assert 1 <= len(outlet.badge) <= BADGE_MAX, outlet
        assert badge_for(outlet.name) == outlet.badge


@pytest.mark.parametrize(
    ("name", "badge"),
    [
        ("The Moscow Times", "MT"),
        ("Euronews", "EURON"),
        ("The Globe and Mail", "G&M"),
        ("The Daily Planet", "DP"),
        ("Lighthouse", "LIGHT"),
        ("Gazette", "GAZET"),
        ("Radio Free Springfield Community Network Weekly", "RFSCNW"),
        ("000_213675de9e36e604", "000"),
        ("example-news.co.uk", "EXAMPL"),
        ("", "?"),
    ],
)
def test_badge_for(name: str, badge: str) -> None:
    assert badge_for(name) == badge
    assert len(badge_for(name)) <= BADGE_MAX


def test_colours_are_stable_and_from_the_palette() -> None:
    assert len(PALETTE) >= 12 and len(set(PALETTE)) == len(PALETTE)
    for colour in PALETTE:
        assert re.fullmatch(r"#[0-9a-f]{6}", colour)
    assert colour_for("The Moscow Times") == colour_for("The Moscow Times")
    assert colour_for("The Moscow Times") == "#c8700a"  # crc32: the same on every machine
    assert len({colour_for(o.name) for o in load_outlets().outlets}) == len(PALETTE)


def test_colours_do_not_depend_on_the_hash_seed() -> None:
    code = "from storydiff.outlets import colour_for; print(colour_for('Euronews'))"
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT / "tui")}
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(run.stdout.strip())
    assert outputs == {colour_for("Euronews")}


# --- the table file -----------------------------------------------------------------------------


def test_the_table_has_no_duplicate_domains_and_clean_keys() -> None:
    raw = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    domains: list[str] = []
    for domain, row in raw["outlets"].items():
        domains.append(domain)
        domains.extend(row.get("also", []))
        assert row["name"].strip() == row["name"] and row["name"]
        assert set(row) <= {"name", "badge", "aliases", "also", "wire", "aggregator", "own"}
        assert all(isinstance(a, str) and a.strip() for a in row.get("aliases", []))
    dupes = [d for d, n in Counter(domains).items() if n > 1]
    assert not dupes
    for d in domains:
        assert d == d.lower() and not d.startswith("www.") and "." in d and "/" not in d, d


def test_the_table_knows_the_wire_agencies() -> None:
    table = load_outlets()
    for domain in ("reuters.com", "apnews.com", "afp.com"):
        outlet = table.for_domain(domain)
        assert outlet is not None and outlet.wire


def test_an_html_page_without_canonical_url_is_named_by_its_own_links() -> None:
    raw = (
        '<html><script>{"source": "https://www.bbc.co.uk/news/1"}</script><body>'
        '<a href="https://www.arabnews.com/world">World</a>'
        '<a href="https://www.arabnews.com/economy">Business</a>'
        f"<p>{BODY[0]}</p><p>{BODY[1]}</p>"
        '<a href="https://www.bbc.co.uk/news/2">via the BBC</a>'
        '<a href="https://www.arabnews.com/about">About us</a></body></html>'
    )
    doc = Document(
        source="page.html",
        path=Path("page.html"),
        format=Format.HTML,
        blocks=(Block(0, BODY[0]), Block(1, BODY[1])),
        raw_text=raw,
    )
    g = _guess(doc)
    assert g.name == "Arab News"
    assert g.evidence == "outlet address https://www.arabnews.com/world"
    assert g.url is None


def test_an_aggregator_masthead_line_names_the_copy() -> None:
    doc = _doc("Skip to main content", "Yahoo News", *BODY, "Terms and Privacy Policy")
    assert _guess(doc).name == "Yahoo News"


def test_an_aggregator_named_in_a_chrome_sentence_is_not_the_outlet() -> None:
    doc = _doc(*BODY, "Follow us on Google News for the latest headlines.", source="x.txt")
    assert _guess(doc).name != "Google News"
