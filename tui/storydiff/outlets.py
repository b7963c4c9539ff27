"""Which outlet published a copy, and how to tag it: name, short badge, stable colour.

The evidence, strongest first:

1. An address the copy states for itself: the HTML page's canonical URL, an ``Original url:``
   or ``Source:`` line, a line that is nothing but a URL.  Its domain is looked up in
   ``data/outlets.toml``; an unknown domain is named as it is.
2. The site's own chrome: an e-mail address or a web address at an outlet's domain, or the
   outlet's name in folded paragraphs (the body is not searched for names: a story quoting
   "The New York Times reported" was not published by it).  A wire agency named in a copy is
   the story's *source*, so an agency is the outlet only when the page is the agency's own.
3. For a page fetched from the web, the site it was fetched from (after redirects), before
   the chrome when its host is a name (the page was published there), after it when it is
   an IP address or ``localhost`` (which name no publisher).
4. The file name, as the last resort.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from .model import Document, Format, Kind, Paragraph
from .recache import PatternCache, digest, recompile
from .textnorm import typographic

DATA = Path(__file__).parent / "data"
BADGE_MAX = 6

# Twelve hues of middle lightness: each has a contrast ratio of at least 3:1 against both a
# white and a black background, so a badge stays readable in light and dark themes.
PALETTE = (
    "#d9534f",  # red
    "#c8700a",  # orange
    "#b8860b",  # gold
    "#5b9a2e",  # green
    "#1f9e89",  # teal
    "#2a8fbd",  # sky
    "#4a6fe3",  # blue
    "#8a5cd6",  # violet
    "#c2499b",  # magenta
    "#d45d79",  # rose
    "#7a8a3a",  # olive
    "#a0674b",  # brown
)


@dataclass(frozen=True)
class OutletGuess:
    name: str
    badge: str
    url: str | None
    evidence: str


@dataclass(frozen=True, slots=True)
class Outlet:
    """One row of ``data/outlets.toml``."""

    domain: str
    name: str
    badge: str
    aliases: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    wire: bool = False
    aggregator: bool = False
    own: tuple[str, ...] = ()  # text only the outlet's own pages carry (for wire agencies)


@dataclass(frozen=True, slots=True, eq=False)
class OutletTable:
    outlets: tuple[Outlet, ...]
    by_domain: dict[str, Outlet]
    by_name: dict[str, Outlet]  # case-folded name or alias
    ignored: frozenset[str]  # domains that never name a publisher (social, shorteners...)
    name_owner: dict[str, Outlet]  # a name to find in page text -> its outlet (no agencies)
    longest_name: int  # in words

    def for_domain(self, host: str) -> Outlet | None:
        """The outlet of ``host`` or of its nearest listed parent (edition.cnn.com -> cnn.com)."""
        labels = host.split(".")
        for i in range(len(labels) - 1):
            hit = self.by_domain.get(".".join(labels[i:]))
            if hit is not None:
                return hit
        return None

    def for_name(self, name: str) -> Outlet | None:
        return self.by_name.get(name.strip().casefold())

    def is_ignored(self, host: str) -> bool:
        labels = host.split(".")
        return any(".".join(labels[i:]) in self.ignored for i in range(len(labels) - 1))


def _matchable(outlet: Outlet) -> list[str]:
    """Strings that name the outlet in page text: aliases, plus the name itself (and its
    ALL-CAPS form) when it is distinctive enough not to be a common word."""
    out = list(outlet.aliases)
    name = outlet.name
    if " " in name or len(name) >= 8 or not name.isalpha():
        out.append(name)
    for s in list(out):
        if " " in s or len(s) >= 8:
            out.append(s.upper())
    return out


@cache
def load_outlets() -> OutletTable:
    text = DATA.joinpath("outlets.toml").read_text(encoding="utf-8")
    cache = PatternCache("outlets-" + digest(text))
    raw = cache.memo("raw", lambda: tomllib.loads(text))
    outlets: list[Outlet] = []
    for domain, row in raw["outlets"].items():
        outlets.append(
            Outlet(
                domain=domain,
                name=row["name"],
                badge=row["badge"],
                aliases=tuple(row.get("aliases", ())),
                also=tuple(row.get("also", ())),
                wire=bool(row.get("wire", False)),
                aggregator=bool(row.get("aggregator", False)),
                own=tuple(row.get("own", ())),
            )
        )
    by_domain: dict[str, Outlet] = {}
    by_name: dict[str, Outlet] = {}
    owner: dict[str, Outlet] = {}
    for o in outlets:
        for d in (o.domain, *o.also):
            by_domain.setdefault(d, o)
        for n in (o.name, *o.aliases):
            by_name.setdefault(n.casefold(), o)
        if not (o.wire or o.aggregator):
            for s in _matchable(o):
                owner.setdefault(typographic(s), o)
    ignored = frozenset(raw.get("ignore", {}).get("domains", ()))
    longest = max((len(s.split()) for s in owner), default=1)
    return OutletTable(tuple(outlets), by_domain, by_name, ignored, owner, longest)


# --- addresses -------------------------------------------------------------------------------

_URL = recompile(r"(?:https?://|www\.)[^\s<>\"'()\[\]{}|\\^`]+", re.IGNORECASE)
_EMAIL = recompile(r"[\w.+-]+@((?:[\w-]+\.)+[a-z]{2,})", re.IGNORECASE)
_LABELLED_URL = recompile(
    r"(?:original\s+(?:url|link|article|source|story)|\bsource|canonical(?:\s+url)?|permalink)"
    r"\s*:?\s*<?\s*((?:https?://|www\.)[^\s<>\"']+)",
    re.IGNORECASE,
)
_BARE_URL_LINE = recompile(
    r"^[ \t]*[<\[(]?((?:https?://|www\.)[^\s<>\"'\])]+)[>\])]?[ \t]*$", re.IGNORECASE | re.MULTILINE
)


def _has_address(text: str) -> bool:
    """Can ``text`` hold a web address at all (the patterns need ``http`` or ``www.``)?"""
    low = text.lower()
    return "http" in low or "www." in low


_STRIP_HOST = ("www.", "www1.", "www2.", "www3.", "m.", "amp.", "mobile.", "ww.")
_SECOND_LEVEL_WORDS = "co com net org gov ac edu ne or go gob nic mil ltd plc sch nhs"
_SECOND_LEVEL = frozenset(_SECOND_LEVEL_WORDS.split())


def clean_url(url: str) -> str:
    """Trailing punctuation and closing brackets are the sentence's, not the URL's."""
    while True:
        url = url.rstrip(".,;:!?*_'\"")
        unbalanced = (url.endswith(")") and url.count(")") > url.count("(")) or (
            url.endswith("]") and url.count("]") > url.count("[")
        )
        if not (url.endswith(">") or unbalanced):
            return url
        url = url[:-1]


def domain_of(url: str) -> str | None:
    """``https://www.example.co.uk/x`` -> ``example.co.uk`` (www., m., amp. stripped)."""
    url = clean_url(url.strip().strip("<>"))
    inner = re.search(r"https?://", url[8:])  # web.archive.org/web/2019.../https://real.page
    if inner is not None:
        url = url[8 + inner.start() :]
    if not re.match(r"https?://", url, re.IGNORECASE):
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    host = host.lower().rstrip(".")
    changed = True
    while changed:
        changed = False
        for prefix in _STRIP_HOST:
            if host.startswith(prefix) and host.count(".") >= 2:
                host = host[len(prefix) :]
                changed = True
    return host if "." in host else None


