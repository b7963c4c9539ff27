"""From paths to an alignment: load, clean, name outlets, align, diff.

This is the engine's front door (the CLI, the app and the benchmarks all come through here).
Problems with one copy become warnings as long as two or more copies can still be compared;
otherwise they are raised as one-line :class:`~storydiff.errors.InputError`s.

A path may be a web address: the page is fetched (or taken from the cache) first, with
progress reported as the ``"fetching"`` stage, and then read like a saved file.  A page in
which the cleaner finds no story text is no copy at all (a paywall, a consent page): it is
skipped like a page that could not be fetched, where a saved file would be kept as chrome.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .build import build_alignment
from .cleaning import classify
from .demo import demo_story_dir
from .errors import InputError
from .gcpause import paused_collector
from .loading import Inputs, collect_inputs, load_document
from .loading.manifest import CopyInfo, Manifest
from .loading.reader import human_size
from .model import Alignment, Document, Kind, Paragraph, Version
from .options import StoryOptions as StoryOptions
from .outlets import badge_for, colour_for, identify_outlet
from .recache import recompile
from .web import display_name, is_url, normalize_url, url_slug

if TYPE_CHECKING:
    from .web.fetch import Fetched

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class Copies:
    """The copies of a story read and cleaned, before alignment (what ``storydiff fetch``
    needs too: the pages, their outlets, and which were no article)."""

    inputs: Inputs
    versions: list[Version]
    warnings: list[str]
    pages: dict[str, Fetched] = field(default_factory=dict)  # source -> the fetched page
    timings: dict[str, float] = field(default_factory=dict)  # "load" (and fetch), "clean"


def load_copies(
    paths: Sequence[str],
    options: StoryOptions | None = None,
    progress: Progress | None = None,
) -> Copies:
    """Collect, fetch, read and clean the copies at ``paths`` and name their outlets."""
    options = options or StoryOptions()
    t0 = time.perf_counter()
    inputs = collect_inputs(paths, allow_single=options.allow_single)
    warnings = list(inputs.notes)
    pages = _fetch(inputs, options, warnings, progress)
    docs = _load_documents(inputs, pages, options, warnings, progress)
    t1 = time.perf_counter()
    versions = _checked_versions(docs, inputs, options, warnings)
    timings = {"load": t1 - t0, "clean": time.perf_counter() - t1}
    return Copies(inputs, versions, warnings, {f.source: f for f in pages}, timings)


@paused_collector()
def load_story(
    paths: Sequence[str],
    options: StoryOptions | None = None,
    progress: Progress | None = None,
) -> Alignment:
    """Load, clean and align the story found at ``paths`` (none: the bundled demo story)."""
    options = options or StoryOptions()
    if not paths:
        paths = [str(demo_story_dir())]
    copies = load_copies(paths, options, progress)
    inputs, versions, warnings = copies.inputs, copies.versions, copies.warnings
    base_id, base_reason = _resolve_base(versions, options.base, inputs, warnings)

    def align_progress(done: int, total: int) -> None:
        if progress is not None:
            progress("aligning", done, total)

    title = inputs.manifest.title if inputs.manifest and inputs.manifest.title else ""
    alignment = build_alignment(
        versions,
        base_id,
        title=title,
        warnings=warnings,
        base_reason=base_reason,
        progress=align_progress,
    )
    alignment.timings.update(copies.timings)
    if inputs.story_dir is not None:
        home = os.path.abspath(inputs.story_dir)
        one = all(os.path.dirname(os.path.abspath(src)) == home for src, _ in inputs.files)
        alignment = replace(alignment, story_dir=str(inputs.story_dir), one_folder=one)
    elif inputs.urls:
        # Pages only: no folder of their own.  The review and the reports go to the user
        # data directory, under a name made from the addresses (see review.store.locate).
        alignment = replace(alignment, story_dir=str(web_story_key(inputs.urls)), one_folder=False)
    return alignment


def web_story_key(urls: Sequence[str]) -> Path:
    """A stand-in for the story folder of a story given only as web addresses: never
    created, only a name for its review in the user data directory."""
    from platformdirs import user_data_path

    normal = sorted({normalize_url(u) if _valid(u) else u for u in urls})
    digest = hashlib.sha256("\n".join(normal).encode("utf-8")).hexdigest()[:12]
    first = url_slug(normal[0]).split("-", 1)[0] if normal and _valid(normal[0]) else "web"
    return user_data_path("storydiff", appauthor=False) / "web" / f"{first}-{digest}"


def _valid(url: str) -> bool:
    try:
        normalize_url(url)
    except InputError:
        return False
    return True


def _fetch(
    inputs: Inputs, options: StoryOptions, warnings: list[str], progress: Progress | None
) -> list[Fetched]:
    """Every page the story names, fetched or from the cache, progress as "fetching"."""
    if not inputs.urls:
        return []
    from .web.fetch import FetchSettings, fetch_pages

    def fetch_progress(done: int, total: int) -> None:
        if progress is not None:
            progress("fetching", done, total)

    settings = FetchSettings(
        timeout=options.timeout, max_bytes=options.max_bytes, refresh=options.refresh
    )
    pages = fetch_pages(inputs.urls, settings, fetch_progress)
    warnings.extend(f.note for f in pages if f.note)
    return pages


def _load_documents(
    inputs: Inputs,
    pages: Sequence[Fetched],
    options: StoryOptions,
    warnings: list[str],
    progress: Progress | None,
) -> list[Document]:
    docs: list[Document] = []
    errors: list[InputError] = []
    total = 0
    copies: list[tuple[str, Path | None, Fetched | None]] = [
        (source, path, None) for source, path in inputs.files
    ]
    copies += [(page.source, None, page) for page in pages]
    cache = None
    for n, (source, path, page) in enumerate(copies):
        if progress is not None:
            progress("loading", n, len(copies))
        try:
            if page is None:
                assert path is not None
                doc = load_document(path, source, max_bytes=options.max_bytes)
            else:
                from .web.cache import PageCache
                from .web.pages import page_document

                cache = cache or PageCache()
                doc = page_document(page, cache, options.max_bytes)
        except InputError as exc:
            errors.append(exc)
            continue
        # the text kept (an HTML page's article, not its markup): what memory grows with
        total += sum(len(b.text.encode("utf-8", "surrogatepass")) for b in doc.blocks)
        if total > options.max_story_bytes:
            # human_size: the limit as given (--max-story-size 0.5 is "512 KB", not "0 MB")
            limit = human_size(options.max_story_bytes)
            raise InputError(
                f"{source}: the story's text is over the {limit} limit for all copies together "
                "(compare fewer copies or raise it with --max-story-size)"
            )
        docs.append(doc)
        warnings.extend(f"{source}: {w}" for w in doc.warnings)
    needed = 1 if options.allow_single else 2
    if len(docs) < needed:
        if errors:
            # the file's own problem and advice, and why it is fatal here: alone, among good
            # copies, it would only have been skipped
            raise InputError(
                f"{errors[0].message} (only {len(docs)} of {inputs.count} copies can be "
                f"read; storydiff {_NEEDS[needed]})"
            )
        raise InputError(
            f"{copies[0][0] if copies else 'input'}: only one readable copy; "
            "storydiff compares two or more copies: add another file"
        )
    warnings.extend(f"{exc} (skipped; comparing the others)" for exc in errors)
    return docs


def _checked_versions(
    docs: list[Document], inputs: Inputs, options: StoryOptions, warnings: list[str]
) -> list[Version]:
    """Classify the copies; drop the pages that hold no article (classified again without
    them: the cleaner weighs every copy against the others)."""
    versions = make_versions(docs, inputs.manifest)
    empty = [v for v in versions if not v.body and is_url(v.source)]
    if empty:
        messages = [
            f"{v.source}: no article text found on this page (a paywall or consent page?); "
            "save the page from a browser and give the file"
            for v in empty
        ]
        gone = {v.source for v in empty}
        # what the reader said about those pages ("no article found") is said by the above
        said = {f"{d.source}: {w}" for d in docs if d.source in gone for w in d.warnings}
        warnings[:] = [w for w in warnings if w not in said]
        docs = [d for d in docs if d.source not in gone]
        needed = 1 if options.allow_single else 2
        if len(docs) < needed:
            raise InputError(
                f"{messages[0]} (only {len(docs)} of {inputs.count} copies have story text; "
                f"storydiff {_NEEDS[needed]})"
            )
        warnings.extend(f"{m} (skipped; comparing the others)" for m in messages)
        versions = make_versions(docs, inputs.manifest)
    _check_story_text(versions, options, warnings)
    return versions


_NEEDS = {1: "needs one", 2: "compares two or more"}


def _check_story_text(
    versions: Sequence[Version], options: StoryOptions, warnings: list[str]
) -> None:
    """Copies must keep some story text once the cleaner has folded the site chrome away:
    pages with no article (a home page, a paywall stub) would otherwise give an empty
    comparison and exit 0, as if all were well.  A copy without any, among others with
    some, is compared (all it has is folded) and named in a warning."""
    empty = [v for v in versions if not v.body]
    needed = 1 if options.allow_single else 2
    if len(versions) - len(empty) < needed:
        raise InputError(
            f"{empty[0].source}: no story text in this copy, only site chrome and metadata; "
            f"give a copy holding the article's text (storydiff {_NEEDS[needed]} with some)"
        )
    warnings.extend(
        f"{v.source}: no story text in this copy, only site chrome; its lines are shown as folded"
        for v in empty
    )


def make_versions(docs: Sequence[Document], manifest: Manifest | None) -> list[Version]:
    """Classify every copy's paragraphs and tag each with its outlet."""
    classified = classify(docs)
    ids = _version_ids(docs)
    versions: list[Version] = []
    for doc, paragraphs, vid in zip(docs, classified, ids, strict=True):
        info = manifest.for_file(doc.source) if manifest is not None else None
        versions.append(_version(doc, paragraphs, vid, info))
    return versions


