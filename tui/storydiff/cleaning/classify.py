"""Body, metadata or boilerplate: the decision for every block of every copy.

The order of evidence, strongest first:

1. Patterns that only chrome or metadata can match (``data/chrome.toml`` strong patterns, a
   heading-1, the page title, a line repeated on the same page).
2. Other copies: a paragraph another copy shares is story text (unless 1. caught it).
3. Place on the page: the story sits between its first and last *anchor* (a shared paragraph
   or unique news prose); before and after it, unique short lines, reader address and
   imperatives are chrome; inside it, a unique paragraph needs much stronger chrome cues.

Folding a real paragraph loses it from the alignment, while leaving a chrome line costs one
extra row, so every threshold leans towards keeping text as story.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storydiff.model import Document, Kind, Paragraph
from storydiff.textnorm import match_key

from .rules import Category, load_rules
from .shared import mark_shared
from .signals import CUE_PHRASES, BlockInfo, analyse, normalise

# Words too common to show what a line is about (for the headline's overlap with the story).
_STOP_WORDS = """about after again against also among been before being below between both could
    does during each from further have having here into itself just more most other over same
    should some such than that their them then there these they this those through under until
    very were what when where which while will with would your said says told"""
_STOP = frozenset(_STOP_WORDS.split())
# Earlier lines kept per six-word opening to find cut-off repeats by; a real page has a few.
MAX_SAME_OPENING = 16
# Words a heading does not end on, a sentence cut off at a line break often does.
_DANGLING = frozenset(
    "a an the of to in on at by for from with and or but nor as that which who whose its "
    "their his her our into onto than was were is are has have had be been".split()
)
_FOLLOWERS = frozenset({"link-only", "list-item"})


@dataclass(frozen=True, slots=True)
class _Fold:
    kind: Kind
    role: str
    reason: str
    heuristic: bool = False  # decided from cues, not a pattern: later evidence may rename it


def classify(docs: Sequence[Document]) -> list[list[Paragraph]]:
    """Classify every block of every copy; one list of paragraphs per document, in order.

    Every block becomes at least one paragraph with the block's index and exact text (a
    dateline opening a paragraph is split into two exact slices), so nothing is dropped."""
    rules = load_rules()
    infos = [
        [analyse(block, d, pos, rules) for pos, block in enumerate(doc.blocks)]
        for d, doc in enumerate(docs)
    ]
    mark_shared(infos)
    texts: dict[str, str] = {}
    return [
        _classify_doc(doc, doc_infos, texts) for doc, doc_infos in zip(docs, infos, strict=True)
    ]


def _fold_for(cat: Category) -> _Fold:
    return _Fold(cat.kind, cat.role, cat.reason)


def _classify_doc(doc: Document, infos: list[BlockInfo], texts: dict[str, str]) -> list[Paragraph]:
    """Fixed rules, then the story's extent, headline and standfirst, then the rest.

    ``texts``: one string object per distinct text over all the copies (most copies repeat
    most paragraphs word for word), so the story is held, and sent to the reader, once."""
    n = len(infos)
    folds: list[_Fold | None] = [None] * n
    _fixed_rules(doc, infos, folds)
    first, last, anchors = _story_span(infos, folds)
    head = next((i for i in range(n) if _role(folds[i]) == "headline"), None)
    if head is None:
        head = _find_headline(infos, folds, first, anchors)
    if head is not None and _standfirst(infos, folds, head):
        first, last, _ = _story_span(infos, folds)
    zones = ["head" if i < first else "tail" if i > last else "body" for i in range(n)]
    for i, info in enumerate(infos):
        if folds[i] is None:
            folds[i] = _judge(info, zones[i])
    _lone_lines(infos, folds, zones)
    _related_lists(infos, folds)
    return _paragraphs(infos, folds, texts)


def _role(fold: _Fold | None) -> str:
    return "body" if fold is None else fold.role


def _story_span(infos: list[BlockInfo], folds: list[_Fold | None]) -> tuple[int, int, list[int]]:
    """First and last anchor (the story's extent), and all the anchors."""
    anchors = [i for i, info in enumerate(infos) if folds[i] is None and _is_anchor(info)]
    if not anchors:
        return len(infos), -1, anchors
    return anchors[0], anchors[-1], anchors


def _fixed_rules(doc: Document, infos: list[BlockInfo], folds: list[_Fold | None]) -> None:
    """Decisions no other copy can overturn: patterns, repeats, the page's own headline."""
    seen: set[str] = set()
    openings: dict[tuple[str, ...], list[str]] = {}
    title_key = match_key(doc.title) if doc.title else ""
    have_headline = False
    for i, info in enumerate(infos):
        hint = info.block.hint
        if not info.facts.has_letters:
            folds[i] = _Fold(Kind.BOILERPLATE, "separator", "no words, only symbols or numbers")
        elif hint == "image":
            folds[i] = _Fold(Kind.BOILERPLATE, "caption", "image caption or alt text")
        elif info.strong is not None:
            folds[i] = _fold_for(info.strong)
        elif (
            info.dateline is not None
            and info.dateline[1] >= len(info.norm)
            and not (info.dateline[0].first_body_only)
        ):
            folds[i] = _fold_for(info.dateline[0])
        elif _repeats(info, seen, openings):
            folds[i] = _Fold(Kind.BOILERPLATE, "repeated", "repeats an earlier line of this page")
        elif not have_headline and (hint == "heading1" or (title_key and info.key == title_key)):
            folds[i] = _Fold(Kind.METADATA, "headline", "headline")
            have_headline = True
        if info.key:
            seen.add(info.key)
            if len(info.tokens) >= 6:
                same = openings.setdefault(tuple(info.tokens[:6]), [])
                if len(same) < MAX_SAME_OPENING:  # a page of lines opening alike: not quadratic
                    same.append(info.key)


def _repeats(info: BlockInfo, seen: set[str], openings: dict[tuple[str, ...], list[str]]) -> bool:
    """The same line (or a cut-off copy of it) earlier on the same page."""
    if not info.key:
        return False
    if info.key in seen:
        return True
    if len(info.tokens) >= 6:
        for earlier in openings.get(tuple(info.tokens[:6]), ()):
            if earlier.startswith(info.key) or info.key.startswith(earlier):
                return True
    return False


def _is_anchor(info: BlockInfo) -> bool:
    """Paragraphs that are surely story: they mark where the story starts and ends.

    Prose only (a sentence end, or long): a headline is often shared by every copy of a
    wire story, and it must stay before the story for the headline rule to find it."""
    if info.dateline is not None and not info.dateline[0].first_body_only and info.n_words >= 8:
        return True
    if not (info.sentence_end or info.n_words > 30) or info.n_words < 6:
        return False
    if info.shared and info.chrome <= 1:
        return True
    return info.n_words >= 8 and (
        (info.chrome == 0 and info.news >= 2) or (info.chrome == 1 and info.news >= 4)
    )


def _content_words(infos: Sequence[BlockInfo]) -> set[str]:
    words: set[str] = set()
    for info in infos:
        words.update(info.tokens)
    return {t for t in words if len(t) >= 4 and t not in _STOP}


def _find_headline(
    infos: list[BlockInfo], folds: list[_Fold | None], first: int, anchors: list[int]
) -> int | None:
    """The first title-like line before the story that speaks of what the story speaks of
    (its content words: those of the anchors, worked out only if a candidate needs them)."""
    vocab: set[str] | None = None
    for i in range(min(first, len(infos))):
        info = infos[i]
        if folds[i] is not None or info.chrome > 1:
            continue
        title_like = 3 <= info.n_words <= 30 and (
            info.headline_like or info.norm.rstrip("\"' ").endswith("?")
        )
        if not title_like:
            continue
        if vocab is None:
            vocab = _content_words([infos[j] for j in anchors])
        overlap = {t for t in info.tokens if len(t) >= 4 and t not in _STOP} & vocab
        if len(overlap) >= 2:
            folds[i] = _Fold(Kind.METADATA, "headline", "headline")
            return i
    return None


def _standfirst(infos: list[BlockInfo], folds: list[_Fold | None], head: int) -> bool:
    """A summary line between the headline and the byline/date block is the standfirst.

    Decided before the story's extent, since a standfirst reads like news prose itself."""
    stop = next(
        (
            j
            for j in range(head + 1, min(head + 5, len(infos)))
            if _role(folds[j]) in ("byline", "date")
        ),
        None,
    )
    found = False
    for i in range(head + 1, stop if stop is not None else head + 1):
        info = infos[i]
        if folds[i] is None and 5 <= info.n_words <= 45 and info.chrome <= 1:
            folds[i] = _Fold(Kind.METADATA, "standfirst", "standfirst (summary under the headline)")
            found = True
    return found


def _judge(info: BlockInfo, zone: str) -> _Fold | None:
    """The verdict for a block no fixed rule decided: None keeps it as story text."""
    outside = zone != "body"
    if info.shared and not (outside and info.n_words < 4):
        if outside and info.chrome >= 3 and info.news == 0:
            return _heuristic_fold(info, zone, "also in another copy (the same site's chrome?)")
        return None
    score = info.chrome
    if outside:
        score += 1
        if info.headline_like and info.n_words <= 10:
            score += 1
        if info.bullet:
            score += 1
        if zone == "tail" and info.headline_like and 4 <= info.n_words <= 20:
            score += 1
        fold = score >= 2 and score > info.news
    else:
        fold = score >= 3 and score >= info.news + 2
    return _heuristic_fold(info, zone, "in no other copy") if fold else None


def _lone_lines(infos: list[BlockInfo], folds: list[_Fold | None], zones: list[str]) -> None:
    """Outside the story, a unique line kept only narrowly and wedged between two chrome
    blocks is chrome too ("Our Chief Editor shares..." between two newsletter promos)."""
    for i in range(1, len(infos) - 1):
        info = infos[i]
        if folds[i] is not None or zones[i] == "body" or info.shared:
            continue
        prev, nxt = folds[i - 1], folds[i + 1]
        if not (prev and nxt and prev.kind is Kind.BOILERPLATE and nxt.kind is Kind.BOILERPLATE):
            continue
        if info.chrome + 2 >= info.news and info.news < 4:
            fold = _heuristic_fold(info, zones[i], "in no other copy")
            reason = fold.reason + "; between two chrome blocks"
            folds[i] = _Fold(fold.kind, fold.role, reason, heuristic=True)


def _heuristic_fold(info: BlockInfo, zone: str, why: str) -> _Fold:
    phrases = [why]
    if zone == "head":
        phrases.append("before the story")
    elif zone == "tail":
        phrases.append("after the story")
    for cue in info.cues:
        if cue == "weak" and info.weak is not None:
            phrases.append(info.weak.reason)
        elif cue in CUE_PHRASES:
            phrases.append(CUE_PHRASES[cue])
    if info.weak is not None:
        role = info.weak.role
    elif zone == "tail" and info.headline_like and info.n_words >= 4 and not info.cues:
        role = "related"
        phrases.append("headline of another story")
    elif info.headline_like and info.n_words <= 3 and not info.cues:
        role = "navigation"
        phrases.append("short menu-like line")
    else:
        role = "chrome"
    return _Fold(Kind.BOILERPLATE, role, "; ".join(phrases), heuristic=True)


def _related_lists(infos: list[BlockInfo], folds: list[_Fold | None]) -> None:
    """Headlines listed under "More from ..." / "You might also like" are links, not story."""
    n = len(infos)
    for i, info in enumerate(infos):
        fold = folds[i]
        if fold is None or fold.role != "related" or not _is_list_header(info):
            continue
        j = i + 1
        while j < n and _in_list(infos[j], folds[j]):
            if folds[j] is None or folds[j].heuristic:  # type: ignore[union-attr]
                folds[j] = _Fold(
                    Kind.BOILERPLATE, "related", f"listed under {info.norm[:40]!r}: another story"
                )
            j += 1
        # the line just before a list header at the end is often the list's first entry
        k = i - 1
        if (
            k >= 0
            and folds[k] is None
            and infos[k].headline_like
            and not infos[k].shared
            and infos[k].n_words >= 4
            and all(f is not None for f in folds[i + 1 :])
        ):
            folds[k] = _Fold(Kind.BOILERPLATE, "related", "headline of another story")


def _in_list(info: BlockInfo, fold: _Fold | None) -> bool:
    """Can this block be an entry of a list of links?  Crossheads and prose end the list."""
    if fold is not None and not fold.heuristic and fold.role != "related":
        return False
    if not (info.headline_like or info.block.hint in _FOLLOWERS):
        return False
    heading = info.block.hint is not None and info.block.hint.startswith("heading")
    # a shared short heading is the story's next crosshead, not a link
    return not (info.shared and (heading or info.n_words <= 6))


def _is_list_header(info: BlockInfo) -> bool:
    return info.norm.endswith(":") or (info.n_words <= 7 and info.headline_like)


def _paragraphs(
    infos: list[BlockInfo], folds: list[_Fold | None], texts: dict[str, str]
) -> list[Paragraph]:
    out: list[Paragraph] = []
    first_body_done = False
    prose = [f is None and not info.headline_like for f, info in zip(folds, infos, strict=True)]
    prose_before = [0] * (len(infos) + 1)
    for j, flag in enumerate(prose):
        prose_before[j + 1] = prose_before[j] + flag
    for i, info in enumerate(infos):
        block, fold = info.block, folds[i]
        text = texts.setdefault(block.text, block.text)
        if fold is not None:
            out.append(Paragraph(block.index, text, fold.kind, fold.role, fold.reason))
            continue
        split = _split_dateline(info, first_body_done)
        first_body_done = True
        if split is not None:
            dateline, rest, cat = split
            out.append(Paragraph(block.index, dateline, Kind.METADATA, cat.role, cat.reason))
            out.append(Paragraph(block.index, rest, Kind.BODY, "body", part=1))
            continue
        between = 0 < prose_before[i] < prose_before[-1] - prose[i]
        # the next paragraph of the story (an advert between the halves is folded)
        after = next((infos[j] for j in range(i + 1, len(infos)) if folds[j] is None), None)
        role = "crosshead" if between and _heading_like(info, after) else "body"
        out.append(Paragraph(block.index, text, Kind.BODY, role))
    return out


def _split_dateline(info: BlockInfo, first_body_done: bool) -> tuple[str, str, Category] | None:
    """Exact slices of the block text: the dateline (rstripped) and the story (lstripped)."""
    if info.dateline is None:
        return None
    cat, end = info.dateline
    if cat.first_body_only and first_body_done:
        return None
    text = info.block.text
    target = info.norm[:end].rstrip()
    if not target or end >= len(info.norm):
        return None
    cut = _original_offset(text, len(target))
    dateline, rest = text[:cut].strip(), text[cut:].lstrip()
    if not dateline or not rest:
        return None
    return dateline, rest, cat


def _original_offset(text: str, norm_len: int) -> int:
    """The shortest prefix of ``text`` whose normal form is ``norm_len`` characters long."""
    lo = len(text) - len(text.lstrip())
    for k in range(lo, len(text) + 1):
        if len(normalise(text[:k])) >= norm_len:
            return k
    return len(text)


def _heading_like(info: BlockInfo, after: BlockInfo | None) -> bool:
    """A crosshead: a heading hint, or a short line without final punctuation, unless the
    next paragraph carries on its sentence (starts in lower case): then the copy broke a
    paragraph mid-sentence, and the line is the first half of that paragraph."""
    hint = info.block.hint
    if hint is not None and hint.startswith("heading"):
        return True
    if after is not None and after.norm[:1].islower():
        return False
    if info.tokens and info.tokens[-1] in _DANGLING:
        return False  # "... said the mayor of": a sentence cut off, never a heading
    return info.headline_like and info.n_words <= 10