def registrable(host: str) -> str:
    """The registered name of a host, roughly: ``news.example.co.uk`` -> ``example.co.uk``."""
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


# --- the guess -------------------------------------------------------------------------------


def identify_outlet(doc: Document, paragraphs: Sequence[Paragraph]) -> OutletGuess:
    """Name the outlet of ``doc`` from the best evidence it carries (see the module doc)."""
    table = load_outlets()
    guess = _stated_address(doc, paragraphs, table)
    site = doc.fetched_from
    if guess is None and site and _names_a_site(site, table):
        guess = _from_url(site, "fetched from", table, doc.site_name)
    if guess is None:
        guess = _chrome_evidence(doc, paragraphs, table)
    if guess is None and site:
        host = urlsplit(site).netloc or site
        guess = OutletGuess(host, badge_for(host), site, f"fetched from: {site}")
    if guess is None:
        stem = Path(doc.source).stem or doc.path.stem or "copy"
        guess = OutletGuess(stem, badge_for(stem), None, "file name")
    return guess


def _names_a_site(url: str, table: OutletTable) -> bool:
    """Whether a page's address names its publisher: a domain name, not an IP address,
    ``localhost`` or a site that only hosts or relays other people's pages."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return False
    try:
        ipaddress.ip_address(host)
        return False
    except ValueError:
        pass
    domain = domain_of(url)
    return (
        bool(domain)
        and "." in host
        and not host.endswith(".localhost")
        and not (domain is not None and table.is_ignored(domain))
    )


def _from_url(url: str, how: str, table: OutletTable, site_name: str | None = None) -> OutletGuess:
    url = clean_url(url)
    host = domain_of(url) or url
    outlet = table.for_domain(host)
    if outlet is not None:
        return OutletGuess(outlet.name, outlet.badge, url, f"{how}: {url}")
    named = table.for_name(site_name) if site_name else None
    if named is not None:
        return OutletGuess(named.name, named.badge, url, f"site name {site_name!r} ({how})")
    name = site_name.strip() if site_name else registrable(host)
    return OutletGuess(name, badge_for(name), url, f"{how}: {url}")


def _stated_address(
    doc: Document, paragraphs: Sequence[Paragraph], table: OutletTable
) -> OutletGuess | None:
    """Rule 1: an address the copy gives for itself."""
    if doc.url and domain_of(doc.url):
        return _from_url(doc.url, "page url", table, doc.site_name)
    # the page's own text: HTML source would offer every link and script of the page
    text = "\n".join(p.text for p in paragraphs)
    if doc.raw_text and doc.format is not Format.HTML:
        text = doc.raw_text
    # the literal guards spare a regex scan of every copy that states no address at all
    has_address = _has_address(text)
    for m in _LABELLED_URL.finditer(text) if has_address else ():
        host = domain_of(m.group(1))
        if host and not table.is_ignored(host):
            return _from_url(m.group(1), "url in text", table, doc.site_name)
    bare: list[str] = [m.group(1) for m in _BARE_URL_LINE.finditer(text)] if has_address else []
    bare += [p.text.strip().strip("<>[]()") for p in paragraphs if p.role == "url"]
    for url in bare:
        host = domain_of(url)
        if host is None or table.is_ignored(host):
            continue
        outlet = table.for_domain(host)
        if outlet is not None and outlet.wire:
            continue  # "https://apnews.com/hub/..." lines are links to the agency, not the page
        return _from_url(url, "url in text", table, doc.site_name)
    if doc.site_name:
        named = table.for_name(doc.site_name)
        if named is not None:
            return OutletGuess(named.name, named.badge, None, f"site name {doc.site_name!r}")
        name = doc.site_name.strip()
        return OutletGuess(name, badge_for(name), None, f"site name {doc.site_name!r}")
    return None


def _addresses(texts: Iterable[str], table: OutletTable) -> OutletGuess | None:
    """The outlet whose domain the e-mail and web addresses in ``texts`` name most often
    (agencies and aggregators aside; ties: the first named, e-mail before web)."""
    seen: dict[str, tuple[int, int, Outlet, str]] = {}  # domain -> (count, order, outlet, how)
    order = 0
    for text in texts:
        hits: list[tuple[str, str]] = [
            (m.group(1).lower(), f"e-mail address {m.group(0)}")
            for m in (_EMAIL.finditer(text) if "@" in text else ())
        ]
        for m in _URL.finditer(text) if _has_address(text) else ():
            url = clean_url(m.group(0))
            hits.append((domain_of(url) or "", f"outlet address {url}"))
        for host, how in hits:
            outlet = table.for_domain(host) if host else None
            if outlet is None or outlet.wire or outlet.aggregator:
                continue
            count, first, _, first_how = seen.get(outlet.domain, (0, order, outlet, how))
            seen[outlet.domain] = (count + 1, first, outlet, first_how)
            order += 1
    if not seen:
        return None
    _, _, outlet, how = min(seen.values(), key=lambda v: (-v[0], v[1]))
    return OutletGuess(outlet.name, outlet.badge, None, how)


_EDGE = "\"'()[]{}<>,.;:!?*_|"


def find_names(text: str, table: OutletTable) -> list[tuple[str, Outlet]]:
    """Outlet names in ``text``, longest first at each word: ``(as written, outlet)``.

    A dictionary lookup of word n-grams rather than one regex of ~900 names, whose
    compilation alone cost more than everything else the outlet guess does."""
    words = [w.strip(_EDGE) for w in typographic(text).split()]
    found: list[tuple[str, Outlet]] = []
    i = 0
    while i < len(words):
        for n in range(min(table.longest_name, len(words) - i), 0, -1):
            candidate = " ".join(words[i : i + n])
            if candidate.endswith("'s") and candidate not in table.name_owner:
                candidate = candidate[:-2]  # "The Globe and Mail's comment community"
            outlet = table.name_owner.get(candidate)
            if outlet is not None:
                found.append((candidate, outlet))
                i += n
                break
        else:
            i += 1
    return found


def _named(texts: Iterable[str], table: OutletTable) -> OutletGuess | None:
    """The outlet named most often in the given texts (ties: the first named)."""
    counts: dict[str, int] = {}
    first: dict[str, tuple[int, str]] = {}
    by_domain: dict[str, Outlet] = {}
    order = 0
    for text in texts:
        for written, outlet in find_names(text, table):
            by_domain[outlet.domain] = outlet
            counts[outlet.domain] = counts.get(outlet.domain, 0) + 1
            first.setdefault(outlet.domain, (order, written))
            order += 1
    if not counts:
        return None
    best = min(counts, key=lambda d: (-counts[d], first[d][0]))
    outlet = by_domain[best]
    return OutletGuess(
        outlet.name, outlet.badge, None, f"outlet named in page text: {first[best][1]}"
    )


def _chrome_evidence(
    doc: Document, paragraphs: Sequence[Paragraph], table: OutletTable
) -> OutletGuess | None:
    """Rule 2: addresses and names in the site's chrome, then addresses anywhere."""
    folded = [p.text for p in paragraphs if p.kind is not Kind.BODY]
    everything = [doc.raw_text] if doc.raw_text else [p.text for p in paragraphs]
    guess = _addresses(folded, table) or _named(folded, table) or _addresses(everything, table)
    if guess is not None:
        return guess
    flat = typographic(" ".join(everything))
    for outlet in table.outlets:
        for marker in outlet.own:
            if marker in flat:
                return OutletGuess(
                    outlet.name, outlet.badge, None, f"the agency's own page: {marker!r}"
                )
    # An aggregator's name is no evidence inside a sentence ("Follow us on Google News" is
    # chrome of many sites), but a chrome line that is nothing but its name is its masthead.
    for line in folded:
        named = table.for_name(line.strip())
        if named is not None and named.aggregator:
            return OutletGuess(named.name, named.badge, None, f"masthead line {line.strip()!r}")
    return None