def _version(
    doc: Document, paragraphs: list[Paragraph], vid: str, info: CopyInfo | None
) -> Version:
    guess = identify_outlet(doc, paragraphs)
    outlet, evidence = guess.name, guess.evidence
    if info is not None and info.outlet:
        outlet, evidence = info.outlet, "manifest"
    badge = (info.badge if info is not None and info.badge else None) or (
        guess.badge if outlet == guess.name else badge_for(outlet)
    )
    # a page that names no address for itself is at least where it was fetched from
    url = (info.url if info is not None and info.url else None) or guess.url or doc.fetched_from
    title = doc.title or _first(paragraphs, "headline")
    byline = doc.author or _first(paragraphs, "byline")
    date = (
        (info.date if info is not None and info.date else None)
        or doc.date
        or _first(paragraphs, "date")
    )
    return Version(
        id=vid,
        source=doc.source,
        format=doc.format,
        outlet=outlet,
        badge=badge[:6],
        colour=colour_for(outlet),
        paragraphs=tuple(paragraphs),
        url=url,
        title=title,
        byline=byline,
        date=date,
        tags=info.tags if info is not None else (),
        encoding=doc.encoding,
        outlet_evidence=evidence,
        warnings=doc.warnings,
        fetched=doc.fetched or (info.fetched if info is not None else None),
    )


