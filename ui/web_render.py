"""HTML and Markdown renderings for the web UI (pure functions; every text is escaped here).

Chat messages go through Gradio's Markdown renderer and HTML sanitizer, which keeps ``class``
and fragment ``href`` attributes but drops ``data-*``; so citation chips are links of the
form ``#evaw-cite-<turn>-<marker>`` that a page-level click handler intercepts. Panels are
``gr.HTML`` (not sanitized), so everything put into them is escaped with ``html.escape``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from ingest.model import Passage
from ui.render import answer_markdown

CITE_PREFIX = "#evaw-cite-"
NO_INDEX = "No index: run `evaw-guide ingest` to build it, then reload this page."
PRIVACY = "Questions stay on this machine; nothing is logged."
_MARKER = re.compile(r"\[(\d+)\]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:])")
_BULLET = re.compile(r"^(\s*)([-*•])\s+")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def md_literal(text: str) -> str:
    """Text shown literally by a Markdown renderer that also accepts HTML."""
    return _MD_SPECIAL.sub(r"\\\1", esc(text))


def safe_url(url: str) -> str:
    """The URL if it is an http(s) link, else "" (never a javascript: or data: link)."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""
    return url.strip() if scheme in ("http", "https") else ""


def chip(turn: int, marker: int, title: str = "") -> str:
    t = f' title="{esc(title)}"' if title else ""
    return f'<a href="{CITE_PREFIX}{turn}-{marker}" class="evaw-chip"{t}>[{marker}]</a>'


