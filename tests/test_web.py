"""Copies given as web addresses: fetched from a real HTTP server on 127.0.0.1 (never the
internet), cached, compared like the same pages given as files, and every way a fetch can
fail reported in one line while the other copies are still compared.

Every test has a cache directory of its own (``STORYDIFF_CACHE_DIR``), so none sees another's
pages or the developer's.
"""

from __future__ import annotations

import json
import os
import pty
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import SEEDS, STORIES, modules_after, run_storydiff
from storydiff.errors import InputError
from storydiff.model import Alignment
from storydiff.options import StoryOptions
from storydiff.story import load_story
from webserver import Site, article_page, paragraphs_of, serving

# (seed copy, the outlet's site name, its canonical address)
OUTLETS = [
    (
        "000_213675de9e36e604.txt",
        "The Moscow Times",
        "https://www.themoscowtimes.com/2019/08/21/tens-of-thousands-flee-a66960",
    ),
    (
        "002_b6b2f5d536bc3e1c.txt",
        "The Globe and Mail",
        "https://www.theglobeandmail.com/world/article-tens-of-thousands-flee/",
    ),
    ("003_42d899cb014f27ae.txt", "Euronews", "https://www.euronews.com/2019/08/21/idlib-flee"),
    ("004_7908be4e56a87519.txt", "IPA News", "https://ipa.news/2019/08/23/thousands-fleeing/"),
]
TITLE = "Tens of thousands flee Russian-led onslaught on Syrian opposition enclave"
FAST = 0.4  # seconds: --timeout for the tests of slow servers


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("STORYDIFF_CACHE_DIR", str(folder))
    return folder


def pages() -> dict[str, str]:
    """The story as four outlets' web pages: name -> HTML."""
    return {
        f"{name[:3]}.html": article_page(
            paragraphs_of(SEEDS / name), title=TITLE, site_name=outlet, canonical=canonical
        )
        for name, outlet, canonical in OUTLETS
    }


def short_pages() -> dict[str, str]:
    """Two outlets' pages of the story's first paragraphs: quick to read."""
    out = {}
    for name, outlet, canonical in OUTLETS[:2]:
        paras = paragraphs_of(SEEDS / name)[:8]
        out[f"{name[:3]}.html"] = article_page(
            paras, title=TITLE, site_name=outlet, canonical=canonical
        )
    return out


@dataclass
class Story:
    site: Site
    urls: list[str]
    files: Path  # the same pages saved as files


@contextmanager
def _served(files: Path, route: str, pages: dict[str, str]) -> Iterator[Story]:
    """The pages saved in ``files`` and served under ``/route/`` by a local server."""
    files.mkdir()
    with serving() as site:
        urls = []
        for name, html in pages.items():
            (files / name).write_text(html, encoding="utf-8")
            urls.append(site.page(f"/{route}/{name}", html))
        yield Story(site, urls, files)


@pytest.fixture
def story(tmp_path: Path) -> Iterator[Story]:
    with _served(tmp_path / "files", "news", pages()) as served:
        yield served


@pytest.fixture
def short(tmp_path: Path) -> Iterator[Story]:
    with _served(tmp_path / "short", "short", short_pages()) as served:
        yield served


def rows_by_outlet(al: Alignment) -> list[tuple[str, dict[str, tuple[str, ...]]]]:
    """The alignment with versions named by outlet: comparable whatever the ids."""
    outlet = {v.id: v.outlet for v in al.versions}
    return [
        (
            r.status.value,
            {outlet[vid]: tuple(p.text for p in c.paragraphs) for vid, c in r.cells.items()},
        )
        for r in al.rows
    ]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_storydiff(*args, cwd=cwd)


def only_prefixed(stderr: str) -> list[str]:
    """stderr's lines, each one of ours: no tracebacks, no progress in a pipe."""
    lines = stderr.splitlines()
    assert "Traceback" not in stderr, stderr
    for line in lines:
        assert line.startswith(("storydiff: warning: ", "storydiff: error: ")), stderr
    return lines


