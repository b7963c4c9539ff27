"""Fetching pages politely: one client, a clear user agent, bounded everything.

Every way a fetch can fail (no such host, a refused connection, a timeout, an HTTP error, a
PDF where a page was expected, a page over the size limit, a redirect loop) becomes one line
naming the address and what to do, as an :class:`~storydiff.errors.InputError` the loader
handles like a bad file: skipped with a warning while two copies can still be compared.

Politeness: the user agent names storydiff; at most :data:`WORKERS` pages are fetched at once
and at most :data:`PER_HOST` from one host; a page in the cache is not asked for again unless
the user says ``--refresh``, and then conditionally (``If-None-Match`` /
``If-Modified-Since``), so an unchanged page costs the site a 304.  robots.txt is not
consulted: storydiff fetches the pages a person names, one each, like a browser, and never
follows links.

Limits: ``timeout`` bounds the connection and every wait for data; a whole page must arrive
within :data:`TOTAL_TIMEOUTS` times that (a server trickling a byte a second is cut off);
redirects are followed :data:`MAX_REDIRECTS` deep; the body is counted as it arrives, after
gzip/brotli decoding, and dropped the moment it passes ``max_bytes`` (a decompression bomb
never fills memory).

httpx is imported only when a page must really be fetched: a run served from the cache
does not load it.
"""

from __future__ import annotations

import http
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from storydiff import __version__
from storydiff.errors import InputError

from ..loading.reader import human_size, over_limit
from ..options import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT
from ..textnorm import visible
from . import normalize_url
from .cache import Page, PageCache, now_utc

if TYPE_CHECKING:
    import httpx

