"""Markdown: keep the words, drop the syntax, remember the structure as hints.

Importing a CommonMark parser cost more (25-75 ms) than the whole start-up budget, so this
module reads the Markdown news copies come as itself: a line-based block pass (headings,
paragraphs, lists, quotes, code, tables, raw HTML), then an inline pass that follows CommonMark
where it decides which characters are words (emphasis runs, link brackets, code spans, escapes,
entities).  What it does not recognise stays as text, so no word is lost.  Structure the cleaner
needs (a heading, a paragraph that is only a "Related article" link, an image's alt text)
travels as the hint.  Every scan is linear, since one scraped line can be 250 KB: no regex has
ambiguous nested repeats, searches that could restart at every position remember their misses,
and containers nest at most ``_MAX_NESTING`` deep.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from functools import partial

from ..recache import recompile
from .plaintext import BlockSpec

_MAX_NESTING = 16  # deeper ">" or list markers are read as text, not as containers
_LABEL_WORDS = 5  # "**Related article:** [link]" still counts as a link-only paragraph

# Block level: each pattern is matched on a line without its indentation.
_FENCE = recompile(r"(`{3,}|~{3,})(.*)")
_ATX = recompile(r"#{1,6}(?=[ \t]|$)")
_LIST = recompile(r"(?:[-+*]|(\d{1,9})[.)])(?=[ \t]|$)")
_REFDEF = recompile(
    r"\[((?:[^\[\]\\]|\\.){1,999}+)\]:[ \t]*+(?:<[^<>\n]*+>|\S++)"
    r"""(?:[ \t]++(?:"[^"]*+"|'[^']*+'|\([^()]*+\)))?+[ \t]*+$"""
)
_TABLE_RULE = recompile(r"\|?[ \t]*+:?-++:?[ \t]*+(?:\|[ \t]*+:?-++:?[ \t]*+)*+\|?")
_CELL_SPLIT = recompile(r"(?<!\\)\|")
_HTML_RAW = recompile(r"<(script|pre|style|textarea)(?=[\s>]|$)", re.IGNORECASE)
_HTML_BLOCK = recompile(
    r"</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd"
    r"|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset"
    r"|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol"
    r"|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr"
    r"|track|ul)(?=[\s/>]|$)",
    re.IGNORECASE,
)
_HTML_JUNK = recompile(r"<!--.*?-->|<[^<>]+>", re.DOTALL)
_ANY_TAG = recompile(r"<[^<>]+>")

# Inline level.
_INLINE = recompile(  # an escape, a line break, an entity, or a character that may be syntax
    r"\\([!-/:-@\[-`{-~])|(\\?\n)"
    r"|(&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)"
    r"|!?\[|[`*_\]<]"
)
_TICKS = recompile(r"`+")
_RUNS = {"*": recompile(r"\*+"), "_": recompile(r"_+")}
_DEST = recompile(
    r"\(\s*+(?:<[^<>\n]*+>|[^\s()<][^\s()]*+(?:\([^\s()]*+\)[^\s()]*+)*+)?+"
    r"""(?:\s++(?:"[^"]*+"|'[^']*+'|\([^()]*+\)))?+\s*+\)"""
)
_LABEL = recompile(r"\[((?:[^\[\]\\]|\\.){0,999}+)\]")
_AUTOLINK = recompile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*+)>|<([\w.+-]++@[\w.-]++)>")
_ATTRIBUTE = r"""\s++[A-Za-z_:][\w.:-]*+(?:\s*+=\s*+(?:[^\s"'=<>`]++|'[^']*+'|"[^"]*+"))?+"""
_TAG = recompile(rf"<[A-Za-z][A-Za-z0-9-]*+(?:{_ATTRIBUTE})*+\s*+/?>|</[A-Za-z][A-Za-z0-9-]*+\s*+>")


def _unescape(text: str) -> str:
    """``html.unescape``, imported only when a copy has an entity (it costs ~2 ms)."""
    if "&" not in text:
        return text
    import html

    return html.unescape(text)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _label(text: str) -> str:
    """A link label as CommonMark compares them: case-folded, whitespace collapsed."""
    return _collapse(text).casefold()