def _first(paragraphs: Sequence[Paragraph], role: str) -> str | None:
    for p in paragraphs:
        if p.kind is Kind.METADATA and p.role == role:
            return p.text
    return None


_ID_SAFE = recompile(r"[^\w.-]+")


def _version_ids(docs: Sequence[Document]) -> list[str]:
    """Readable, stable ids: the file stem (a page's: its host and path, the stem
    ``storydiff fetch`` saves it under), made unique by a suffix where two collide."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for doc in docs:
        stem = url_slug(doc.source) if is_url(doc.source) else Path(doc.source).stem
        stem = _ID_SAFE.sub("-", stem or doc.path.stem) or "copy"
        n = seen.get(stem, 0) + 1
        seen[stem] = n
        out.append(stem if n == 1 else f"{stem}-{n}")
    return out


def _resolve_base(
    versions: Sequence[Version], wanted: str | None, inputs: Inputs, warnings: list[str]
) -> tuple[str | None, str]:
    manifest = inputs.manifest
    if wanted is None and manifest is not None and manifest.base:
        # The manifest names a file (README).  One that is not among the copies was noted by
        # collect_inputs as ignored, and a stale manifest must not then stop the comparison;
        # one that could not be read was skipped: say that the central copy stands in for it.
        if any(_is_named(v.source, manifest.base) for v in versions):
            return _match_version(versions, manifest.base, "storydiff.toml: base"), "manifest"
        given = [source for source, _ in inputs.files] + list(inputs.urls)
        if any(_is_named(source, manifest.base) for source in given):
            warnings.append(
                f'{manifest.source}: base "{manifest.base}" was skipped; comparing against '
                "the most central copy instead (give another base, or fix that copy)"
            )
        return None, ""
    if wanted is None:
        return None, ""
    return _match_version(versions, wanted, "--base"), "named by the user"


def _is_named(source: str, name: str) -> bool:
    """Whether the manifest's ``name`` (a file name, or a web address in any spelling) is
    the copy read from ``source``."""
    if is_url(source):
        return is_url(name) and _url_key(name) == _url_key(source)
    return Path(source).name == name


def _url_key(url: str) -> str:
    return normalize_url(url) if _valid(url) else url.strip()


def _file_keys(v: Version) -> list[str]:
    if is_url(v.source):
        return [v.id, v.source, _url_key(v.source), display_name(v.source)]
    return [v.id, v.source, Path(v.source).name]


def _match_version(versions: Sequence[Version], wanted: str, what: str) -> str:
    """Find a version by id, file name or address, source, outlet name or badge
    (case-insensitive)."""
    w = _url_key(wanted).casefold() if is_url(wanted) else wanted.casefold()
    by_file = [_file_keys(v) for v in versions]
    by_outlet = [[v.outlet, v.badge] for v in versions]
    for candidates in (by_file, by_outlet):
        hits = [
            v
            for v, keys in zip(versions, candidates, strict=True)
            if w in (k.casefold() for k in keys)
        ]
        if len(hits) == 1:
            return hits[0].id
        if len(hits) > 1:
            names = ", ".join(display_name(v.source) for v in hits)
            raise InputError(f"{what} {wanted!r} matches several copies ({names}); name a file")
    known = ", ".join(display_name(v.source) for v in versions)
    raise InputError(f"{what} {wanted!r} matches no copy (copies: {known})")
