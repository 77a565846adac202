"""Turn blocks into passages that follow the document's real structure.

Sections come from headings, or from the sidecar's ``structure.sections`` hints (the
guidance has no headings: each section opens with an intro paragraph ending in ':').
Bullets nest by indentation. Capture quirks are handled by explicit, documented rules:

* ``structure.relevel``: a bullet whose text starts with a given prefix is moved to the
  given level (the governance bullet is indented as level 2 but is the fourth area).
* a paragraph that is only a citation, like "(OECD/DAC, 2009)", is attached as the
  attribution of the preceding top-level item and does not break the list.
* a passage that ends with ':' but introduces nothing gets a note: an empty list, or,
  at the end of the document, a page that ends mid-sentence.
* an intro that announces a count ("four main areas") is checked against the items
  found, with a warning on mismatch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ingest.chrome import Line, frame_page, heading_like, is_title_block
from ingest.labels import announced_count, short_title
from ingest.model import DocumentMeta, Passage
from ingest.parse_blocks import Block, parse_blocks

_ATTRIBUTION = re.compile(r"^\(\s*[^()]*\d{4}[^()]*\)$")

NOTE_EMPTY_LIST = "The list this passage introduces is empty in the source document."
NOTE_TRUNCATED = "The source page ends here, mid-sentence: the text this passage introduces is missing."
NOTE_RELEVELED = "Indented as a sub-point in the captured page; it is a main item (see the document's notes)."


@dataclass
class _Section:
    key: str
    title: str
    item_labels: tuple[str, str] = ("Point", "Point")
    hinted: bool = False
    heading_chain: tuple[str, ...] = ()
    top_count: int = 0
    para_count: int = 0
    numbered: bool = False  # headed by a numbered line: one of a sequence a colon may announce


@dataclass
class _Node:
    pid: str
    number: str
    level: int
    block: Block
    kind: str
    section: _Section
    parent: _Node | None
    notes: list[str] = field(default_factory=list)
    attribution: str = ""
    children: list[_Node] = field(default_factory=list)
    short: str = ""
    intro: _Node | None = None  # for a top-level bullet: the paragraph introducing its list
    items: list[_Node] = field(default_factory=list)  # for an intro: the items it introduces


def parse_outline(text: str, meta: DocumentMeta,
                  chrome: frozenset[str] = frozenset()) -> tuple[list[Passage], list[str]]:
    """Parse ``text`` into passages; return them in document order with any warnings."""
    _, passages, warnings = parse_document(text, meta, chrome)
    return passages, warnings


def parse_document(text: str, meta: DocumentMeta, chrome: frozenset[str] = frozenset(),
                   common: frozenset[str] | None = None,
                   ) -> tuple[DocumentMeta, list[Passage], list[str]]:
    """Like :func:`parse_outline`, also returning the metadata completed from the page
    (its "Last edited" date when the sidecar has none). ``chrome`` are the lines the
    corpus-level pass found repeated across documents, ``common`` those in most of them
    (:func:`ingest.chrome.repeated_lines`); a repeated line not in ``common`` that heads a
    section inside the article stays a heading."""
    hints: dict[str, Any] = meta.structure or {}
    skip = frozenset(s.strip() for s in hints.get("skip_lines", []))
    raw = parse_blocks(text)
    frame = frame_page([Line(b.kind, b.text(text)) for b in raw], meta.title, chrome, skip, common)
    if frame.last_edited and not meta.last_edited:
        meta = replace(meta, last_edited=frame.last_edited)
    blocks = [
        b for i, b in enumerate(raw)
        if i not in frame.drop and not is_title_block(Line(b.kind, b.text(text)), meta.title)
    ]
    blocks = numbered_headings(text, promote_headings(text, label_items(text, blocks)))
    builder = _Builder(text, meta, hints)
    for i, b in enumerate(blocks):
        builder.feed(b, blocks[i + 1] if i + 1 < len(blocks) else None)
    passages, warnings = builder.finish()
    return meta, passages, warnings


def promote_headings(text: str, blocks: list[Block]) -> list[Block]:
    """Captured pages lose their heading markup: a heading-like paragraph followed by body
    text (a paragraph or list that is not itself heading-like) becomes a level-2 heading,
    so the page gets sections. Headings keep their level in documents that have them."""
    out: list[Block] = []
    for i, b in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if b.kind == "para" and nxt is not None and nxt.kind in ("para", "bullet") \
                and heading_like(b.text(text)) and not heading_like(nxt.text(text)):
            out.append(Block("heading", b.start, b.end, b.indent, 2))
        else:
            out.append(b)
    return out


_NUMBER_MARKER = re.compile(r"^[ \t]*\d{1,3}[.)][ \t\u00a0]*$")


def numbered_headings(text: str, blocks: list[Block]) -> list[Block]:
    """A page's steps captured as numbered lines between groups of bullets ("   1.
    Conduct assessments" then "• Visit stations…"): a numbered line that reads as a heading
    and is followed by body text that is not numbered (a "•" bullet or a paragraph) heads
    that text; it becomes a heading one level under the page's last heading. A run of
    numbered items ("1. Assess", "2. Design", …) stays a list."""
    out: list[Block] = []
    level = 1
    for i, b in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if b.kind == "heading":
            level = b.heading_level if not b.numbered else level
        elif b.kind == "bullet" and _numbered(text, b) and nxt is not None \
                and nxt.kind in ("bullet", "para") and not (nxt.kind == "bullet" and _numbered(text, nxt)) \
                and heading_like(b.text(text)) and not heading_like(nxt.text(text)):
            out.append(Block("heading", b.start, b.end, b.indent, level + 1, numbered=True))
            continue
        out.append(b)
    return out


def _numbered(text: str, b: Block) -> bool:
    """Is the bullet's marker a number ("1.", "2)")?"""
    line_start = text.rfind("\n", 0, b.start) + 1
    return bool(_NUMBER_MARKER.match(text[line_start:b.start]))


