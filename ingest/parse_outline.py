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

from ingest.labels import announced_count, short_title
from ingest.model import DocumentMeta, Passage
from ingest.parse_blocks import Block, parse_blocks

_ATTRIBUTION = re.compile(r"^\(\s*[^()]*\d{4}[^()]*\)$")
_LAST_EDITED = re.compile(r"^last (?:edited|updated|modified):", re.IGNORECASE)

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
    intro_uid: str | None = None


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


def parse_outline(text: str, meta: DocumentMeta) -> tuple[list[Passage], list[str]]:
    """Parse ``text`` into passages; return them in document order with any warnings."""
    hints: dict[str, Any] = meta.structure or {}
    skip = {s.strip() for s in hints.get("skip_lines", [])}
    blocks = [
        b for b in parse_blocks(text)
        if b.text(text).strip() not in skip
        and not _LAST_EDITED.match(b.text(text).strip())
        and not _is_title(b, b.text(text), meta.title)
    ]
    builder = _Builder(text, meta, hints)
    for i, b in enumerate(blocks):
        builder.feed(b, blocks[i + 1] if i + 1 < len(blocks) else None)
    return builder.finish()


def _is_title(b: Block, content: str, title: str) -> bool:
    """The document's title line (a heading, or a line that is not a sentence) is the
    document's name, not a passage."""
    if b.kind == "bullet" or not _same(content, title):
        return False
    return b.kind == "heading" or not content.rstrip().endswith(".")


def _same(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a).strip().lower() == re.sub(r"\W+", " ", b).strip().lower()


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
        while self.heading_chain and self.heading_chain[-1][0] >= b.heading_level:
            self.heading_chain.pop()
        self.heading_chain.append((b.heading_level, content.strip()))
        self._new_section(_Section(
            key=f"s{len(self.sections)}", title=content.strip(),
            heading_chain=tuple(h for _, h in self.heading_chain[:-1]),
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
            self.section.intro_uid = node.pid
            self.intro = node
            return
        self._close_list()
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
        for i, n in enumerate(self.nodes):
            if not n.block.text(self.text).rstrip().endswith(":") or n.children:
                continue
            if n.kind == "intro" and any(m.section is n.section and m.kind == "bullet" for m in self.nodes):
                continue
            n.notes.append(NOTE_TRUNCATED if i == len(self.nodes) - 1 else NOTE_EMPTY_LIST)

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
            where = sec.title if sec.key != "s0" else "Introduction"
            return f"{where} — paragraph {n.number[1:]}: {n.short}"
        item = sec.item_labels[0 if n.level == 1 else 1]
        return f"{item} {n.number} — {n.short}"

    @staticmethod
    def _parent_id(n: _Node) -> str | None:
        """A sub-point's parent is its bullet; a top-level bullet's is its section's intro."""
        if n.parent is not None:
            return n.parent.pid
        return n.section.intro_uid if n.kind == "bullet" else None

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
        context_parts = [sec.title] + [a.short for a in ancestors]
        return Passage(
            doc_id=self.meta.doc_id, passage_id=n.pid, label=self._label(n),
            breadcrumb=tuple(crumbs), text=n.block.text(self.text),
            start=n.block.start, end=n.block.end, level=n.level, kind=n.kind,
            section=sec.key, parent_id=self._parent_id(n),
            context=" > ".join(context_parts), title=self.meta.title,
            source_url=self.meta.source_url, last_edited=self.meta.last_edited,
            notes=tuple(n.notes), attribution=n.attribution, order=order,
        )


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

