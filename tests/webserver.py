"""A real HTTP server on 127.0.0.1 for the tests of copies given as web addresses.

Never the internet: each test starts its own server on a free port, serving what the test
routes to it -- saved pages, redirects, slow and failing answers, compressed bodies, wrong
charset headers -- and records every request, so a test can tell whether storydiff asked.
"""

from __future__ import annotations

import gzip
import html
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Request:
    path: str
    headers: dict[str, str]


@dataclass
class Site:
    """What the server answers: a handler per path (the query string included)."""

    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return self.base + path

    def asked(self, path: str) -> int:
        """How many times ``path`` was requested."""
        return sum(1 for r in self.requests if r.path == path)

    # --- routes -------------------------------------------------------------------------
    def page(
        self,
        path: str,
        body: bytes | str,
        *,
        ctype: str = "text/html; charset=utf-8",
        status: int = 200,
        encoding: str = "",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        etag: str = "",
    ) -> str:
        """Serve ``body`` at ``path`` (gzip- or br-encoded on the wire if asked; with an ETag,
        a request that already has it gets 304 Not Modified); its URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        if encoding == "gzip":
            data = gzip.compress(data)
        elif encoding == "br":
            data = brotli.compress(data)
        extra = dict(headers or {})
        if encoding:
            extra["Content-Encoding"] = encoding

        if etag:
            extra["ETag"] = etag

        def handle(h: BaseHTTPRequestHandler) -> None:
            if delay:
                time.sleep(delay)
            if etag and h.headers.get("If-None-Match") == etag:
                h.send_response(304)
                h.send_header("ETag", etag)
                h.end_headers()
                return
            h.send_response(status)
            if ctype:
                h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                h.send_header(key, value)
            h.end_headers()
            h.wfile.write(data)

        self.routes[path] = handle
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        def handle(h: BaseHTTPRequestHandler) -> None:
            h.send_response(status)
            h.send_header("Location", to)
            h.send_header("Content-Length", "0")
            h.end_headers()

        self.routes[path] = handle
        return self.url(path)

    def stream(self, path: str, chunk: bytes, count: int, *, pause: float = 0.0) -> str:
        """A body with no Content-Length: ``count`` chunks, then the connection closes."""

        def handle(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Connection", "close")
            h.end_headers()
            try:
                for _ in range(count):
                    h.wfile.write(chunk)
                    h.wfile.flush()
                    if pause:
                        time.sleep(pause)
            except OSError:  # the client gave up: what the test wanted
                pass
            h.close_connection = True

        self.routes[path] = handle
        return self.url(path)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        site = self.server.site
        site.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))
        handle = site.routes.get(self.path)
        if handle is None:
            self.send_error(404, "Not Found")
            return
        with suppress(BrokenPipeError, ConnectionResetError):
            handle(self)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: Site


@contextmanager
def serving(site: Site | None = None) -> Iterator[Site]:
    """Run a server for ``site`` on 127.0.0.1 (a free port) for the block's duration."""
    site = site or Site()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = site
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def article_page(
    paragraphs: list[str],
    *,
    title: str,
    site_name: str | None = None,
    canonical: str | None = None,
    charset: str | None = "utf-8",
    chrome: tuple[str, ...] = (),
) -> str:
    """A news page as outlets publish them: head metadata, navigation, the article, a footer."""
    head = [f"<title>{html.escape(title)}</title>"]
    if charset:
        head.insert(0, f'<meta charset="{charset}">')
    if site_name:
        head.append(f'<meta property="og:site_name" content="{html.escape(site_name)}">')
    if canonical:
        head.append(f'<link rel="canonical" href="{html.escape(canonical)}">')
        head.append(f'<meta property="og:url" content="{html.escape(canonical)}">')
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    extra = "\n".join(f"<p>{html.escape(c)}</p>" for c in chrome)
    return (
        "<!doctype html>\n<html><head>"
        + "".join(head)
        + "</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        + f"<main><article><h1>{html.escape(title)}</h1>\n{body}\n</article></main>"
        + f"<footer>{extra}</footer></body></html>\n"
    )


def paragraphs_of(path: Path) -> list[str]:
    """A seed copy's paragraphs (blank-line separated, lines of a paragraph joined)."""
    text = path.read_text(encoding="utf-8")
    blocks = [" ".join(b.split()) for b in text.replace("\r\n", "\n").split("\n\n")]
    out = [b for b in blocks if b]
    if len(out) < 4:  # one paragraph per line
        out = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return out