def parse_cite_ref(ref: str) -> tuple[int, int] | None:
    """``"cite:3-2"`` → (turn 3, marker 2)."""
    m = re.fullmatch(r"cite:(\d+)-(\d+)", ref.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def _answer_line(line: str, turn: int, labels: dict[int, str]) -> str:
    out: list[str] = []
    pos = 0
    for m in _MARKER.finditer(line):
        out.append(md_literal(line[pos:m.start()]))
        n = int(m.group(1))
        out.append(chip(turn, n, labels[n]) if n in labels else md_literal(m.group(0)))
        pos = m.end()
    out.append(md_literal(line[pos:]))
    return "".join(out)


def answer_message(d: dict[str, Any], turn: int) -> str:
    """The assistant's chat message: notice first, the answer with chips, then sources."""
    labels = {int(c["marker"]): str(c["label"]) for c in d.get("citations", [])}
    parts: list[str] = []
    if d.get("notice"):
        for note in str(d["notice"]).split("\n"):
            if note.strip():
                # an HTML block: Markdown is not parsed inside, so HTML-escape only
                parts.append('<div class="evaw-notice" role="note"><b>Please note:</b> '
                             f'{esc(note)}</div>')
        parts.append("")
    lines = []
    for line in str(d.get("answer", "")).split("\n"):
        b = _BULLET.match(line)
        if b:
            lines.append(f"{b.group(1)}- " + _answer_line(line[b.end():], turn, labels))
        else:
            lines.append(_answer_line(line, turn, labels))
    parts.append("\n".join(lines))
    if d.get("abstained") and d.get("suggestions"):
        topics = "; ".join(md_literal(s) for s in d["suggestions"])
        parts.append(f"\nThe guidance covers topics such as: {topics}\\.")
    if d.get("citations"):
        srcs = " · ".join(
            f"{chip(turn, int(c['marker']), str(c['label']))} {md_literal(c['label'])}"
            for c in d["citations"]
        )
        parts.append(f'\n<span class="evaw-sources">Sources: {srcs}</span>')
    return "\n".join(parts)


def user_message(question: str) -> str:
    return md_literal(question)


def draft_message(text: str) -> str:
    """A language model's answer while it streams, before it is checked."""
    return (f'<span class="evaw-draft">{md_literal(text)}</span>\n\n'
            "*(drafting — each sentence will be checked against the guidance)*")


def error_message(text: str) -> str:
    return f'<span class="evaw-error">{md_literal(text)}</span>'


# -- panels ------------------------------------------------------------------------

def highlighted(text: str, quote: str, rel_start: int | None = None) -> str:
    """Passage text (escaped) with the quote wrapped in <mark>."""
    i = -1
    if quote:
        if rel_start is not None and text[max(rel_start, 0):rel_start + len(quote)] == quote:
            i = max(rel_start, 0)
        else:
            i = text.find(quote)
    if i < 0:
        return esc(text)
    j = i + len(quote)
    return f"{esc(text[:i])}<mark>{esc(text[i:j])}</mark>{esc(text[j:])}"


def _ref_button(p: Passage, cls: str, prefix: str = "") -> str:
    return (f'<button type="button" class="{cls}" data-evaw-ref="{esc(p.uid)}">'
            f'{esc(prefix)}{esc(p.label)}</button>')


def passage_panel(
    p: Passage,
    prev: Passage | None = None,
    nxt: Passage | None = None,
    children: Sequence[Passage] = (),
    *,
    quote: str = "",
    quote_rel_start: int | None = None,
    marker: int | None = None,
) -> str:
    head = f"[{marker}] " if marker is not None else ""
    crumb = " › ".join(esc(b) for b in p.breadcrumb)
    body = highlighted(p.text, quote, quote_rel_start)
    out = [f'<article class="evaw-passage" aria-label="{esc(p.label)}">']
    if crumb:
        out.append(f'<div class="evaw-crumb">{crumb}</div>')
    out.append(f'<h3 class="evaw-label">{esc(head)}{esc(p.label)}</h3>')
    if prev is not None:
        out.append(_context(prev, "Previous"))
    out.append(f'<blockquote class="evaw-text">{body}</blockquote>')
    if nxt is not None:
        out.append(_context(nxt, "Next"))
    if children:
        items = "".join(f"<li>{_ref_button(c, 'evaw-link')}</li>" for c in children)
        out.append(f'<div class="evaw-children"><b>Sub-points</b><ul>{items}</ul></div>')
    if p.notes or p.attribution:
        notes = "".join(f"<li>Note: {esc(n)}</li>" for n in p.notes)
        if p.attribution:
            notes += f"<li>Attribution: {esc(p.attribution)}</li>"
        out.append(f'<ul class="evaw-notes">{notes}</ul>')
    out.append(_source_line(p))
    out.append(f'<div class="evaw-id">Id: {esc(p.uid)} · characters {p.start}–{p.end}</div>')
    out.append("</article>")
    return "".join(out)


def _context(p: Passage, which: str) -> str:
    return (f'<div class="evaw-context evaw-{which.lower()}"><div class="evaw-context-head">'
            f'{esc(which)}: {_ref_button(p, "evaw-link")}</div>'
            f'<div class="evaw-context-text">{esc(p.text)}</div></div>')


def _source_line(p: Passage) -> str:
    url = safe_url(p.source_url)
    title = esc(p.title or "source page")
    edited = f" (last edited {esc(p.last_edited)})" if p.last_edited else ""
    if not url:
        return f'<p class="evaw-source">Source: {title}{edited}</p>'
    return (f'<p class="evaw-source">Source: <a href="{esc(url)}" target="_blank" '
            f'rel="noopener noreferrer">{title}</a>{edited}</p>')


def citation_panel(c: dict[str, Any], p: Passage | None, prev: Passage | None,
                   nxt: Passage | None) -> str:
    """A cited passage with its quote highlighted (``p`` is None if the index changed)."""
    rel = int(c["quote_start"]) - int(c["start"])
    if p is None or p.text != c["text"]:
        p = Passage(
            doc_id=c["doc_id"], passage_id=c["passage_id"], label=c["label"],
            breadcrumb=tuple(c.get("breadcrumb", ())), text=c["text"], start=int(c["start"]),
            end=int(c["end"]), level=0, kind="", section="", parent_id=None, context="",
            title="", source_url=c["source_url"], last_edited="",
        )
        prev = nxt = None
    return passage_panel(p, prev, nxt, quote=c["quote"], quote_rel_start=rel,
                         marker=int(c["marker"]))


def sources_overview(d: dict[str, Any], turn: int) -> str:
    """The source panel right after an answer: its citations, each clickable."""
    if not d.get("citations"):
        return placeholder("This answer cites no passages.")
    items = []
    for c in d["citations"]:
        quote = " ".join(str(c["quote"]).split())
        if len(quote) > 220:
            quote = quote[:217] + "…"
        items.append(f'<li>{chip(turn, int(c["marker"]), str(c["label"]))} '
                     f'<b>{esc(c["label"])}</b><div class="evaw-q">“{esc(quote)}”</div></li>')
    return ('<div class="evaw-overview"><p>Sources of this answer — click a chip to read the '
            f'passage.</p><ol class="evaw-cites">{"".join(items)}</ol></div>')


def placeholder(text: str) -> str:
    return f'<div class="evaw-placeholder">{esc(text)}</div>'


def banner(text: str) -> str:
    if not text:
        return ""
    return f'<div class="evaw-banner" role="alert">{esc(text).replace("`", "")}</div>'


def outline_tree(passages: Sequence[Passage]) -> str:
    if not passages:
        return placeholder(NO_INDEX)
    out = ['<nav class="evaw-tree" aria-label="Document outline">']
    doc = None
    for p in passages:
        if p.doc_id != doc:
            if doc is not None:
                out.append("</ul>")
            doc = p.doc_id
            out.append(f'<h4 class="evaw-doc">{esc(p.title or p.doc_id)}</h4><ul>')
        level = max(0, min(int(p.level), 4))
        out.append(f'<li class="evaw-lvl-{level}">'
                   f'<button type="button" class="evaw-node" data-evaw-ref="{esc(p.uid)}">'
                   f'<span class="evaw-pid">{esc(p.passage_id)}</span> {esc(p.label)}'
                   "</button></li>")
    out.append("</ul></nav>")
    return "".join(out)


# -- Markdown exports --------------------------------------------------------------

def latest_markdown(d: dict[str, Any]) -> str:
    return f"**Q:** {d['question']}\n\n" + answer_markdown(d) + "\n"


def conversation_markdown(turns: Sequence[dict[str, Any]]) -> str:
    """The whole conversation; each answer followed by its cited passages and links."""
    out = ["# Conversation with the EVAW guide", ""]
    for i, d in enumerate(turns, 1):
        out += [f"## {i}. {d['question']}", ""]
        if d.get("notice"):
            out += [f"> {d['notice']}", ""]
        out += [d["answer"], ""]
        if d.get("abstained") and d.get("suggestions"):
            out += ["The guidance covers topics such as: " + "; ".join(d["suggestions"]) + ".", ""]
        if d.get("citations"):
            out += ["### Cited passages", ""]
            for c in d["citations"]:
                crumb = " › ".join(c.get("breadcrumb", []))
                text = " ".join(str(c["text"]).split())
                quote = " ".join(str(c["quote"]).split())
                out.append(f"[{c['marker']}] **{c['label']}**" + (f" ({crumb})" if crumb else ""))
                out.append(f"> {text}")
                if quote != text:
                    out.append(f">\n> Quoted: “{quote}”")
                out.append(f"Source: <{c['source_url']}>")
                out.append("")
    return "\n".join(out).rstrip() + "\n"