def _strip_tags(html: str) -> str:
    """The words of raw HTML: tags and comments become spaces.  Comments are looked for only
    up to the last "-->", so a "<!--" that never closes is not searched to the end again at
    every "<" after it."""
    cut = html.rfind("-->") + 3 if "-->" in html else 0
    return _HTML_JUNK.sub(" ", html[:cut]) + _ANY_TAG.sub(" ", html[cut:])


def _html_end(s: str, in_para: bool) -> str | None:
    """How an HTML block opened by ``s`` ends: a marker to look for (CommonMark types 1-5),
    "" for "at the next blank line" (types 6-7), or None when ``s`` opens none."""
    if not s.startswith("<"):
        return None
    if m := _HTML_RAW.match(s):
        return f"</{m[1].lower()}>"
    for start, end in (("<!--", "-->"), ("<?", "?>"), ("<![CDATA[", "]]>"), ("<!", ">")):
        if s.startswith(start) and (end != ">" or (s[2:3].isascii() and s[2:3].isalpha())):
            return end
    return "" if _HTML_BLOCK.match(s) or (not in_para and _TAG.fullmatch(s)) else None


def _block_kind(s: str, in_para: bool, nest: bool = True) -> str | None:
    """The block a non-blank line without indentation opens, or None for paragraph text.
    Fewer things may interrupt a paragraph (``in_para``): "2. text" or a lone "-" continue it."""
    if (m := _FENCE.match(s)) and not (s[0] == "`" and "`" in m[2]):
        return "fence"
    if _ATX.match(s):
        return "atx"
    bare = s.replace(" ", "").replace("\t", "")
    if len(bare) >= 3 and bare[0] in "-*_" and bare.count(bare[0]) == len(bare):
        return "rule"
    if nest and s[0] == ">":
        return "quote"
    m = _LIST.match(s) if nest else None
    if m and (not in_para or (s[m.end() :].strip() and m[1] in (None, "1"))):
        return "list"
    return "html" if _html_end(s, in_para) is not None else None


def _open_paragraph(line: str) -> bool:
    """Whether a container's line leaves a paragraph open that lazy lines may continue (not a
    blank line, code, a heading, a rule or a definition)."""
    body = line.lstrip(" ")
    if not body.strip() or len(line) - len(body) >= 4 or _REFDEF.match(body):
        return False
    return _block_kind(body.rstrip(), False) in (None, "quote", "list")


def _lazy(line: str) -> bool:
    """Lazy continuation: a line without the quote's ">" or the item's indent still belongs to
    an open paragraph before it, unless it starts a block of its own."""
    s = line.lstrip(" ")
    return bool(s.strip()) and (len(line) - len(s) >= 4 or _block_kind(s.rstrip(), False) is None)


