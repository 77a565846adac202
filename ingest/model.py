"""The nouns of the ingest step: a source document and the passages parsed from it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class DocumentMeta:
    """What the sidecar (``<stem>.meta.json``) says about a document, or defaults."""

    doc_id: str
    title: str
    source_url: str = ""
    last_edited: str = ""
    language: str = "en"
    publisher: str = ""
    notes: tuple[str, ...] = ()
    structure: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Passage:
    """One bullet or paragraph of a document: the unit that is retrieved and cited.

    ``text`` is the passage's own words exactly as they stand in the source text, and
    ``source_text[start:end] == text``. ``context`` is the parent heading(s), added to
    what is embedded but never to what is cited.
    """

    doc_id: str
    passage_id: str
    label: str
    breadcrumb: tuple[str, ...]
    text: str
    start: int
    end: int
    level: int
    kind: str  # "intro" | "bullet" | "paragraph"
    section: str
    parent_id: str | None
    context: str
    title: str
    source_url: str
    last_edited: str
    notes: tuple[str, ...] = ()
    attribution: str = ""
    order: int = 0

    @property
    def uid(self) -> str:
        """Globally unique id across documents (the Chroma id)."""
        return f"{self.doc_id}#{self.passage_id}"

    def embed_text(self) -> str:
        return f"{self.context}: {self.text}" if self.context else self.text

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["breadcrumb"] = list(self.breadcrumb)
        d["notes"] = list(self.notes)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Passage:
        d = dict(d)
        d["breadcrumb"] = tuple(d.get("breadcrumb", ()))
        d["notes"] = tuple(d.get("notes", ()))
        return cls(**d)


@dataclass(frozen=True)
class ParsedDocument:
    meta: DocumentMeta
    path: str
    sha256: str
    text: str
    passages: tuple[Passage, ...]
    warnings: tuple[str, ...] = ()