TOTAL_TIMEOUTS = 6  # a whole page within this many timeouts
MAX_REDIRECTS = 5
WORKERS = 8  # pages fetched at once
PER_HOST = 2  # of those, from one host
USER_AGENT = f"storydiff/{__version__} (compares the republished copies of a news story)"
ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,text/markdown;q=0.8,*/*;q=0.1"
# What a copy of a story may be served as; a missing Content-Type is sniffed by the reader.
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
_LOOPBACK = ("all://127.0.0.1", "all://localhost", "all://[::1]")
_SAVE_ADVICE = "save the page from a browser and give the file"


@dataclass(frozen=True, slots=True)
class FetchSettings:
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    refresh: bool = False  # ask the server again even for a page in the cache


@dataclass(frozen=True, slots=True)
class Fetched:
    """The outcome for one address: a page (fresh or from the cache) or an error."""

    source: str  # the address as the user gave it
    page: Page | None = None
    error: InputError | None = None
    from_cache: bool = False
    note: str = ""  # a warning to pass on (a refetch failed, the cached copy was used)


def seconds(value: float) -> str:
    """``10 s``, ``0.5 s``: a timeout as the user gave it."""
    return f"{value:g} s"


def fetch_pages(
    sources: Sequence[str],
    settings: FetchSettings,
    progress: Callable[[int, int], None] | None = None,
    cache: PageCache | None = None,
) -> list[Fetched]:
    """Fetch (or take from the cache) every address in ``sources``; the outcomes in the same
    order.  ``progress(done, total)`` is called from the calling thread only."""
    cache = cache if cache is not None else PageCache()
    total = len(sources)
    out: list[Fetched | None] = [None] * total
    todo: list[tuple[int, str, Page | None]] = []
    for i, source in enumerate(sources):
        try:
            url = normalize_url(source)
        except InputError as exc:
            out[i] = Fetched(source, error=exc)
            continue
        cached = cache.get(url)
        if cached is not None and not settings.refresh:
            out[i] = Fetched(source, page=cached, from_cache=True)
        else:
            todo.append((i, source, cached))
    done = total - len(todo)
    if progress is not None:
        progress(done, total)
    if todo:
        pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="storydiff-fetch")
        with _Fetcher(settings) as fetcher:  # closing it breaks off fetches still running
            futures = {
                pool.submit(fetcher.one, source, cached, cache): i for i, source, cached in todo
            }
            try:
                for future in as_completed(futures):
                    out[futures[future]] = future.result()
                    done += 1
                    if progress is not None:
                        progress(done, total)
            except BaseException:  # ^C, or a bug: start no more fetches, wait for none
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        pool.shutdown()
    return [f for f in out if f is not None]


class _Fetcher:
    """One httpx client shared by the worker threads (it is thread-safe), with a limit on
    the pages fetched at once from each host."""

    def __init__(self, settings: FetchSettings) -> None:
        import httpx  # lazy: a run served from the cache never loads it

        self.settings = settings
        self._httpx = httpx
        self._hosts: dict[str, threading.Semaphore] = {}
        self._lock = threading.Lock()
        # Proxies from the environment are honoured, except for this machine's own
        # addresses, which no proxy can reach on its behalf.
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            limits=httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS),
            mounts=dict.fromkeys(_LOOPBACK),
        )

    def __enter__(self) -> _Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def _host_slot(self, url: str) -> threading.Semaphore:
        host = urlsplit(url).netloc
        with self._lock:
            return self._hosts.setdefault(host, threading.Semaphore(PER_HOST))

    def one(self, source: str, cached: Page | None, cache: PageCache) -> Fetched:
        url = normalize_url(source)
        try:
            with self._host_slot(url):
                page = self._get(source, url, cached)
        except InputError as exc:
            if cached is None:
                return Fetched(source, error=exc)
            reason = exc.message.removeprefix(f"{source}: ")
            note = (
                f"{source}: could not fetch it again ({reason}); using the copy cached "
                f"at {cached.fetched}"
            )
            return Fetched(source, page=cached, from_cache=True, note=note)
        cache.put(page)
        return Fetched(source, page=page)

    def _get(self, source: str, url: str, cached: Page | None) -> Page:
        httpx = self._httpx
        headers: dict[str, str] = {}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        try:
            with self.client.stream("GET", url, headers=headers) as resp:
                if resp.status_code == 304 and cached is not None:
                    return replace(cached, fetched=now_utc())
                self._check(source, resp)
                body = self._body(source, resp)
                return Page(
                    url=url,
                    final_url=str(resp.url),
                    content_type=resp.headers.get("content-type", ""),
                    fetched=now_utc(),
                    body=body,
                    etag=resp.headers.get("etag", ""),
                    last_modified=resp.headers.get("last-modified", ""),
                )
        except httpx.HTTPError as exc:
            raise InputError(f"{source}: {self._explain(url, exc)}") from None

    def _check(self, source: str, resp: httpx.Response) -> None:
        """Refuse an HTTP error, a document that is not a page, a page over the limit."""
        code = resp.status_code
        if not 200 <= code < 300:
            raise InputError(f"{source}: {_status(code, resp.reason_phrase)}")
        ctype = resp.headers.get("content-type", "")
        mime = ctype.split(";", 1)[0].strip().lower()
        if mime and mime not in PAGE_TYPES | TEXT_TYPES:
            raise InputError(
                f"{source}: not an HTML page ({visible(mime[:60])}); give the address of "
                "the article's web page"
            )
        length = resp.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.settings.max_bytes:
            raise _too_big(source, int(length), self.settings.max_bytes)

    def _body(self, source: str, resp: httpx.Response) -> bytes:
        limit = self.settings.max_bytes
        deadline = time.monotonic() + TOTAL_TIMEOUTS * self.settings.timeout
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise InputError(
                    f"{source}: the page is over the {human_size(limit)} limit per file "
                    "(raise it with --max-size)"
                )
            chunks.append(chunk)
            if time.monotonic() > deadline:
                whole = seconds(TOTAL_TIMEOUTS * self.settings.timeout)
                raise InputError(
                    f"{source}: timed out after {whole}: the page came too slowly; try again "
                    "later or raise --timeout"
                )
        return b"".join(chunks)

    def _explain(self, url: str, exc: Exception) -> str:
        """An httpx failure in words, with what the user can do about it."""
        httpx = self._httpx
        host = urlsplit(url).hostname or url
        wait = seconds(self.settings.timeout)
        if isinstance(exc, httpx.ConnectTimeout):
            return (
                f"timed out after {wait}: no answer from {host}; check the address or "
                "raise --timeout"
            )
        if isinstance(exc, httpx.TimeoutException):
            return (
                f"timed out after {wait} waiting for the page; try again later or raise --timeout"
            )
        if isinstance(exc, httpx.TooManyRedirects):
            return (
                f"more than {MAX_REDIRECTS} redirects (a redirect loop?); give the address "
                "the page finally lives at"
            )
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return f"led to an address storydiff cannot fetch ({visible(str(exc))}); check it"
        if isinstance(exc, httpx.DecodingError):
            return f"the server sent a damaged compressed page; try again later or {_SAVE_ADVICE}"
        if isinstance(exc, httpx.ConnectError):
            cause = _root_cause(exc)
            if isinstance(cause, socket.gaierror):
                return (
                    f"cannot find the server {host} (DNS lookup failed); check the address "
                    "and the network connection"
                )
            if isinstance(cause, ConnectionRefusedError):
                return f"{host} refused the connection; check the address (and the port)"
            import ssl  # loaded by httpx already

            if isinstance(cause, ssl.SSLError):
                return f"no secure connection to {host} ({visible(str(cause))}); check the address"
            return f"cannot connect to {host} ({visible(str(exc))}); check the network connection"
        return (
            f"the connection to {host} failed ({type(exc).__name__}: {visible(str(exc))}); "
            f"try again later or {_SAVE_ADVICE}"
        )


def _root_cause(exc: BaseException) -> BaseException:
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        nxt = exc.__cause__ or exc.__context__
        if nxt is None:
            break
        exc = nxt
    return exc


def _status(code: int, phrase: str) -> str:
    """``HTTP 404 Not Found; check the address``, with advice fitting the code."""
    try:
        known = http.HTTPStatus(code).phrase
    except ValueError:
        known = ""
    said = f"HTTP {code} {visible(phrase.strip()[:60]) or known}".rstrip()
    if code in (404, 410):
        return f"{said}; check the address"
    if code in (401, 402, 403, 451):
        return (
            f"{said}: the site refuses the page to storydiff (a login or paywall?); {_SAVE_ADVICE}"
        )
    if code == 429:
        return f"{said}: the site asks to slow down; try again later or {_SAVE_ADVICE}"
    if code >= 500:
        return f"{said} (a problem at the site); try again later or {_SAVE_ADVICE}"
    if code >= 400:
        return f"{said}; check the address"
    return f"{said}: no page in the answer; check the address"


def _too_big(source: str, size: int, limit: int) -> InputError:
    size_said, limit_said = over_limit(size, limit)
    return InputError(
        f"{source}: {size_said} is over the {limit_said} limit per file (raise it with --max-size)"
    )


def page_kind(page: Page) -> str:
    """The file suffix a page reads as: ``.html`` for a web page, ``.md``/``.txt`` for text
    served as such (then the reader looks at the content, as it does for files)."""
    mime = page.content_type.split(";", 1)[0].strip().lower()
    if mime in ("text/markdown", "text/x-markdown"):
        return ".md"
    if mime == "text/plain":
        path = urlsplit(page.final_url).path.lower()
        return ".md" if path.endswith((".md", ".markdown")) else ".txt"
    return ".html"


def page_charset(page: Page) -> str | None:
    """The charset the server named in Content-Type, if any."""
    for param in page.content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