_LABEL_ITEM = re.compile(r"^(?P<label>[A-Z0-9‘“'\"][^:\n]{0,80}?):[ \t\u00a0]+\S")


def _is_label_line(line: str) -> bool:
    """"Police services: …": a short label (no sentence inside it) then a colon and text."""
    m = _LABEL_ITEM.match(line.strip())
    return m is not None and len(m["label"].split()) <= 8 and not re.search(r"[.!?;]\s", m["label"])


def label_items(text: str, blocks: list[Block]) -> list[Block]:
    """Lines "Label: text" without bullet glyphs after an intro ending with ':' are that
    intro's list items: each becomes a bullet block (a block whose every line is a label
    line is split into one item per line); so are the lines of a block right after the
    intro when each opens on a capital (``_line_items``)."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        b = blocks[i]
        i += 1
        if b.kind == "para" and not b.text(text).rstrip().endswith(":"):
            split = _split_intro_and_items(text, b)
            if split:
                out += split
                continue
        out.append(b)
        if b.kind != "para" or not b.text(text).rstrip().endswith(":"):
            continue
        if i < len(blocks) and blocks[i].kind == "para" and _line_items(text, blocks[i]):
            # "Sample indicators:" then one indicator per line, no glyphs: captured pages
            # keep a paragraph on one line, so separate lines under an intro are its items
            nb = blocks[i]
            out += [Block("bullet", s, e, nb.indent) for s, e in _line_spans(text, nb.start, nb.end)]
            i += 1
            continue
        while i < len(blocks) and blocks[i].kind == "para" \
                and _is_label_line(blocks[i].text(text).split("\n", 1)[0]):
            nb = blocks[i]
            lines = _line_spans(text, nb.start, nb.end)
            if len(lines) > 1 and all(_is_label_line(text[s:e]) for s, e in lines):
                out += [Block("bullet", s, e, nb.indent) for s, e in lines]
            else:
                out.append(Block("bullet", nb.start, nb.end, nb.indent))
            i += 1
    return out


def _line_items(text: str, b: Block) -> bool:
    return _items_per_line([text[s:e] for s, e in _line_spans(text, b.start, b.end)])


def _items_per_line(lines: list[str]) -> bool:
    """Two or more lines, each opening on a capital or a digit and none ending mid-word
    with a hyphen: separate items, not a paragraph wrapped over lines."""
    return len(lines) >= 2 and all(ln[0].isupper() or ln[0].isdigit() for ln in lines) \
        and not any(ln.endswith("-") for ln in lines)


def _split_intro_and_items(text: str, b: Block) -> list[Block]:
    """One block holding an intro line ending with ':' and, on the following lines, label
    items ("Police services: …") or one item per line ("Suggested indicators:" then an
    indicator a line): the intro paragraph, then one item per line."""
    lines = _line_spans(text, b.start, b.end)
    for k, (_, e) in enumerate(lines[:-1]):
        rest = [text[ls:le] for ls, le in lines[k + 1:]]
        if text[:e].endswith(":") and (all(_is_label_line(x) for x in rest) or _items_per_line(rest)):
            return [Block("para", b.start, e, b.indent),
                    *(Block("bullet", ls, le, b.indent) for ls, le in lines[k + 1:])]
    return []


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, pos = [], start
    for line in text[start:end].split("\n"):
        s = pos + len(line) - len(line.lstrip())
        e = pos + len(line.rstrip())
        if e > s:
            spans.append((s, e))
        pos += len(line) + 1
    return spans


class _Builder:
    def __init__(self, text: str, meta: DocumentMeta, hints: dict[str, Any]) -> None:
        self.text, self.meta = text, meta
        self.section_hints = list(hints.get("sections", []))
        self.relevel = [(r["starts_with"], int(r["level"])) for r in hints.get("relevel", [])]
        self.nodes: list[_Node] = []
        self.section = _Section(key="s0", title=meta.title)
        self.sections: list[_Section] = [self.section]
        self.heading_chain: list[tuple[int, str]] = []
        self.stack: list[_Node] = []  # open bullets by level (index = level - 1)
        self.indents: list[int] = []
        self.last_top: _Node | None = None
        self.intro: _Node | None = None
        self.outer: _Section | None = None
        self.outer_chain: list[tuple[int, str]] = []
        self.warnings: list[str] = []

    # -- feeding blocks -------------------------------------------------------------
    def feed(self, b: Block, nxt: Block | None) -> None:
        content = b.text(self.text)
        if b.kind == "heading":
            self._heading(b, content)
        elif b.kind == "para" and _ATTRIBUTION.match(content.strip()):
            self._attribution(content.strip())
        elif b.kind == "para":
            self._para(b, content, nxt)
        else:
            self._bullet(b, content)

    def _heading(self, b: Block, content: str) -> None:
        if b.numbered and not self.section.numbered:
            # where the page's prose resumes after its steps
            self.outer, self.outer_chain = self.section, list(self.heading_chain)
        while self.heading_chain and self.heading_chain[-1][0] >= b.heading_level:
            self.heading_chain.pop()
        self.heading_chain.append((b.heading_level, content.strip()))
        self._new_section(_Section(
            key=f"s{len(self.sections)}", title=content.strip(),
            heading_chain=tuple(h for _, h in self.heading_chain[:-1]), numbered=b.numbered,
        ))

    def _new_section(self, sec: _Section) -> None:
        self.section = sec
        self.sections.append(sec)
        self._close_list()

    def _close_list(self) -> None:
        self.stack, self.indents, self.last_top, self.intro = [], [], None, None

    def _attribution(self, content: str) -> None:
        target = self.last_top or (self.nodes[-1] if self.nodes else None)
        if target is None:
            return
        for n in _subtree(target):
            n.attribution = content

    def _para(self, b: Block, content: str, nxt: Block | None) -> None:
        hint = next((h for h in self.section_hints if content.startswith(h["starts_with"])), None)
        if hint is not None:
            labels = hint.get("item_labels", ["Point", "Point"])
            self._new_section(_Section(
                key=hint["key"], title=hint["title"], hinted=True,
                item_labels=(labels[0], labels[-1]),
                heading_chain=tuple(h for _, h in self.heading_chain),
            ))
            node = self._add(b, f"{self.section.key}-intro", "", 0, "intro", None)
            self.intro = node
            return
        self._close_list()
        if self.section.numbered and self.section.top_count and self.outer is not None:
            # prose after a step's bullets ("Illustrative example: …") is the page's again
            self.section, self.heading_chain = self.outer, list(self.outer_chain)
        self.section.para_count += 1
        n = self.section.para_count
        introduces_list = nxt is not None and nxt.kind == "bullet" and content.rstrip().endswith(":")
        kind = "intro" if introduces_list else "paragraph"
        node = self._add(b, f"{self.section.key}-p{n}", f"p{n}", 0, kind, None)
        if kind == "intro":
            self.intro = node

    def _bullet(self, b: Block, content: str) -> None:
        level = self._level(b.indent)
        forced = next((lvl for pre, lvl in self.relevel if content.startswith(pre)), None)
        notes: list[str] = []
        if forced is not None and forced != level:
            level = min(forced, len(self.stack) + 1)
            self.indents = [*self.indents[:level - 1], b.indent]
            notes.append(NOTE_RELEVELED)
        level = min(level, len(self.stack) + 1)
        self.stack = self.stack[:level - 1]
        parent = self.stack[-1] if self.stack else None
        if parent is None:
            self.section.top_count += 1
            number = str(self.section.top_count)
        else:
            number = f"{parent.number}.{len(parent.children) + 1}"
        node = self._add(b, f"{self.section.key}-{number}", number, level, "bullet", parent)
        node.notes.extend(notes)
        if parent is None:
            self.last_top = node
            if self.intro is not None:
                node.intro = self.intro
                self.intro.items.append(node)
        self.stack.append(node)

    def _level(self, indent: int) -> int:
        while self.indents and self.indents[-1] > indent:
            self.indents.pop()
        if not self.indents or self.indents[-1] < indent:
            self.indents.append(indent)
        return len(self.indents)

    def _add(self, b: Block, pid: str, number: str, level: int, kind: str, parent: _Node | None) -> _Node:
        node = _Node(pid=pid, number=number, level=level, block=b, kind=kind,
                     section=self.section, parent=parent)
        node.short = short_title(b.text(self.text))
        if parent is not None:
            parent.children.append(node)
        self.nodes.append(node)
        return node

    # -- finishing ------------------------------------------------------------------
    def finish(self) -> tuple[list[Passage], list[str]]:
        self._note_dangling_colons()
        self._check_announced_counts()
        passages = [self._passage(i, n) for i, n in enumerate(self.nodes)]
        ids = [p.passage_id for p in passages]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            passages = _dedupe(passages)
            self.warnings.append(f"duplicate passage ids renamed: {sorted(dupes)}")
        return passages, self.warnings

    def _note_dangling_colons(self) -> None:
        """A passage ending with ':' that introduces nothing: an empty list, or at the end
        of the document a page that stops mid-sentence. A paragraph ending with ':' and
        followed by another paragraph of its section introduces that paragraph; one
        followed by numbered sections introduces them."""
        for i, n in enumerate(self.nodes):
            if not n.block.text(self.text).rstrip().endswith(":") or n.children or n.items:
                continue
            nxt = self.nodes[i + 1] if i + 1 < len(self.nodes) else None
            if nxt is None:
                n.notes.append(NOTE_TRUNCATED)
            elif nxt.section is not n.section and nxt.section.numbered:
                continue  # "… the following steps:" announces the numbered sections after it
            elif n.kind == "bullet" and n.parent is None and n.intro is None and n.number == "1" \
                    and nxt.kind == "bullet" and nxt.section is n.section:
                continue  # an intro captured as the list's first bullet ("-" before every line)
            elif not (n.kind != "bullet" and nxt.kind != "bullet" and nxt.section is n.section):
                n.notes.append(NOTE_EMPTY_LIST)

    def _check_announced_counts(self) -> None:
        for sec in self.sections:
            intro = next((n for n in self.nodes if n.section is sec and n.kind == "intro"), None)
            if intro is None:
                continue
            want = announced_count(intro.block.text(self.text))
            if want is not None and want != sec.top_count:
                self.warnings.append(
                    f"{self.meta.doc_id}: '{sec.title}' announces {want} items but "
                    f"{sec.top_count} were found at the top level"
                )

    def _label(self, n: _Node) -> str:
        sec = n.section
        if n.kind == "intro" and sec.hinted:
            return f"{sec.title} — introduction"
        if n.kind in ("intro", "paragraph"):
            if sec.key == "s0":  # a headless page, or the text before its first heading
                return n.short
            return n.short if _same_words(n.short, sec.title) else f"{sec.title} — {n.short}"
        if not sec.hinted:  # no item names to number by: the item's own words
            return n.short[:1].upper() + n.short[1:]
        item = sec.item_labels[0 if n.level == 1 else 1]
        return f"{item} {n.number} — {n.short}"

    @staticmethod
    def _parent_id(n: _Node) -> str | None:
        """A sub-point's parent is its bullet; a top-level bullet's is the paragraph that
        introduces its list."""
        if n.parent is not None:
            return n.parent.pid
        return n.intro.pid if n.intro is not None else None

    def _passage(self, order: int, n: _Node) -> Passage:
        ancestors: list[_Node] = []
        p = n.parent
        while p is not None:
            ancestors.insert(0, p)
            p = p.parent
        sec = n.section
        crumbs = [self.meta.title, *sec.heading_chain]
        if sec.key != "s0":
            crumbs.append(sec.title)
        crumbs += [self._label(a) for a in ancestors]
        top = ancestors[0] if ancestors else n
        intro = [top.intro.short] if top.intro is not None and not sec.hinted else []
        context_parts = [sec.title, *intro] + [a.short for a in ancestors]
        return Passage(
            doc_id=self.meta.doc_id, passage_id=n.pid, label=self._label(n),
            breadcrumb=tuple(crumbs), text=n.block.text(self.text),
            start=n.block.start, end=n.block.end, level=n.level, kind=n.kind,
            section=sec.key, parent_id=self._parent_id(n),
            context=" > ".join(context_parts), title=self.meta.title,
            source_url=self.meta.source_url, last_edited=self.meta.last_edited,
            notes=tuple(n.notes), attribution=n.attribution, order=order,
        )


def _same_words(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a).strip().lower() == re.sub(r"\W+", " ", b).strip().lower()


def _subtree(n: _Node) -> list[_Node]:
    out = [n]
    for c in n.children:
        out.extend(_subtree(c))
    return out


def _dedupe(passages: list[Passage]) -> list[Passage]:
    seen: dict[str, int] = {}
    out = []
    for p in passages:
        k = seen.get(p.passage_id, 0)
        seen[p.passage_id] = k + 1
        out.append(p if k == 0 else replace(p, passage_id=f"{p.passage_id}-{k + 1}"))
    return out

