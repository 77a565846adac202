"""The Python API every front end calls: ``Assistant.open(...).ask(question, history)``."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answerer import Answerer, AnswerRequest, Composition, Part, StreamingAnswerer
from assistant.compose import ExtractiveAnswerer
from assistant.coverage import CALIBRATION_FILE, CoverageModel
from assistant.followup import resolve
from assistant.index import IndexView
from assistant.model import Answer, DocumentInfo, QuestionError, Turn
from assistant.retrieve import FusionConfig, HybridRetriever, Retrieval
from assistant.safety import SAFETY_NOTE, is_personal_disclosure
from assistant.text import clean_question, tokens
from ingest.model import Passage
from ingest.settings import Settings, offline_environment

NOT_COVERED = "The guidance does not cover this question."
_PART_SPLIT = re.compile(
    r"\?\s+|;\s+|,?\s+and\s+(?=(?:what|how|why|which|who|where|when|should|can|could|is|are|"
    r"does|do)\b)|,?\s+(?:as well as|and also|plus)\s+",
    re.IGNORECASE,
)


class Assistant:
    """Answers questions from the live index; reopens it when ingest publishes a new one."""

    def __init__(self, settings: Settings, answerer: Answerer | None = None,
                 coverage: CoverageModel | None = None, fusion: FusionConfig | None = None) -> None:
        offline_environment()
        self.settings = settings
        self._fusion = fusion
        self._lock = threading.Lock()
        self._open_index()
        self._answerer = answerer
        self._llm: tuple[Any, Answerer] | None = None  # (retriever it was built for, answerer)
        self.coverage = coverage or (CoverageModel.load() if CALIBRATION_FILE.is_file() else None)
        if settings.llm and answerer is None:
            _ = self.answerer  # a bad --llm spec fails here, before any question

    @classmethod
    def open(cls, data_dir: str | Path | None = None, **settings: Any) -> Assistant:
        return cls(Settings.load(data_dir=data_dir, **settings))

    def _open_index(self) -> None:
        self.view = IndexView(self.settings.data_dir, self.settings.chroma_url)
        self.retriever = HybridRetriever(self.view, self._fusion)
        self.extractive = ExtractiveAnswerer(self.retriever)

    def _fresh(self) -> None:
        """Pick up a newly published index generation (ingest ran while we serve)."""
        if self.view.is_stale():
            with self._lock:
                if self.view.is_stale():
                    self._open_index()

    @property
    def answerer(self) -> Answerer:
        """The answerer given, else an LLM one when ``settings.llm`` names a model (built
        lazily, rebuilt when the index generation changes), else the extractive one."""
        if self._answerer is not None:
            return self._answerer
        if not self.settings.llm:
            return self.extractive
        if self._llm is None or self._llm[0] is not self.retriever:
            from assistant.llm import build_llm_answerer

            self._llm = (self.retriever, build_llm_answerer(
                self.settings.llm, self.retriever, self.extractive, self.settings.llm_timeout_s))
        return self._llm[1]

    # -- questions ------------------------------------------------------------------
    def check_question(self, question: str) -> str:
        if not isinstance(question, str):
            raise QuestionError("the question must be text")
        q = clean_question(question)
        if not q:
            raise QuestionError("the question is empty")
        limit = self.settings.max_question_chars
        if len(q) > limit:
            raise QuestionError(f"the question is {len(q):,} characters; the limit is {limit:,}")
        return q

    def retrieve(self, query: str, history_query: str = "", limit: int = 20) -> Retrieval:
        self._fresh()
        return self.retriever.search(query, history_query=history_query, limit=limit)

    def ask(self, question: str, history: list[Turn] | None = None, top_k: int | None = None) -> Answer:
        prepared = self._prepare(question, history, top_k)
        if isinstance(prepared, Answer):
            return prepared
        t1 = time.perf_counter()
        comp = self.answerer.compose(prepared.request)
        return prepared.finish(comp, t1, self.answerer.name)

    def ask_stream(self, question: str, history: list[Turn] | None = None,
                   top_k: int | None = None) -> Iterator[str | Answer]:
        """Text deltas as an LLM answerer produces them, then the checked ``Answer``
        (which replaces the draft). Non-streaming answerers yield only the Answer."""
        prepared = self._prepare(question, history, top_k)
        if isinstance(prepared, Answer):
            yield prepared
            return
        t1 = time.perf_counter()
        answerer = self.answerer
        if not isinstance(answerer, StreamingAnswerer):
            yield prepared.finish(answerer.compose(prepared.request), t1, answerer.name)
            return
        for item in answerer.stream(prepared.request):
            if isinstance(item, Composition):
                yield prepared.finish(item, t1, answerer.name)
                return
            yield item

    def _prepare(self, question: str, history: list[Turn] | None,
                 top_k: int | None) -> Answer | _Prepared:
        """Everything before composing: checks, follow-up resolution, retrieval, and the
        "not covered" decision (which needs no answerer)."""
        t0 = time.perf_counter()
        q = self.check_question(question)
        turns = _check_history(history or [])
        k = top_k or self.settings.top_k
        query, history_query = resolve(q, turns)
        main = self.retrieve(query, history_query)
        notice = SAFETY_NOTE if is_personal_disclosure(q) else ""
        retrieved = tuple((h.passage.uid, h.score) for h in main.hits[:k])
        timings = dict(main.timings_ms)
        timings["retrieve"] = (time.perf_counter() - t0) * 1000
        if not self.is_covered(main):
            return Answer(
                question=q, answer=NOT_COVERED, abstained=True, retrieved=retrieved,
                timings_ms=timings | {"total": (time.perf_counter() - t0) * 1000}, notice=notice,
                suggestions=tuple(h.passage.label for h in main.hits[:3]), resolved_query=query,
                answerer=self.answerer.name,
            )
        parts = self._parts(q, query, main) if not history_query else (Part(query, main),)
        return _Prepared(AnswerRequest(q, tuple(turns), parts, k), retrieved, timings, notice,
                         query, t0)

    def is_covered(self, r: Retrieval) -> bool:
        if self.coverage is None:
            return True
        return self.coverage.covered(r.signals)

    def _parts(self, q: str, query: str, main: Retrieval) -> tuple[Part, ...]:
        pieces = [p.strip(" ,.?") for p in _PART_SPLIT.split(q)]
        pieces = [p for p in pieces if len(tokens(p)) >= 2]
        if len(pieces) < 2:
            return (Part(query, main),)
        return tuple(Part(p, self.retrieve(p)) for p in pieces[:4])

    # -- browsing -------------------------------------------------------------------
    def outline(self) -> list[Passage]:
        self._fresh()
        return list(self.view.passages)

    def documents(self) -> list[DocumentInfo]:
        """Per indexed document: doc_id, title, last_edited, source_url, passage count."""
        self._fresh()
        return self.view.documents()

    def passage(self, ref: str) -> Passage:
        """A passage by uid ("doc#ep-1.3"), or by bare id when one document has it
        (UnknownPassageError otherwise, naming the candidates)."""
        self._fresh()
        return self.view.get(ref)

    def neighbours(self, ref: str) -> tuple[Passage | None, Passage | None]:
        return self.view.neighbours(self.passage(ref))

    def children(self, ref: str) -> list[Passage]:
        return self.view.children(self.passage(ref))

    def document_text(self, doc_id: str) -> str:
        return self.view.doc_text(doc_id)

    def as_retriever(self, k: int | None = None) -> Any:
        """The hybrid retriever as a LangChain ``BaseRetriever`` (like a vector store's)."""
        from assistant.lc import GuidanceRetriever

        return GuidanceRetriever(assistant=self, k=k or self.settings.top_k)


@dataclass(frozen=True)
class _Prepared:
    request: AnswerRequest
    retrieved: tuple[tuple[str, float], ...]
    timings: dict[str, float]
    notice: str
    query: str
    t0: float

    def finish(self, comp: Composition, t1: float, answerer_name: str) -> Answer:
        now = time.perf_counter()
        timings = self.timings | {"compose": (now - t1) * 1000, "total": (now - self.t0) * 1000}
        return Answer(
            question=self.request.question, answer=comp.answer, abstained=not comp.citations,
            citations=comp.citations, retrieved=self.retrieved, timings_ms=timings,
            notice="\n".join(x for x in (self.notice, comp.notice) if x), resolved_query=self.query,
            answerer=comp.answerer or answerer_name, checks=comp.checks,
        )


def _check_history(history: list[Any]) -> list[Turn]:
    if not isinstance(history, list):
        raise QuestionError("history must be a list of {role, content} turns")
    out: list[Turn] = []
    for i, t in enumerate(history):
        if not isinstance(t, dict) or t.get("role") not in ("user", "assistant") \
                or not isinstance(t.get("content"), str):
            raise QuestionError(f"history turn {i} must be {{'role': 'user'|'assistant', 'content': str}}")
        out.append({"role": t["role"], "content": clean_question(t["content"])[:20000]})
    return out
