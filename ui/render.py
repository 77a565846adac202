"""Plain-text and Markdown renderings of answers and passages, shared by CLI, chat and web UI.

Everything here works on ``Answer.to_dict()`` dictionaries (the JSON contract), so the
command line, the terminal chat and the browser produce the same words for the same answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ingest.model import Passage

NOT_ADDRESSED = "The guidance does not address:"
COVERED_TOPICS = "The guidance covers topics such as:"
_BULLET = re.compile(r"^\s*[-*•]\s+")


def oneline(text: object) -> str:
    """Text on one line with runs of whitespace (incl. non-breaking spaces) collapsed."""
    return " ".join(str(text).split())


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


def gaps_line(d: dict[str, Any]) -> str:
    """"The guidance does not address: …" for an answer with ``gaps``, else "" (a refusal
    already names what is missing in its own sentence)."""
    if d.get("abstained"):
        return ""
    gaps = [oneline(g).rstrip(" .;") for g in d.get("gaps") or ()]
    gaps = [g for g in gaps if g]
    return f"{NOT_ADDRESSED} {'; '.join(gaps)}." if gaps else ""


def suggestions_line(d: dict[str, Any]) -> str:
    """The nearest covered topics after a refusal, else ""."""
    if not (d.get("abstained") and d.get("suggestions")):
        return ""
    return f"{COVERED_TOPICS} " + "; ".join(oneline(s) for s in d["suggestions"]) + "."


def answer_markdown(d: dict[str, Any]) -> str:
    """An answer with its citations as Markdown."""
    parts = []
    if d.get("notice"):
        parts.append(f"> {d['notice']}\n")
    parts.append(d["answer"])
    for line in (gaps_line(d), suggestions_line(d)):
        if line:
            parts.append("\n" + line)
    if d.get("citations"):
        parts.append("")
        for c in d["citations"]:
            parts.append(f"[{c['marker']}] {c['label']} — “{oneline(c['quote'])}” <{c['source_url']}>")
    return "\n".join(parts)


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _label_phrase(label: str) -> str:
    """"Entry point 1.3 — Stakeholder consultation" → "Entry point 1.3 (Stakeholder consultation)"."""
    head, sep, rest = oneline(label).partition(" — ")
    return f"{head} ({rest})" if sep and rest else head


def brief_lead(d: dict[str, Any]) -> str:
    """The brief's first line, built from the labels of the passages the answer cites."""
    labels: list[str] = []
    for c in d.get("citations") or ():
        phrase = _label_phrase(str(c["label"]))
        if phrase not in labels:
            labels.append(phrase)
    return f"The guidance addresses this under {_join(labels)}." if labels else ""


def answer_brief(d: dict[str, Any]) -> str:
    """Clean text to paste into Word or Google Docs: a lead line from the cited passages'
    labels, the cited sentences (markers kept, bullets as •), what the guidance does not
    address, then numbered references with label, verbatim quote and link. No Markdown, no
    HTML; safety and fallback notices are for the reader on screen, not for the brief."""
    out: list[str] = []
    lead = brief_lead(d)
    if lead:
        out += [lead, ""]
    for line in str(d.get("answer", "")).split("\n"):
        b = _BULLET.match(line)
        text = oneline(line[b.end():] if b else line)
        if text:
            out.append(f"• {text}" if b else text)
    for extra in (gaps_line(d), suggestions_line(d)):
        if extra:
            out += ["", extra]
    if d.get("citations"):
        out += ["", "References"]
        for c in d["citations"]:
            out += ["", f"[{c['marker']}] {oneline(c['label'])}", f"“{oneline(c['quote'])}”"]
            if c.get("source_url"):
                out.append(str(c["source_url"]))
    return "\n".join(out).strip() + "\n"
