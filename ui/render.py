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


def outline_lines(passages: list[Passage]) -> list[str]:
    out: list[str] = []
    doc = None
    for p in passages:
        if p.doc_id != doc:
            doc = p.doc_id
            out.append(f"{p.title}  [{p.doc_id}]")
        out.append(f"{'  ' * (p.level + 1)}{p.passage_id:<10} {p.label}")
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
