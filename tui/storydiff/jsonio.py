"""The alignment as JSON: the stable interface for scripts, editors and the reports.

Schema rules: ``schema`` is an integer bumped only when a field changes meaning or disappears;
adding a field does not bump it, so consumers must ignore keys they do not know.  The README
documents every field.
"""

from __future__ import annotations

import json
from typing import Any

from . import __version__
from .model import Alignment, Cell, DiffOp, Paragraph, Row, Version

SCHEMA = 1


def alignment_to_dict(al: Alignment) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool": {"name": "storydiff", "version": __version__},
        "title": al.title,
        "base": al.base,
        "base_reason": al.base_reason,
        "versions": [_version(v) for v in al.versions],
        "rows": [_row(r, al.base) for r in al.rows],
        "folded": [_folded(v, p) for v in al.versions for p in v.paragraphs if p.folded],
        "warnings": list(al.warnings),
    }


def dumps(al: Alignment, indent: int | None = 2) -> str:
    return json.dumps(alignment_to_dict(al), ensure_ascii=False, indent=indent)


def _version(v: Version) -> dict[str, Any]:
    return {
        "id": v.id,
        "source": v.source,
        "outlet": v.outlet,
        "badge": v.badge,
        "colour": v.colour,
        "url": v.url,
        "fetched": v.fetched,
        "title": v.title,
        "byline": v.byline,
        "date": v.date,
        "tags": list(v.tags),
        "format": v.format.value,
        "encoding": v.encoding,
        "outlet_evidence": v.outlet_evidence,
        "paragraphs": len(v.body),
        "folded": len(v.folded),
    }


def _paragraph(p: Paragraph) -> dict[str, Any]:
    out: dict[str, Any] = {"index": p.index, "text": p.text}
    if p.part:
        out["part"] = p.part
    if p.role != "body":
        out["role"] = p.role
    return out


def _ops(ops: tuple[DiffOp, ...]) -> list[dict[str, Any]]:
    out = []
    for op in ops:
        d: dict[str, Any] = {"op": op.op.value}
        if op.text:
            d["text"] = op.text
        if op.ref and op.op.value != "equal":
            d["ref"] = op.ref
        if op.number:
            d["number"] = True
        out.append(d)
    return out


def _cell(c: Cell, has_base: bool) -> dict[str, Any]:
    return {
        "paragraphs": [_paragraph(p) for p in c.paragraphs],
        "position": c.position,
        "moved": c.moved,
        "similarity": c.similarity if has_base else None,
        "diff": _ops(c.diff) if has_base else None,
        "consensus_diff": _ops(c.consensus_diff),
    }


def _row(r: Row, base: str) -> dict[str, Any]:
    has_base = base in r.cells
    return {
        "id": r.id,
        "status": r.status.value,
        "kind": r.kind,
        "consensus": r.consensus,
        "cells": {vid: _cell(c, has_base) for vid, c in r.cells.items()},
    }


def _folded(v: Version, p: Paragraph) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": v.id,
        "index": p.index,
        "text": p.text,
        "kind": p.kind.value,
        "role": p.role,
        "reason": p.reason,
    }
    if p.part:
        out["part"] = p.part
    return out
