"""HTML and Markdown renderings for the web UI (pure functions; every text is escaped here).

Chat messages go through Gradio's Markdown renderer and HTML sanitizer, which keeps ``class``
and fragment ``href`` attributes but drops ``data-*``; so citation chips are links of the
form ``#evaw-cite-<turn>-<marker>``, passage links ``#evaw-open-<uid>`` and copy actions
``#evaw-copy-<turn>``, all intercepted by a page-level click handler (``ui.web.BRIDGE_JS``). Panels are
``gr.HTML`` (not sanitized), so everything put into them is escaped with ``html.escape``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from ingest.model import Passage
from ui.render import COVERED_TOPICS, answer_brief, answer_markdown, gaps_line, oneline

CITE_PREFIX = "#evaw-cite-"
OPEN_PREFIX = "#evaw-open-"  # a passage link inside a chat message (sanitizer keeps href only)
COPY_PREFIX = "#evaw-copy-"  # copy one answer of the conversation as a brief
SCOPE_ITEMS = 12  # per section in the scope panel; the Browse tab has everything
NO_INDEX = "No index: run `evaw-guide ingest` to build it, then reload this page."
PRIVACY = "Questions stay on this machine; nothing is logged."
_MARKER = re.compile(r"\[(\d+)\]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:])")
_BULLET = re.compile(r"^(\s*)([-*•])\s+")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def md_literal(text: str) -> str:
    """Text shown literally by a Markdown renderer that also accepts HTML.

    Markdown escapes first, then ``&``, ``<``, ``>`` and ``"`` as named entities: escaping
    the other way round put a backslash inside numeric entities (``&\\#x27;``), and the user
    saw "We&#x27;re". Apostrophes need no escaping in text."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", str(text)), quote=False).replace('"', "&quot;")


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


def open_link(uid: str, text: str, cls: str = "evaw-suggest") -> str:
    """A passage link inside a chat message (opens the passage in the source panel)."""
    return f'<a href="{OPEN_PREFIX}{quote(uid, safe="")}" class="{cls}">{md_literal(text)}</a>'


def parse_open_ref(ref: str) -> str:
    """``"evaw-open-doc%23ep-1"`` (a link's fragment) → ``"doc#ep-1"``; other refs unchanged."""
    prefix = OPEN_PREFIX.lstrip("#")
    return unquote(ref[len(prefix):]) if ref.startswith(prefix) else ref


def suggestion_uids(d: dict[str, Any], passages: Sequence[Passage]) -> list[str]:
    """The passage uid of each refusal suggestion ("" when none matches).

    Suggestions are passage labels; a label can repeat across documents, so a passage the
    answer retrieved wins over one it did not."""
    retrieved = [str(r.get("passage_id", "")) for r in d.get("retrieved") or ()]
    by_label: dict[str, list[Passage]] = {}
    for p in passages:
        by_label.setdefault(p.label, []).append(p)
    out = []
    for label in d.get("suggestions") or ():
        found = by_label.get(str(label), [])
        found = sorted(found, key=lambda p: p.passage_id not in retrieved and p.uid not in retrieved)
        out.append(found[0].uid if found else "")
    return out


def answer_message(d: dict[str, Any], turn: int, suggestion_refs: Sequence[str] = ()) -> str:
    """The assistant's chat message: notice first, the answer with chips, what the guidance
    does not address, refusal suggestions as passage links, sources, and a copy action."""
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
    gaps = gaps_line(d)
    if gaps:
        parts.append(f'\n<span class="evaw-gaps">{md_literal(gaps)}</span>')
    if d.get("abstained") and d.get("suggestions"):
        items = []
        for i, label in enumerate(d["suggestions"]):
            uid = suggestion_refs[i] if i < len(suggestion_refs) else ""
            items.append("- " + (open_link(uid, str(label)) if uid else md_literal(label)))
        parts.append(f"\n{md_literal(COVERED_TOPICS)}\n\n" + "\n".join(items) + "\n")
    if d.get("citations"):
        srcs = " · ".join(
            f"{chip(turn, int(c['marker']), str(c['label']))} {md_literal(c['label'])}"
            for c in d["citations"]
        )
        parts.append(f'\n<span class="evaw-sources">Sources: {srcs}</span>')
    if d.get("followup") and d.get("resolved_query") and d["resolved_query"] != d.get("question"):
        # what the follow-up was understood as, on request (a closed disclosure)
        parts.append(f'\n<details class="evaw-understood"><summary>Understood as</summary>'
                     f'{esc(str(d["resolved_query"]))}</details>')
    parts.append(f'\n<span class="evaw-actions"><a href="{COPY_PREFIX}{turn}" class="evaw-copy" '
                 'title="Copy this answer as clean text with its references">Copy as brief</a></span>')
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


def _ref_button(p: Passage, cls: str, prefix: str = "", text: str = "") -> str:
    return (f'<button type="button" class="{cls}" data-evaw-ref="{esc(p.uid)}">'
            f'{esc(prefix)}{esc(text or p.label)}</button>')


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


def _context(p: Passage, which: str, limit: int = 280) -> str:
    """A neighbour, clipped: a long "Previous" pushed the highlighted quote out of view."""
    text = oneline(p.text)
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return (f'<div class="evaw-context evaw-{which.lower()}"><div class="evaw-context-head">'
            f'{esc(which)}: {_ref_button(p, "evaw-link")}</div>'
            f'<div class="evaw-context-text">{esc(text)}</div></div>')


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


