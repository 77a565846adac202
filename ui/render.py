"""Plain-text and Markdown renderings of answers and passages, shared by CLI and web UI."""

from __future__ import annotations

from typing import Any

from ingest.model import Passage


def passage_text(p: Passage) -> str:
    lines = [p.label, "  " + " › ".join(p.breadcrumb), "", p.text, ""]
    if p.attribution:
        lines.append(f"Attribution: {p.attribution}")
    lines += [f"Note: {n}" for n in p.notes]
    lines.append(f"Source: {p.source_url}" + (f" (last edited {p.last_edited})" if p.last_edited else ""))
    lines.append(f"Id: {p.uid}   offsets {p.start}–{p.end}")
    return "\n".join(lines)


def outline_lines(passages: list[Passage], documents: list[Any] | None = None) -> list[str]:
    """Passages grouped by document: each document's title, date and source link, then its
    passages by uid (what `show`, citations and the JSON contract use). ``documents`` are
    ``Assistant.documents()`` (title and date as recorded at ingest)."""
    info = {d.doc_id: d for d in documents or []}
    out: list[str] = []
    doc = None
    for p in passages:
        if p.doc_id != doc:
            doc = p.doc_id
            d = info.get(doc)
            edited = d.last_edited if d else p.last_edited
            facts = [f"last edited {edited}" if edited else "", d.source_url if d else p.source_url,
                     f"{d.passages} passages" if d else ""]
            if out:
                out.append("")
            out += [f"{d.title if d else p.title}  [{doc}]", "  " + " · ".join(f for f in facts if f)]
        out.append(f"{'  ' * (p.level + 1)}{p.uid:<{len(doc) + 12}} {p.label}")
    return out


def answer_markdown(d: dict[str, Any]) -> str:
    """An answer with its citations, ready to paste into a brief."""
    parts = []
    if d.get("notice"):
        parts.append(f"> {d['notice']}\n")
    parts.append(d["answer"])
    if d.get("abstained") and d.get("suggestions"):
        parts.append("\nThe guidance covers topics such as: " + "; ".join(d["suggestions"]) + ".")
    if d.get("citations"):
        parts.append("")
        for c in d["citations"]:
            quote = " ".join(c["quote"].split())
            parts.append(f"[{c['marker']}] {c['label']} — “{quote}” <{c['source_url']}>")
    return "\n".join(parts)