def refused_url() -> str:
    """An address on this machine where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/story.html"


# --- the story as addresses ----------------------------------------------------------------


def test_urls_align_like_the_same_pages_as_files(story: Story) -> None:
    web = load_story(story.urls)
    files = load_story([str(story.files)])
    assert rows_by_outlet(web) == rows_by_outlet(files)
    assert web.version(web.base).outlet == files.version(files.base).outlet
    # outlets named from the pages themselves (site name, canonical address)
    assert sorted(v.outlet for v in web.versions) == sorted(o for _, o, _ in OUTLETS)
    assert {v.url for v in web.versions} == {c for _, _, c in OUTLETS}
    assert all(v.fetched and v.fetched.endswith("Z") for v in web.versions)
    assert [v.source for v in web.versions] == sorted(story.urls)
    assert not web.warnings


def by_position(al: Alignment) -> list[tuple[str, tuple[tuple[int, tuple[str, ...]], ...]]]:
    """The rows with versions named by their position among the copies."""
    place = {v.id: n for n, v in enumerate(al.versions)}
    return [
        (
            r.status.value,
            tuple(
                sorted(
                    (place[vid], tuple(p.text for p in c.paragraphs)) for vid, c in r.cells.items()
                )
            ),
        )
        for r in al.rows
    ]


@pytest.mark.parametrize("name", ["reuters-quake", "reuters-central-bank", "afp-election"])
def test_a_saved_story_served_as_it_is_aligns_like_its_files(name: str) -> None:
    """An evaluation story's own files (a saved HTML page, cp1252 and CRLF text, Markdown)
    served byte for byte, as web servers do, with no charset in the header."""
    folder = STORIES / name / "copies"
    types = {".html": "text/html", ".md": "text/markdown", ".txt": "text/plain"}
    with serving() as site:
        urls = [
            site.page(f"/{name}/{f.name}", f.read_bytes(), ctype=types[f.suffix])
            for f in sorted(folder.iterdir())
        ]
        web = load_story(urls)
    files = load_story([str(folder)])
    assert by_position(web) == by_position(files)
    assert [v.format for v in web.versions] == [v.format for v in files.versions]
    assert [v.encoding for v in web.versions] == [v.encoding for v in files.versions]


def test_the_order_of_addresses_and_files_does_not_matter(story: Story) -> None:
    files = sorted(story.files.iterdir())
    mixed = [*story.urls[:2], *(str(f) for f in files[2:])]
    one = load_story(mixed)
    other = load_story(list(reversed(mixed)))
    assert [v.id for v in one.versions] == [v.id for v in other.versions]
    assert rows_by_outlet(one) == rows_by_outlet(other)
    assert rows_by_outlet(one) == rows_by_outlet(load_story([str(story.files)]))


def test_second_run_works_from_the_cache_with_the_server_stopped(tmp_path: Path) -> None:
    with serving() as site:
        urls = [site.page(f"/a/{name}", html) for name, html in pages().items()]
        first = run("align", *urls, "--json")
        assert first.returncode == 0, first.stderr
        assert only_prefixed(first.stderr) == []
        assert sum(site.asked(f"/a/{name}") for name in pages()) == len(urls)
    # the server is gone: nothing listens on its port any more
    second = run("align", *urls, "--json")
    assert second.returncode == 0, second.stderr
    assert only_prefixed(second.stderr) == []
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["rows"] == two["rows"]
    assert one["versions"] == two["versions"]  # the fetch times too: the same pages


def test_a_second_run_asks_the_server_nothing(short: Story) -> None:
    load_story(short.urls)
    asked = len(short.site.requests)
    assert asked == len(short.urls)
    load_story(short.urls)
    assert len(short.site.requests) == asked


def test_refresh_fetches_again(short: Story) -> None:
    first = load_story(short.urls)
    time.sleep(1.1)  # fetch times are to the second
    again = load_story(short.urls, StoryOptions(refresh=True))
    assert len(short.site.requests) == 2 * len(short.urls)
    assert rows_by_outlet(first) == rows_by_outlet(again)
    assert {v.fetched for v in again.versions} != {v.fetched for v in first.versions}


def test_refresh_asks_conditionally_and_keeps_an_unchanged_page(tmp_path: Path) -> None:
    html = short_pages()
    with serving() as site:
        urls = [site.page(f"/e/{n}", h, etag=f'"v1-{n}"') for n, h in html.items()]
        load_story(urls)
        again = load_story(urls, StoryOptions(refresh=True))
        conditional = [r for r in site.requests if r.headers.get("if-none-match")]
        assert len(conditional) == len(urls)
        assert sorted(v.outlet for v in again.versions) == sorted(o for _, o, _ in OUTLETS[:2])


def test_refresh_that_fails_uses_the_cached_copy_and_says_so(tmp_path: Path) -> None:
    with serving() as site:
        urls = [site.page(f"/r/{n}", h) for n, h in short_pages().items()]
        first = load_story(urls)
    fetched = {v.fetched for v in first.versions}
    proc = run("align", *urls, "--json", "--refresh", "--timeout", str(FAST))
    assert proc.returncode == 0, proc.stderr
    lines = only_prefixed(proc.stderr)
    assert len(lines) == len(urls)
    for url, line in zip(sorted(urls), sorted(lines), strict=True):
        assert url in line and "refused the connection" in line
        assert "using the copy cached at" in line
        assert any(f in line for f in fetched if f)


def test_errors_are_never_cached(short: Story) -> None:
    site = short.site
    url = site.page("/flaky", "down for maintenance", status=503)
    with pytest.raises(InputError, match="HTTP 503"):
        load_story([url], StoryOptions(allow_single=True))
    al = load_story([*short.urls, url])
    assert any("HTTP 503" in w for w in al.warnings)
    site.page("/flaky", short_pages()["000.html"])
    al = load_story([*short.urls, url])
    assert len(al.versions) == 3
    assert site.asked("/flaky") == 3


# --- every way a fetch can fail: one line, and the rest compared -----------------------------

FAILURES: dict[str, tuple[str, ...]] = {
    "dns": ("cannot find the server nonexistent.invalid", "DNS"),
    "refused": ("refused the connection",),
    "timeout": (f"timed out after {FAST:g} s", "--timeout"),
    "404": ("HTTP 404 Not Found; check the address",),
    "403": ("HTTP 403 Forbidden",),
    "500": ("HTTP 500", "try again later"),
    "paywall": ("no article text found on this page (a paywall or consent page?)",),
    "pdf": ("not an HTML page (application/pdf)",),
    "image": ("not an HTML page (image/png)",),
    "too-large": ("2.5 MB is over the 2 MB limit per file", "--max-size"),
    "too-large-stream": ("over the 2 MB limit per file", "--max-size"),
    "redirect-loop": ("more than 5 redirects",),
    "too-many-redirects": ("more than 5 redirects",),
    "consent": ("no article text found on this page",),
    "empty": ("the server sent an empty page; check the address",),
}
CONSENT = (
    "<html><head><title>Before you continue</title></head><body><div class='consent'>"
    "<p>We and our partners use cookies to store and access information on your device.</p>"
    "<button>Accept all</button><button>Reject all</button></div></body></html>"
)


def failing_url(site: Site, kind: str) -> str:
    """An address that fails in the way ``kind`` names."""
    if kind == "dns":
        return "http://nonexistent.invalid/story.html"
    if kind == "refused":
        return refused_url()
    if kind == "timeout":
        return site.page("/slow", short_pages()["000.html"], delay=3 * FAST)
    if kind == "404":
        return site.url("/gone")
    if kind == "403":
        return site.page("/forbidden", "<p>Forbidden</p>", status=403)
    if kind == "500":
        return site.page("/broken", "<p>oops</p>", status=500)
    if kind == "paywall":
        page = article_page(
            ["Subscribe to continue reading.", "Already a subscriber? Log in."],
            title="Subscribe",
            site_name="The Daily Example",
        )
        return site.page("/paywalled", page)
    if kind == "empty":
        return site.page("/empty", b"")
    if kind == "consent":
        return site.page("/consent", CONSENT)
    if kind == "pdf":
        return site.page("/story.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", ctype="application/pdf")
    if kind == "image":
        return site.page("/photo", b"\x89PNG\r\n\x1a\n" + bytes(64), ctype="image/png")
    if kind == "too-large":
        return site.page("/huge", b"<p>" + b"x" * (5 * 512 * 1024))
    if kind == "too-large-stream":
        return site.stream("/endless", b"<p>" + b"y" * 65536, 100)
    if kind == "redirect-loop":
        return site.redirect("/loop", "/loop")
    if kind == "too-many-redirects":
        for n in range(8):
            site.redirect(f"/hop{n}", f"/hop{n + 1}")
        site.page("/hop8", short_pages()["000.html"])
        return site.url("/hop0")
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", list(FAILURES))
def test_each_failure_is_one_line_and_the_rest_is_compared(short: Story, kind: str) -> None:
    bad = failing_url(short.site, kind)
    options = StoryOptions(timeout=FAST, max_bytes=2 * 1024 * 1024)
    al = load_story([*short.urls, bad], options)
    assert sorted(v.source for v in al.versions) == sorted(short.urls)
    about = [w for w in al.warnings if bad in w]
    assert len(about) == 1, al.warnings
    assert about[0].startswith(f"{bad}: ")
    for needle in FAILURES[kind]:
        assert needle in about[0], about[0]
    assert about[0].endswith("(skipped; comparing the others)")
    assert "\n" not in about[0]
    with pytest.raises(InputError) as info:  # with one good copy left there is no comparison
        load_story([short.urls[0], bad], options)
    assert info.value.message.startswith(f"{bad}: ")
    assert "only 1 of 2 copies" in info.value.message


def test_every_failure_at_once_through_the_command(short: Story) -> None:
    """The real command with one good and many bad addresses next to two good ones: exit 0,
    one warning line per bad address and nothing else on stderr, the two compared."""
    bad = {kind: failing_url(short.site, kind) for kind in FAILURES}
    proc = run(
        "align", *short.urls, *bad.values(), "--json", "--timeout", str(FAST), "--max-size", "2"
    )
    assert proc.returncode == 0, proc.stderr
    lines = only_prefixed(proc.stderr)
    assert len(lines) == len(bad), proc.stderr
    for kind, url in bad.items():
        (line,) = [x for x in lines if f": warning: {url}: " in x]
        for needle in FAILURES[kind]:
            assert needle in line, line
    data = json.loads(proc.stdout)
    assert sorted(v["source"] for v in data["versions"]) == sorted(short.urls)


def test_nothing_left_to_compare_is_a_one_line_error(tmp_path: Path) -> None:
    dead = refused_url()
    proc = run("align", dead, "http://nonexistent.invalid/b", "--timeout", str(FAST))
    assert proc.returncode == 2
    (line,) = only_prefixed(proc.stderr)
    assert line.startswith("storydiff: error: ") and "only 0 of 2 copies" in line
    assert proc.stdout == ""


def test_a_slow_server_is_cut_off_by_the_total_time_limit(short: Story) -> None:
    """Data trickling in just under the timeout still ends: a page must arrive within six
    timeouts."""
    url = short.site.stream("/trickle", b"<p>tick</p>\n", 100, pause=FAST / 2)
    started = time.monotonic()
    al = load_story([*short.urls, url], StoryOptions(timeout=FAST))
    assert time.monotonic() - started < 6 * FAST + 5
    (line,) = [w for w in al.warnings if url in w]
    assert "timed out after" in line and "came too slowly" in line


# --- what the server sends ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_compressed_pages(short: Story, encoding: str) -> None:
    html = pages()["003.html"]
    url = short.site.page(f"/z/{encoding}", html, encoding=encoding)
    al = load_story([*short.urls, url])
    (v,) = [v for v in al.versions if v.source == url]
    assert v.outlet == "Euronews" and len(v.body) > 5
    asked = next(r for r in short.site.requests if r.path == f"/z/{encoding}")
    offered = asked.headers["accept-encoding"]
    assert "gzip" in offered and "br" in offered
    assert "storydiff/" in asked.headers["user-agent"]


CURLY = "Syria’s “last stronghold” — São Paulo, Zürich and Kraków reported €60,000 in aid."


def test_a_wrong_charset_header_does_not_garble_the_page(short: Story) -> None:
    """The header says Latin-1 (a server default), the page is UTF-8 and says so itself."""
    paras = [*paragraphs_of(SEEDS / OUTLETS[2][0])[:6], CURLY]
    html = article_page(paras, title=TITLE, site_name="Euronews")
    url = short.site.page("/wrong", html.encode("utf-8"), ctype="text/html; charset=iso-8859-1")
    al = load_story([*short.urls, url])
    (v,) = [v for v in al.versions if v.source == url]
    assert CURLY in [p.text for p in v.paragraphs]
    assert v.encoding == "utf-8"


def test_the_header_charset_is_used_when_the_page_names_none(short: Story) -> None:
    text = "Жители бегут к турецкой границе, сообщили спасатели в среду вечером."
    paras = [*paragraphs_of(SEEDS / OUTLETS[2][0])[:6], text]
    html = article_page(paras, title=TITLE, site_name="Euronews", charset=None)
    url = short.site.page(
        "/cyrillic", html.encode("cp1251"), ctype="text/html; charset=windows-1251"
    )
    al = load_story([*short.urls, url])
    (v,) = [v for v in al.versions if v.source == url]
    assert text in [p.text for p in v.paragraphs]


def test_the_page_charset_wins_over_a_wrong_legacy_header(short: Story) -> None:
    paras = [*paragraphs_of(SEEDS / OUTLETS[2][0])[:6], "Café in Zürich: “quoted” – dashed."]
    html = article_page(paras, title=TITLE, site_name="Euronews", charset="windows-1252")
    url = short.site.page("/cp", html.encode("cp1252"), ctype="text/html; charset=iso-8859-5")
    al = load_story([*short.urls, url])
    (v,) = [v for v in al.versions if v.source == url]
    assert "Café in Zürich: “quoted” – dashed." in [p.text for p in v.paragraphs]


def test_redirects_are_followed_and_the_page_keeps_its_final_address(short: Story) -> None:
    site = short.site
    html = article_page(paragraphs_of(SEEDS / OUTLETS[2][0]), title=TITLE)  # no name, no link
    final = site.page("/final/story.html", html)
    site.redirect("/hop2", "/final/story.html", 301)
    site.redirect("/hop1", site.url("/hop2"), 307)
    start = site.redirect("/short-link", "/hop1")
    al = load_story([*short.urls, start])
    (v,) = [v for v in al.versions if v.source == start]
    assert v.url == final  # the page names no address of its own
    assert v.outlet == "Euronews"  # its chrome names it ("euronews provides ...")


def test_a_page_naming_no_outlet_is_named_by_its_site(short: Story) -> None:
    """No site name, no canonical link, nothing in its chrome: the host it came from names
    it, rather than the meaningless last part of its path."""
    paras = [p for p in paragraphs_of(SEEDS / OUTLETS[3][0]) if "IPA" not in p and "ipa" not in p]
    url = short.site.page("/story/index.html", article_page(paras, title=TITLE))
    al = load_story([*short.urls, url])
    (v,) = [v for v in al.versions if v.source == url]
    host = url.split("/")[2]
    assert (v.outlet, v.url) == (host, url)
    assert v.outlet_evidence.startswith("fetched from")


def test_a_text_page_is_a_copy_too(short: Story) -> None:
    text = "\n\n".join(paragraphs_of(SEEDS / OUTLETS[3][0])) + "\n"
    url = short.site.page("/plain.txt", text, ctype="text/plain; charset=utf-8")
    al = load_story([*short.urls, url])
    (v,) = [v for v in al.versions if v.source == url]
    assert v.format.value == "text" and len(v.body) > 5


def test_addresses_given_twice_are_read_once(short: Story) -> None:
    twin = short.urls[0].replace("http://127.0.0.1", "HTTP://127.0.0.1") + "#top"
    al = load_story([*short.urls, twin])
    assert len(al.versions) == 2
    assert any("are the same page; compared once" in w for w in al.warnings)


# --- the manifest and storydiff fetch ------------------------------------------------------


def test_a_manifest_may_list_the_pages(story: Story, tmp_path: Path) -> None:
    folder = tmp_path / "listed"
    folder.mkdir()
    entries = [f'[copies."{story.urls[0]}"]\noutlet = "Moscow Times (print)"\nbadge = "MTP"\n']
    entries += [f'[copies."{url}"]\n' for url in story.urls[1:]]
    manifest = f'title = "From the web"\nbase = "{story.urls[1]}"\n\n' + "\n".join(entries)
    (folder / "storydiff.toml").write_text(manifest, encoding="utf-8")
    al = load_story([str(folder)])
    assert al.title == "From the web"
    assert len(al.versions) == 4
    first = next(v for v in al.versions if v.source == story.urls[0])
    assert (first.outlet, first.badge, first.outlet_evidence) == (
        "Moscow Times (print)",
        "MTP",
        "manifest",
    )
    assert al.version(al.base).source == story.urls[1] and al.base_reason == "manifest"
    assert rows_by_outlet(load_story([str(folder / "storydiff.toml")])) == rows_by_outlet(al)
    assert rows_by_outlet(load_story([f"{folder}/"])) == rows_by_outlet(al)


def test_an_empty_folder_is_still_an_error_next_to_a_manifest_of_pages(
    story: Story, tmp_path: Path
) -> None:
    listed, empty = tmp_path / "a-listed", tmp_path / "b-empty"
    listed.mkdir()
    empty.mkdir()
    entries = "".join(f'[copies."{url}"]\n' for url in story.urls)
    (listed / "storydiff.toml").write_text(entries, encoding="utf-8")
    with pytest.raises(InputError, match="b-empty: no story files in this folder"):
        load_story([str(listed), str(empty)])


def test_a_folder_of_files_with_a_manifest_adding_a_page(story: Story, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in ("000.html", "002.html", "003.html"):
        (folder / name).write_bytes((story.files / name).read_bytes())
    (folder / "storydiff.toml").write_text(f'[copies."{story.urls[3]}"]\n', encoding="utf-8")
    al = load_story([str(folder)])
    assert rows_by_outlet(al) == rows_by_outlet(load_story([str(story.files)]))


def test_fetch_saves_a_folder_that_compares_offline_like_the_addresses(
    story: Story, tmp_path: Path
) -> None:
    out = tmp_path / "saved"
    proc = run("fetch", *story.urls, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"saved 4 pages in {out}" in proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert "storydiff.toml" in names and len(names) == 5
    assert all(n.endswith(".html") for n in names if n != "storydiff.toml")
    manifest = (out / "storydiff.toml").read_text(encoding="utf-8")
    for _, outlet, canonical in OUTLETS:
        assert f'outlet = "{outlet}"' in manifest and f'url = "{canonical}"' in manifest
    assert manifest.count("fetched = ") == 4
    web = run("align", *story.urls, "--json")  # from the cache fetch filled
    story.site.routes.clear()  # the folder must need no server
    offline = run("align", str(out), "--json")
    assert web.returncode == offline.returncode == 0, web.stderr + offline.stderr
    a, b = json.loads(web.stdout), json.loads(offline.stdout)
    assert a["rows"] == b["rows"] and a["base"] == b["base"]
    drop = {"source", "outlet_evidence"}
    assert [{k: v for k, v in x.items() if k not in drop} for x in a["versions"]] == [
        {k: v for k, v in x.items() if k not in drop} for x in b["versions"]
    ]


def test_fetch_skips_what_fails_and_never_writes_over_a_users_file(
    short: Story, tmp_path: Path
) -> None:
    out = tmp_path / "saved"
    bad = short.site.url("/missing")
    proc = run("fetch", *short.urls, bad, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert any(bad in x and "HTTP 404" in x for x in lines if x.startswith("storydiff: warning"))
    assert len(list(out.glob("*.html"))) == 2
    # again into the same folder: its own files may be replaced
    assert run("fetch", *short.urls, "-o", str(out)).returncode == 0
    # a file of the user's in the way: refused, nothing written
    (out / "storydiff.toml").write_text('title = "mine"\n', encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = run("fetch", *short.urls, "-o", str(out))
    assert proc.returncode == 2
    (line,) = only_prefixed(proc.stderr)
    assert "storydiff.toml" in line and "never writes over a file it did not write" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    other = tmp_path / "other"
    other.mkdir()
    taken = sorted(out.glob("*.html"))[0].name
    (other / taken).write_text("my notes", encoding="utf-8")
    proc = run("fetch", *short.urls, "-o", str(other))
    assert proc.returncode == 2 and taken in proc.stderr
    assert (other / taken).read_text(encoding="utf-8") == "my notes"


def test_fetch_takes_only_addresses(tmp_path: Path) -> None:
    proc = run("fetch", str(SEEDS), "-o", str(tmp_path / "x"))
    assert proc.returncode == 2
    (line,) = only_prefixed(proc.stderr)
    assert "not a web address" in line
    assert not (tmp_path / "x").exists()


def test_fetch_into_a_file_is_a_one_line_error(short: Story, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("mine", encoding="utf-8")
    proc = run("fetch", *short.urls, "-o", str(target))
    assert proc.returncode == 2
    (line,) = only_prefixed(proc.stderr)
    assert str(target) in line and "not a folder" in line
    assert target.read_text(encoding="utf-8") == "mine"


def test_the_summary_says_when_the_pages_were_fetched(short: Story) -> None:
    proc = run("align", *short.urls)
    assert proc.returncode == 0, proc.stderr
    assert "web pages as fetched 20" in proc.stdout and "--refresh" in proc.stdout
    assert "127.0.0.1:" in proc.stdout  # the copies named by host and path, not "000.html"


# --- the app, the terminal, hostile pages --------------------------------------------------


async def test_the_app_shows_fetching_progress_then_the_story(short: Story) -> None:
    from storydiff.app import StorydiffApp
    from storydiff.ui.screens.loading import LoadingScreen
    from storydiff.ui.screens.reader import ReaderScreen

    slow = short.site.page("/slow.html", pages()["003.html"], delay=1.5)
    app = StorydiffApp([*short.urls, slow], StoryOptions(allow_single=True))
    labels: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(300):
            screen = app.screen
            if isinstance(screen, LoadingScreen) and screen.is_mounted:
                labels.append(str(screen.query_one("#loading-label").render()))
            if isinstance(screen, ReaderScreen):
                break
            await pilot.pause(0.02)
        assert isinstance(app.screen, ReaderScreen)
        assert len(app.screen.alignment.versions) == 3
    # while the slow page is on its way, the screen says how far the fetching is
    assert any("fetching (2/3)" in label for label in labels), labels
    assert app.error is None


def test_the_reader_in_a_real_terminal_fetches_then_opens(short: Story, tmp_path: Path) -> None:
    """The start-up users get (the story loads in a forked child): the loading screen says
    it is fetching while a slow page comes, the reader opens on the pages that came, and a
    notice names the address that failed."""
    from terminal import Terminal, tmux_missing
    from test_hardening_app import app_env, opened_or_exited
    from test_terminal import STARTUP, STEP, STORYDIFF, header_row

    if tmux_missing():
        pytest.skip(tmux_missing() or "")
    slow = short.site.page("/slow.html", pages()["003.html"], delay=2.0)
    missing = short.site.url("/missing.html")
    env = app_env(tmp_path, {"STORYDIFF_CACHE_DIR": str(tmp_path / "cache")})
    command = [str(STORYDIFF), *short.urls, slow, missing]
    with Terminal(command, cols=120, rows=30, env=env, cwd=tmp_path) as t:
        t.wait_for("fetching", timeout=STARTUP)
        screen = t.wait_for(opened_or_exited, timeout=STARTUP, what="the reader or an exit")
        assert header_row(screen) is not None, screen
        assert "3 versions" in screen.split("\n", 1)[0]
        t.wait_for("HTTP 404", timeout=STEP)
        t.send("q")
        assert t.wait_exit(timeout=STEP) == 0


def test_progress_is_shown_on_a_terminal_only(short: Story) -> None:
    """At a terminal stderr shows "fetching 2/3 pages" as it goes (then clears it); in a
    pipe it carries only warnings (the other tests check that)."""
    slow = short.site.page("/slowish.html", pages()["003.html"], delay=0.5)
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from storydiff.cli import run; run()", "align", *short.urls, slow],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(60)
    os.close(master)
    assert proc.returncode == 0
    text = seen.decode("utf-8", "replace")
    assert "storydiff: fetching 3/3 pages" in text
    assert text.endswith("\r\x1b[K")  # the line is gone once the pages are in


def test_hostile_page_metadata_is_shown_literally(short: Story) -> None:
    """A page's site name and title are the page's own text: markup in them is characters
    in the summary (the page's control characters never reach the terminal)."""
    name = "[bold red]Evil[/] \x1b[31mNews\x1b[0m"
    html = article_page(
        paragraphs_of(SEEDS / OUTLETS[2][0]), title="[link=http://x]T[/link]", site_name=name
    )
    url = short.site.page("/hostile", html)
    al = load_story([*short.urls, url])
    (v,) = [v for v in al.versions if v.source == url]
    assert "Evil[/]" in v.outlet and "[" in v.outlet  # as the page gave it (trafilatura's case)
    proc = run("align", *short.urls, url, "--base", url)
    assert proc.returncode == 0, proc.stderr
    assert v.outlet in proc.stdout and "[link=http://x]T[/link]" in proc.stdout
    assert "\x1b" not in proc.stdout


async def test_hostile_page_metadata_in_the_reader(short: Story) -> None:
    from test_app import WIDE, header, heads_text, reader, segments

    name = "[bold red]Evil[/] News"
    html = article_page(
        paragraphs_of(SEEDS / OUTLETS[2][0]), title="Flee [b]now[/b] [/]", site_name=name
    )
    url = short.site.page("/hostile", html)
    al = load_story([*short.urls, url], StoryOptions(base=url))
    outlet = al.version(al.base).outlet
    assert "Evil[/]" in outlet
    async with reader(al, WIDE) as (_app, _pilot, screen):
        assert outlet in heads_text(screen)
        assert "Flee [b]now[/b] [/]" in header(screen)
        for seg in segments(screen):
            assert "\x1b" not in seg.text and (seg.style is None or not seg.style.link)


# --- the small parts -----------------------------------------------------------------------


def test_addresses_and_their_names() -> None:
    from storydiff.web import display_name, is_url, normalize_url, url_slug

    assert is_url("https://a.com/x") and is_url("HTTP://a.com") and not is_url("a.com/x")
    assert not is_url("story/http://x")
    assert normalize_url("HTTP://Example.COM:80/a b#frag") == "http://example.com/a%20b"
    assert normalize_url("https://example.com") == "https://example.com/"
    assert url_slug("https://www.example.com/world/2019/story.html") == (
        "www.example.com-world-2019-story"
    )
    assert url_slug("http://127.0.0.1:8000/") == "127.0.0.1-8000"
    one, two = url_slug("https://a.com/x?id=1"), url_slug("https://a.com/x?id=2")
    assert one != two and one.startswith("a.com-x-")
    assert len(url_slug("https://a.com/" + "long-" * 50)) <= 80
    assert display_name("https://www.example.com/world/story/") == "www.example.com/world/story"
    assert display_name("story/a.txt") == "a.txt"
    for bad in ("http://", "https://user:pw@a.com/", "http://a.com:99999/"):
        with pytest.raises(InputError):
            normalize_url(bad)


def test_the_cache_survives_damage_and_writes_atomically(tmp_path: Path) -> None:
    from storydiff.web.cache import Page, PageCache

    cache = PageCache(tmp_path / "c")
    page = Page("http://a.com/x", "http://a.com/x", "text/html", "2024-05-01T09:30:00Z", b"<p>hi")
    assert cache.get("http://a.com/x") is None
    cache.put(page)
    assert cache.get("HTTP://A.com/x#frag") == page
    body, meta = cache.paths("http://a.com/x")
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == sorted([body.name, meta.name])
    body.write_bytes(b"<p>changed")  # damaged or half-written: a miss, never a wrong page
    assert cache.get("http://a.com/x") is None
    cache.put(page)
    meta.write_text("{not json", encoding="utf-8")
    assert cache.get("http://a.com/x") is None
    ro = PageCache(Path("/proc/no-such-place"))
    assert ro.put(page) is None  # an unwritable cache never stops the comparison


def test_the_cache_lives_where_the_environment_says(tmp_path: Path, cache: Path) -> None:
    from storydiff.web.cache import cache_dir

    assert cache_dir() == cache
    with serving() as site:
        html = short_pages()
        urls = [site.page(f"/c/{n}", h) for n, h in html.items()]
        load_story(urls)
    assert len(list(cache.glob("*.json"))) == len(urls)


def test_a_story_of_pages_only_keeps_its_review_apart(short: Story) -> None:
    from storydiff.review.store import locate

    al = load_story(short.urls)
    assert al.story_dir is not None and not al.one_folder
    location = locate(al.story_dir, one_folder=al.one_folder)
    assert location.path.name != "demo.json"
    other = load_story(short.urls[:1] + [str(short.files / "002.html")])
    assert locate(other.story_dir, one_folder=other.one_folder).path != location.path


def test_reading_from_the_cache_loads_no_http_client(short: Story, cache: Path) -> None:
    load_story(short.urls)
    mods = modules_after(
        "import os\n"
        f"os.environ['STORYDIFF_CACHE_DIR'] = {str(cache)!r}\n"
        "from storydiff.story import load_story\n"
        f"load_story({short.urls!r})\n"
    )
    assert "httpx" not in mods and "textual" not in mods


def test_help_lists_the_web_options() -> None:
    top = run("--help")
    assert "fetch" in top.stdout and "web addresses" in top.stdout
    fetch = run("fetch", "--help")
    for option in ("-o, --output FOLDER", "--refresh", "--timeout SECONDS", "--max-size"):
        assert option in fetch.stdout, fetch.stdout
    align = run("align", "--help")
    assert "--refresh" in align.stdout and "--timeout" in align.stdout