def _documents(passages: Sequence[Passage]) -> list[list[Passage]]:
    """Passages grouped by document, in outline order."""
    docs: dict[str, list[Passage]] = {}
    for p in passages:
        docs.setdefault(p.doc_id, []).append(p)
    return list(docs.values())


def outline_tree(passages: Sequence[Passage]) -> str:
    """The Browse tab: every passage, grouped by document under its title."""
    if not passages:
        return placeholder(NO_INDEX)
    out = ['<nav class="evaw-tree" aria-label="Document outline">']
    for doc in _documents(passages):
        first = doc[0]
        out.append(f'<section class="evaw-doc" aria-label="{esc(first.title or first.doc_id)}">'
                   f'<h2 class="evaw-doc-title">{esc(first.title or first.doc_id)}</h2><ul>')
        for p in doc:
            level = max(0, min(int(p.level), 4))
            out.append(f'<li class="evaw-lvl-{level}">'
                       f'<button type="button" class="evaw-node" data-evaw-ref="{esc(p.uid)}">'
                       f'<span class="evaw-pid">{esc(p.passage_id)}</span> {esc(p.label)}'
                       "</button></li>")
        out.append("</ul></section>")
    out.append("</nav>")
    return "".join(out)


def _sections(doc: Sequence[Passage]) -> list[tuple[str, list[Passage]]]:
    """A document's sections (by ``section``, in order), each named by its breadcrumb."""
    secs: dict[str, list[Passage]] = {}
    for p in doc:
        secs.setdefault(p.section, []).append(p)
    out = []
    for ps in secs.values():
        crumb = ps[0].breadcrumb
        name = crumb[-1] if len(crumb) > 1 else ""
        out.append((name, ps))
    return out


def scope_panel(passages: Sequence[Passage]) -> str:
    """What can be asked, at a glance: each document, its sections, and their top-level
    passages (entry points, strategy areas) as links into the outline."""
    if not passages:
        return placeholder(NO_INDEX)
    docs = _documents(passages)
    n = len(docs)
    summary = f"What the guidance covers ({n} document{'s' if n != 1 else ''})"
    out = [f'<details class="evaw-scope" open><summary>{esc(summary)}</summary>'
           '<nav class="evaw-scope-nav" aria-label="What the guidance covers">']
    for doc in docs:
        first = doc[0]
        title = first.title or first.doc_id
        out.append(f'<section class="evaw-scope-doc" aria-label="{esc(title)}">'
                   f'<h2 class="evaw-scope-title">{esc(title)}</h2>')
        for name, ps in _sections(doc):
            top = min(p.level for p in ps)
            heads = [p for p in ps if p.level == top]
            children = [p for p in ps if p.level == top + 1]
            if name:  # the section's name opens its first passage (an introduction)
                out.append(f'<h3 class="evaw-scope-sec">{_ref_button(heads[0], "evaw-node", text=name)}'
                           "</h3>")
                items = children or heads[1:]
            else:
                items = [p for p in ps if p.level <= top + 1]
            if items:
                lis = "".join(f"<li>{_ref_button(p, 'evaw-node')}</li>" for p in items[:SCOPE_ITEMS])
                more = len(items) - SCOPE_ITEMS
                if more > 0:
                    lis += f'<li class="evaw-more">… and {more} more in the Browse tab</li>'
                out.append(f"<ul>{lis}</ul>")
        out.append("</section>")
    out.append("</nav></details>")
    return "".join(out)


def eval_report_markdown(text: str) -> str:
    """The evaluation report with each table in its own labelled, keyboard-scrollable box:
    wide tables scroll sideways instead of wrapping ids and numbers a character a line,
    and the long case table scrolls inside the page instead of growing it."""
    out: list[str] = []
    heading = ""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if not line.startswith("|"):
            out.append(line)
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].startswith("|"):
            j += 1
        cls = "evaw-table evaw-table-cases" if heading.lower().startswith("cases") else "evaw-table"
        # the Markdown sanitizer keeps title (not aria-label): it names the region
        out += ["", f'<div class="{cls}" role="region" tabindex="0" title="{esc(heading or "Table")}">',
                "", *lines[i:j], "", "</div>", ""]
        i = j
    return "\n".join(out)


# -- Markdown exports --------------------------------------------------------------

def latest_markdown(d: dict[str, Any]) -> str:
    return f"**Q:** {d['question']}\n\n" + answer_markdown(d) + "\n"


def briefs_json(turns: Sequence[dict[str, Any]]) -> str:
    """Each answer of the conversation as a brief, for the per-answer copy action."""
    return json.dumps([answer_brief(d) for d in turns], ensure_ascii=False)


def conversation_markdown(turns: Sequence[dict[str, Any]]) -> str:
    """The whole conversation; each answer followed by its cited passages and links."""
    out = ["# Conversation with the EVAW guide", ""]
    for i, d in enumerate(turns, 1):
        out += [f"## {i}. {d['question']}", ""]
        if d.get("notice"):
            out += [f"> {d['notice']}", ""]
        out += [d["answer"], ""]
        if gaps_line(d):
            out += [gaps_line(d), ""]
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