def _cells(row: str) -> list[str]:
    """The cells of a (stripped) table row; "|" at either end is a border, "\\|" a pipe."""
    parts = _CELL_SPLIT.split(row)
    if row.startswith("|"):
        parts = parts[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        parts = parts[:-1]
    return [p.strip() for p in parts]


def _line_kind(lines: list[str], i: int, in_para: bool, nest: bool) -> tuple[str, str]:
    """What line i of a container starts, given whether a paragraph is open (a paragraph's
    next line cannot start indented code, but can underline it as a setext heading), and the
    line without its indentation."""
    s = lines[i].lstrip(" ")
    indent, s = len(lines[i]) - len(s), s.rstrip()
    if not s:
        return "blank", s
    if indent >= 4:
        return ("text" if in_para else "code"), s
    if in_para and not (s.strip("=") and s.strip("-")):
        return "setext", s
    rule = lines[i + 1].strip() if "|" in s and i + 1 < len(lines) else ""
    if _TABLE_RULE.fullmatch(rule) and len(_cells(rule)) == len(_cells(s)):
        return "table", s  # a header row, then a delimiter row with as many cells
    return _block_kind(s, in_para, nest) or "text", s


def _detab(line: str, col: int = 0) -> str:
    """Tabs in leading whitespace advance to the next multiple of four columns (``line``
    starts at column ``col``), so indentation can be measured in spaces."""
    if "\t" not in line:
        return line
    body = line.lstrip(" \t")
    return (" " * col + line[: len(line) - len(body)]).expandtabs(4)[col:] + body


def _quote_line(line: str) -> str | None:
    """A block quote's own line without its ">" (and one space), or None."""
    s = line.lstrip(" ")
    if len(line) - len(s) >= 4 or not s.startswith(">"):
        return None
    s = _detab(s[1:], len(line) - len(s) + 1)
    return s[1:] if s.startswith(" ") else s


def _item_line(line: str, width: int) -> str | None:
    """A list item's own line (blank, or indented to its content) without that indent."""
    s = line.lstrip(" ")
    if not s.strip():
        return ""
    return line[width:] if len(line) - len(s) >= width else None


class _Blocks:
    """The block pass: leaves in reading order as (kind, raw text, hint), and the reference
    labels defined anywhere, which the inline pass needs before it can read any link.
    (Plain classes here: a dataclass costs ~0.4 ms of start-up to create.)"""

    def __init__(self) -> None:
        self.leaves: list[tuple[str, str, str | None]] = []
        self.refs: set[str] = set()

    def parse(self, lines: list[str], hint: str | None, depth: int) -> None:
        """Leaves of one container's lines; ``hint`` is the container's ("quote", ...)."""
        lines = [_detab(line) for line in lines]
        para: list[str] = []
        i = 0
        while i < len(lines):
            kind, s = _line_kind(lines, i, bool(para), depth < _MAX_NESTING)
            if kind == "text":
                if not para and (ref := _REFDEF.match(s)) and _label(ref[1]):
                    self.refs.add(_label(ref[1]))  # a definition, not a paragraph
                else:
                    para.append(s)
                i += 1
            elif kind == "setext":
                level = 1 if s[0] == "=" else 2
                self.leaves.append(("heading", "\n".join(para), f"heading{level}"))
                para = []
                i += 1
            else:
                self._flush(para, hint)
                i = self._block(kind, lines, i, s, hint, depth)
        self._flush(para, hint)

    def _flush(self, para: list[str], hint: str | None) -> None:
        if para:
            self.leaves.append(("para", "\n".join(para), hint))
            para.clear()

    def _block(
        self, kind: str, lines: list[str], i: int, s: str, hint: str | None, depth: int
    ) -> int:
        """Read the block of ``kind`` that starts at line i; return the line after it."""
        if kind in ("quote", "list"):
            return self._container(kind, lines, i, s, hint, depth)
        if kind in ("code", "fence", "html"):
            return self._literal(kind, lines, i, s, hint)
        if kind == "table":
            self.leaves.append(("row", s, None))
            i += 2
            while i < len(lines) and (row := lines[i].strip()) and lines[i][:4] != "    ":
                if _block_kind(row, False):
                    break
                self.leaves.append(("row", row, None))
                i += 1
            return i
        if kind == "atx":
            level = len(s) - len(s.lstrip("#"))
            text = s[level:].strip()
            bare = text.rstrip("#")  # a closing run of #'s goes when a space precedes it
            text = text if bare[-1:] not in " \t" else bare.rstrip()
            self.leaves.append(("heading", text, f"heading{level}"))
        return i + 1  # also a blank line or a thematic break, which leave nothing

    def _literal(self, kind: str, lines: list[str], i: int, s: str, hint: str | None) -> int:
        """Indented or fenced code (kept as written) and raw HTML (kept as the words between
        its tags): every line up to the block's end."""
        body: list[str] = []
        if kind == "code":
            while i < len(lines) and (not lines[i].strip() or lines[i][:4] == "    "):
                body.append(lines[i][4:])
                i += 1
        elif kind == "fence":
            mark, indent = s[: len(s) - len(s.lstrip(s[0]))], lines[i].index(s[0])
            i += 1
            while i < len(lines):
                rest = lines[i].lstrip(" ")
                gap = len(lines[i]) - len(rest)
                i += 1
                if gap < 4 and rest.startswith(mark) and not rest.rstrip().strip(mark[0]):
                    break  # the closing fence
                body.append(lines[i - 1][min(indent, gap) :])
        else:
            end = _html_end(s, False)
            while i < len(lines) and (end or lines[i].strip()):
                body.append(lines[i])
                i += 1
                if end and end in body[-1].lower():
                    break
            self.leaves.append(("html", _collapse(_unescape(_strip_tags("\n".join(body)))), hint))
            return i
        self.leaves.append(("code", "\n".join(body).strip(), hint))
        return i

    def _container(
        self, kind: str, lines: list[str], i: int, s: str, hint: str | None, depth: int
    ) -> int:
        """A block quote or list item: its own lines without their prefix, and lazy
        continuation lines glued to the line before, so the inner pass can only read them as
        paragraph text (never as a table's delimiter row or a setext underline)."""
        own: Callable[[str], str | None] = _quote_line
        if kind == "quote":
            first, hint = _quote_line(lines[i]) or "", hint or "quote"  # lists outrank quotes
        else:
            m = _LIST.match(s)
            assert m is not None  # _block_kind said "list"
            col = lines[i].index(s[0]) + m.end()
            after = _detab(lines[i][col:], col)
            gap = len(after) - len(after.lstrip(" ")) if after.strip() else 1
            gap = gap if gap <= 4 else 1  # "-     code": the content starts one space in
            first, hint, own = after[gap:], "list-item", partial(_item_line, width=col + gap)
        groups, open_paragraph = [[first]], _open_paragraph(first)
        i += 1
        while i < len(lines):
            if (inner := own(lines[i])) is not None:
                groups.append([inner])
                open_paragraph = _open_paragraph(inner)
            elif open_paragraph and _lazy(lines[i]):
                groups[-1].append(lines[i].strip())
            else:
                break
            i += 1
        self.parse(["\n".join(group) for group in groups], hint, depth + 1)
        return i


def _punct(ch: str) -> bool:
    """CommonMark's punctuation (Unicode P and S classes), close enough for flanking."""
    return not ch.isalnum() and not ch.isspace()


class _Delim:
    """A run of ``*`` or ``_`` that may open or close emphasis; ``count`` is what is left."""

    __slots__ = ("can_close", "can_open", "char", "count", "length", "node")

    def __init__(self, node: int, char: str, length: int, can_open: bool, can_close: bool) -> None:
        self.node, self.char, self.count, self.length = node, char, length, length
        self.can_open, self.can_close = can_open, can_close

    def opens(self, closer: _Delim) -> bool:
        """Whether this run can open emphasis that ``closer`` closes ("rule of 3" included)."""
        if self.char != closer.char or not self.can_open or not self.count:
            return False
        lengths = (self.length, closer.length)
        both = self.can_close or closer.can_open
        return not (both and sum(lengths) % 3 == 0 and any(n % 3 for n in lengths))


class _Inline:
    """The inline pass over one paragraph, heading or cell: a flat list of text nodes, with
    CommonMark's delimiter and bracket stacks deciding which ``*_[]`` characters are syntax.
    Links and images are spans of nodes, so nesting costs nothing to render."""

    def __init__(self, src: str, refs: set[str]) -> None:
        self.src, self.refs = src, refs
        self.texts: list[str] = []  # "\n" is a line break
        self.delims: list[_Delim] = []  # the delimiter stack
        self.brackets: list[tuple[int, int, bool, int]] = []  # node, text start, image?, delims
        self.inactive = 0  # "[" openers below this bracket depth cannot start a link
        self.spans: dict[int, tuple[int, bool]] = {}  # opener node -> last node, image?
        self.ticks: dict[int, list[int]] = {}  # backtick run length -> run starts
        self.comments_close = True  # False once a "<!--" found no "-->" after it
        handlers: dict[str, Callable[[int], int]] = {
            **dict.fromkeys("*_", self._delim),
            **{"[": self._bracket, "]": self._close, "`": self._code, "<": self._angle},
        }
        i = 0
        while m := _INLINE.search(src, i):
            self._add(src[i : m.start()])
            if m[1] or m[3]:  # an escaped character, an entity
                i = self._lit(m[1] or _unescape(m[3]), m.end())
            else:
                i = self._lit("\n", m.end()) if m[2] else handlers[m[0][-1]](m.start())
        self._add(src[i:])
        self._emphasis(0)

    def _add(self, text: str) -> int:
        self.texts.append(text)
        return len(self.texts) - 1

    def _lit(self, text: str, end: int) -> int:
        self.texts.append(text)
        return end

    def _bracket(self, j: int) -> int:
        end = j + 1 + (self.src[j] == "!")
        self.brackets.append((len(self.texts), end, end - j == 2, len(self.delims)))
        return self._lit(self.src[j:end], end)

    def _delim(self, j: int) -> int:
        s, ch = self.src, self.src[j]
        m = _RUNS[ch].match(s, j)
        assert m is not None
        before, after = (s[j - 1] if j else " "), (s[m.end()] if m.end() < len(s) else " ")
        left = not after.isspace() and (not _punct(after) or before.isspace() or _punct(before))
        right = not before.isspace() and (not _punct(before) or after.isspace() or _punct(after))
        if ch == "_" and left and right:  # inside a word: snake_case stays as written
            left, right = _punct(before), _punct(after)
        elif before.isdigit() and after.isdigit():  # 2*3*4 is arithmetic, not emphasis
            left = right = False
        if left or right:
            self.delims.append(_Delim(len(self.texts), ch, len(m[0]), left, right))
        return self._lit(m[0], m.end())

    def _emphasis(self, bottom: int) -> None:
        """CommonMark's "process emphasis" over the delimiter stack above ``bottom``: each
        closer takes the nearest compatible opener.  ``floor`` remembers where a failed search
        stopped and ``prev`` skips spent delimiters, which keeps it linear."""
        stack = self.delims[bottom:]
        prev = list(range(-1, len(stack) - 1))
        floor: dict[tuple[str, bool, int], int] = {}
        for ci, closer in enumerate(stack):
            while closer.can_close and closer.count:
                key = (closer.char, closer.can_open, closer.length % 3)
                oi = prev[ci]
                while oi > floor.get(key, -1) and not stack[oi].opens(closer):
                    oi = prev[oi]
                if oi <= floor.get(key, -1):
                    floor[key] = prev[ci]
                    break
                op = stack[oi]
                use = 2 if op.count >= 2 and closer.count >= 2 else 1
                for d in (op, closer):
                    d.count -= use
                    self.texts[d.node] = d.char * d.count
                prev[ci] = oi if op.count else prev[oi]
            if ci + 1 < len(stack) and (not closer.count or not closer.can_open):
                prev[ci + 1] = prev[ci]
        del self.delims[bottom:]

    def _code(self, j: int) -> int:
        """A code span, kept as written.  Closing runs are looked up by length, so a line full
        of unmatched backticks is not rescanned for each one."""
        m = _TICKS.match(self.src, j)
        assert m is not None
        if not self.ticks:
            for run in _TICKS.finditer(self.src):
                self.ticks.setdefault(len(run[0]), []).append(run.start())
        starts = self.ticks.get(len(m[0]), [])
        k = bisect_left(starts, m.end())
        if k == len(starts):
            return self._lit(m[0], m.end())
        code = self.src[m.end() : starts[k]].replace("\n", " ")
        code = code[1:-1] if code[:1] == code[-1:] == " " and code.strip() else code
        return self._lit(code, starts[k] + len(m[0]))

    def _close(self, j: int) -> int:
        if not self.brackets:
            return self._lit("]", j + 1)
        node, start, image, bottom = self.brackets.pop()
        active = image or len(self.brackets) >= self.inactive
        self.inactive = min(self.inactive, len(self.brackets))
        end = self._link_end(j, start) if active else -1
        if end < 0:
            return self._lit("]", j + 1)
        self._emphasis(bottom)
        self.texts[node] = ""
        self.spans[node] = (len(self.texts) - 1, image)
        if not image:  # no links inside links: the "[" openers below can no longer match
            self.inactive = len(self.brackets)
        return end

    def _link_end(self, j: int, start: int) -> int:
        """Where the link closed by the "]" at ``j`` ends: after an inline ``(url "title")``,
        a defined ``[ref]`` or ``[]``, or its own text as a defined label; -1 if no link."""
        s = self.src
        if s.startswith("(", j + 1) and (m := _DEST.match(s, j + 1)):
            return m.end()
        if not self.refs:
            return -1
        own = _label(s[start:j]) if j - start <= 999 else ""
        m = _LABEL.match(s, j + 1)
        if m and (_label(m[1]) if m[1] else own) in self.refs:
            return m.end()
        return j + 1 if own in self.refs else -1

    def _angle(self, j: int) -> int:
        """An autolink (kept as its address), a comment (dropped), a tag (dropped, but
        ``<br>`` is a space) or a plain "<"."""
        if m := _AUTOLINK.match(self.src, j):
            node = self._add("")
            self.spans[node] = (self._add(m[1] or m[2]), False)
            return m.end()
        if self.comments_close and self.src.startswith("<!--", j):
            k = self.src.find("-->", j + 2)
            self.comments_close = k >= 0
            if k >= 0:
                return k + 3
        if m := _TAG.match(self.src, j):
            return self._lit(" " if m[0][:3].lower() == "<br" else "", m.end())
        return self._lit("<", j + 1)

    def render(self, lo: int = 0, hi: int | None = None) -> tuple[str, str | None]:
        """The text of nodes lo..hi, with "image" or "link-only" when that is all it is."""
        hi = len(self.texts) if hi is None else hi
        spans = [span for first, span in self.spans.items() if lo <= first < hi]
        images = sum(image for _, image in spans)
        covered, outside = -1, []  # spans nest, so one high-water mark finds the text outside
        for k in range(lo, hi):
            covered = max(covered, self.spans[k][0] if k in self.spans else -1)
            if k > covered:
                outside.append(self.texts[k])
        text, bare = _collapse("".join(self.texts[lo:hi])), _collapse("".join(outside))
        if images and not bare:
            return text, "image"
        if len(spans) > images and (
            not bare or (bare.endswith(":") and len(bare.split()) <= _LABEL_WORDS)
        ):
            return text, "link-only"
        return text, None

    def blocks(self) -> list[tuple[str, str | None]]:
        """One block; or two image blocks for a picture with its caption on the next line
        ("![alt](src)" then "*Photo: ...*"), since alt text and caption say different things."""
        kept = [k for k, text in enumerate(self.texts) if text or k in self.spans]
        last, image = self.spans.get(kept[0], (-1, False)) if kept else (-1, False)
        after = [k for k in kept if k > last] if image else []
        if len(after) >= 2 and self.texts[after[0]] == "\n":
            return [(self.render(0, last + 1)[0], "image"), (self.render(after[0] + 1)[0], "image")]
        return [self.render()]


def markdown_blocks(text: str) -> list[BlockSpec]:
    """Blocks of a Markdown document in reading order; syntax removed, structure as hints."""
    tree = _Blocks()
    tree.parse(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), None, 0)
    out: list[BlockSpec] = []
    for kind, raw, hint in tree.leaves:
        if kind == "row":
            cells = [_Inline(cell, tree.refs).render()[0] for cell in _cells(raw)]
            found: list[BlockSpec] = [(" | ".join(cells).strip(), None)]
        elif kind in ("para", "heading"):
            # A heading stays a heading even when it is a link; elsewhere what the paragraph
            # *is* (only a link, a picture) matters more than where it sits.
            inline = _Inline(raw, tree.refs).blocks()
            found = [(t, hint if kind == "heading" else h or hint) for t, h in inline]
        else:
            found = [(raw, hint)]
        out.extend(block for block in found if block[0])
    return out
