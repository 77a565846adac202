"""The Answerer protocol: what any answerer (extractive, or an LLM later) receives and returns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from assistant.model import Citation, Turn
from assistant.retrieve import Hit, Retrieval


@dataclass(frozen=True)
class Part:
    """One part of a (possibly multi-part) question with what retrieval found for it."""

    question: str
    retrieval: Retrieval


@dataclass(frozen=True)
class AnswerRequest:
    question: str
    history: tuple[Turn, ...]
    parts: tuple[Part, ...]
    top_k: int
    reasons: bool = False  # "why does that matter?": answer with the reasons given
    previous_answer: str = ""  # what was already said (not to be repeated)
    refers_to: tuple[str, ...] = ()  # passages a follow-up points at ("why does *that* matter?")

    def top_hits(self) -> list[Hit]:
        """Hits of all parts, best first, each passage once."""
        seen, out = set(), []
        for part in self.parts:
            for h in part.retrieval.hits[: self.top_k]:
                if h.passage.uid not in seen:
                    seen.add(h.passage.uid)
                    out.append(h)
        return out


@dataclass(frozen=True)
class Composition:
    answer: str
    citations: tuple[Citation, ...]
    notice: str = ""
    checks: tuple[dict[str, Any], ...] = ()  # per-sentence support verdicts (LLM answers)
    answerer: str = ""  # who actually answered (an LLM answerer may fall back to extractive)


class Answerer(Protocol):
    name: str

    def compose(self, request: AnswerRequest) -> Composition: ...


@runtime_checkable
class StreamingAnswerer(Answerer, Protocol):
    """An answerer that can show text as it is produced; the last item is the checked
    Composition that replaces the streamed draft."""

    def stream(self, request: AnswerRequest) -> Iterator[str | Composition]: ...