# --- badges and colours ----------------------------------------------------------------------

_MINOR_WORDS = "and of the for de la le el al in on at a an und der die das"
_MINOR = frozenset(_MINOR_WORDS.split())
_FILE_NUMBER = recompile(r"^(\d{1,6})(?:[_\-. ]|$)")


def badge_for(name: str) -> str:
    """A readable tag of at most six characters: the table's badge when the outlet is known,
    else initials ("The Moscow Times" -> "MT"), a short word in capitals ("Euronews" ->
    "EURON"), a domain's name ("example.co.uk" -> "EXAMPL") or a file's number ("000")."""
    name = name.strip()
    known = load_outlets().for_name(name)
    if known is not None:
        return known.badge
    if not name:
        return "?"
    number = _FILE_NUMBER.match(name)
    if number is not None:
        return number.group(1)
    if " " not in name and "." in name and domain_of(name):
        label = registrable(domain_of(name) or name).split(".")[0]
        return re.sub(r"[^A-Za-z0-9]", "", label).upper()[:BADGE_MAX] or "?"
    words: list[str] = re.findall(r"[^\W_]+|&", name)
    if words and words[0].casefold() == "the" and len(words) > 1:
        words = words[1:]
    significant = [w for w in words if w.casefold() not in _MINOR]
    if len(significant) >= 2:
        initials = "".join(w[0] if w != "&" else "&" for w in significant).upper()
        return initials[:BADGE_MAX]
    word = (significant or words or [name])[0]
    word = word.upper()
    return word if len(word) <= BADGE_MAX else word[: BADGE_MAX - 1]


def colour_for(name: str) -> str:
    """A stable ``#rrggbb`` for an outlet name: the same in every run and on every machine
    (zlib.crc32, not Python's per-process randomised ``hash``)."""
    return PALETTE[zlib.crc32(name.strip().casefold().encode("utf-8")) % len(PALETTE)]
