"""The nouns of answering: a citation, an answer, and a conversation turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, TypedDict


class Turn(TypedDict):
    role: Literal["user", "assistant"]
    content: str
    # an assistant turn's cited passages (uids or unambiguous passage ids), in marker
    # order; front ends that kept the Answer send them, a text-only history omits them
    citations: NotRequired[list[str]]


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document as front ends list it: what it is, where it comes from, when
    it was last edited (from its sidecar or its page's "Last edited" line)."""

    doc_id: str
    title: str
    last_edited: str
    source_url: str
    passages: int

    def to_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "title": self.title, "last_edited": self.last_edited,
                "source_url": self.source_url, "passages": self.passages}


@dataclass(frozen=True)
class Citation:
    marker: int
    passage_id: str
    doc_id: str
    label: str
    quote: str  # verbatim substring of ``text``
    text: str  # the passage's own full text
    source_url: str
    start: int  # passage offsets in the document's source text
    end: int
    quote_start: int  # quote offsets in the same source text
    quote_end: int
    breadcrumb: tuple[str, ...] = ()

    @property
    def uid(self) -> str:
        """The passage's id across documents (``Passage.uid``): "<doc_id>#<passage_id>"."""
        return f"{self.doc_id}#{self.passage_id}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "marker": self.marker, "uid": self.uid, "passage_id": self.passage_id,
            "doc_id": self.doc_id,
            "label": self.label, "quote": self.quote, "text": self.text,
            "source_url": self.source_url, "start": self.start, "end": self.end,
            "quote_start": self.quote_start, "quote_end": self.quote_end,
            "breadcrumb": list(self.breadcrumb),
        }


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[tuple[str, float], ...] = ()  # (passage uid, fused score), best first
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str = ""  # safety or fallback notice shown before the answer, never cited
    suggestions: tuple[str, ...] = ()  # nearest covered topics when abstaining (labels)
    suggested_ids: tuple[str, ...] = ()  # their passage uids, in the same order
    resolved_query: str = ""  # what was searched after resolving a follow-up
    answerer: str = "extractive"
    checks: tuple[dict[str, Any], ...] = ()
    # what the question asks that the cited guidance does not address (empty when fully
    # covered); with ``abstained`` it names the focus the guidance says nothing about
    gaps: tuple[str, ...] = ()
    coverage: Literal["covered", "partial", "not_covered"] = "covered"
    followup: bool = False  # the question was read as leaning on the conversation

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [{"uid": uid, "passage_id": passage_id_of(uid), "score": round(s, 6)}
                          for uid, s in self.retrieved],
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
            "notice": self.notice,
            "suggestions": list(self.suggestions),
            "suggested_ids": list(self.suggested_ids),
            "resolved_query": self.resolved_query,
            "answerer": self.answerer,
            "checks": list(self.checks),
            "gaps": list(self.gaps),
            "coverage": self.coverage,
            "followup": self.followup,
        }


def passage_id_of(uid: str) -> str:
    """The document-local passage id of a uid ("doc#ep-1.4" -> "ep-1.4")."""
    return uid.rpartition("#")[2]


class QuestionError(ValueError):
    """A question that cannot be answered as given (empty, too long)."""
