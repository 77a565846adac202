"""The Python API every front end calls: ``Assistant.open(...).ask(question, history)``."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answerability import AnswerabilityJudge, Cited, Verdict, is_english, not_covered_text
from assistant.answerer import Answerer, AnswerRequest, Composition, Part, StreamingAnswerer
from assistant.compose import ExtractiveAnswerer
from assistant.conversation import CitationFinder, focus_retrieval, next_in_list, with_own_words
from assistant.coverage import CALIBRATION_FILE, CoverageModel
from assistant.focus import find_focus
from assistant.followup import ConversationResolver, FollowUpResolver, Resolution
from assistant.index import IndexView
from assistant.model import Answer, DocumentInfo, QuestionError, Turn
from assistant.parts import split_parts
from assistant.retrieve import FusionConfig, HybridRetriever, Retrieval
from assistant.safety import SAFETY_NOTE, SAFETY_NOTE_MORE, is_personal_disclosure
from assistant.standalone import read
from assistant.text import clean_question, instruction_like
from ingest.embed import MINILM_NAME
from ingest.model import Passage
from ingest.parse_outline import NOTE_EMPTY_LIST, NOTE_TRUNCATED
from ingest.settings import Settings, offline_environment

NOT_COVERED = "The guidance does not cover this question."


class Assistant:
    """Answers questions from the live index; reopens it when ingest publishes a new one."""

    def __init__(self, settings: Settings, answerer: Answerer | None = None,
                 coverage: CoverageModel | None = None, fusion: FusionConfig | None = None,
                 resolver: FollowUpResolver | None = None) -> None:
        offline_environment()
        self.settings = settings
        self._fusion = fusion
        self._given_resolver = resolver
        self._lock = threading.Lock()
        self._asking = threading.local()  # this thread's searches within one question
        self.coverage = coverage or (CoverageModel.load() if CALIBRATION_FILE.is_file() else None)
        self._open_index()
        self._answerer = answerer
        self._llm: tuple[Any, Answerer] | None = None  # (retriever it was built for, answerer)
        if settings.llm and answerer is None:
            _ = self.answerer  # a bad --llm spec fails here, before any question

    @classmethod
    def open(cls, data_dir: str | Path | None = None, **settings: Any) -> Assistant:
        return cls(Settings.load(data_dir=data_dir, **settings))

    def _open_index(self) -> None:
        self.view = IndexView(self.settings.data_dir, self.settings.chroma_url)
        self.retriever = HybridRetriever(self.view, self._fusion)
        self.extractive = ExtractiveAnswerer(self.retriever)
        minilm = self.retriever.embedder(MINILM_NAME) if MINILM_NAME in self.view.embedder_names else None
        self.judge = AnswerabilityJudge(
            minilm.embed_documents if minilm else (lambda texts: np.zeros((len(texts), 384))),
            self.view.passages)
        self.resolver: FollowUpResolver = self._given_resolver or ConversationResolver(
            CitationFinder(self.view.passages), confidence=self._confidence if self.coverage else None,
            text_of=lambda uid: self.view.by_uid[uid].text if uid in self.view.by_uid else "")

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
        self._asking.searches = {}
        try:
            return self._prepare_once(question, history, top_k)
        finally:
            self._asking.searches = None

    def _search(self, query: str) -> Retrieval:
        """``retrieve``, once per query within one question: the follow-up resolver's
        retrieval check and the answer's own retrieval often ask the same query."""
        searches: dict[str, Retrieval] | None = getattr(self._asking, "searches", None)
        if searches is None:
            return self.retrieve(query)
        if query not in searches:
            searches[query] = self.retrieve(query)
        return searches[query]

    def _prepare_once(self, question: str, history: list[Turn] | None,
                      top_k: int | None) -> Answer | _Prepared:
        t0 = time.perf_counter()
        q = self.check_question(question)
        turns = _check_history(history or [])
        k = top_k or self.settings.top_k
        resolution = self.resolver(q, turns)
        query = resolution.query
        main = self._search(query)
        if resolution.followup and query != q and resolution.kind not in ("ordinal", "what-else") \
                and read(q).content >= 3:
            main = with_own_words(main, self._search(q))
        main = self._focused(main, resolution)
        disclosure = is_personal_disclosure(q)
        notice = SAFETY_NOTE if disclosure else ""
        # an ordinal ("the second item") names the passage; it is no aspect to look for
        focus = find_focus(query if resolution.kind in ("what-about", "ordinal") else q)
        retrieved = tuple((h.passage.uid, h.score) for h in main.hits[:k])
        timings = dict(main.timings_ms)
        timings["retrieve"] = (time.perf_counter() - t0) * 1000
        if instruction_like(q) or not self.is_covered(main, is_english(q)):
            gaps = self._missing(q, focus, main) if not instruction_like(q) else ()
            near = () if disclosure else main.hits[:3]
            return Answer(
                question=q, answer=not_covered_text(gaps), abstained=True, retrieved=retrieved,
                timings_ms=timings | {"total": (time.perf_counter() - t0) * 1000}, notice=notice,
                suggestions=tuple(h.passage.label for h in near),
                suggested_ids=tuple(h.passage.uid for h in near), resolved_query=query,
                answerer=self.answerer.name, gaps=gaps, coverage="not_covered",
                followup=resolution.followup,
            )
        parts = self._parts(q, query, main) if not resolution.followup else (Part(query, main),)
        previous = resolution.previous.answer if resolution.previous else ""
        refers_to = resolution.focus if resolution.wants_reasons else ()
        request = AnswerRequest(q, tuple(turns), parts, k, reasons=resolution.wants_reasons,
                                previous_answer=previous, refers_to=refers_to)
        referred = tuple((u, self.view.by_uid[u].label) for u in refers_to if u in self.view.by_uid)
        return _Prepared(request, retrieved, timings, notice,
                         query, t0, resolution, self._judge_fn(q, query, focus, disclosure), referred)

    def _judge_fn(self, q: str, query: str, focus: Any, disclosure: bool) -> Any:
        def judge(comp: Composition) -> Verdict:
            vectors = self.view.sentence_vectors
            cited = []
            for c in comp.citations:
                p = self.view.by_uid.get(f"{c.doc_id}#{c.passage_id}")
                if p is not None:
                    cited.append(Cited(p, c.quote, vectors.get(p.uid, (None, None))[1]))
            verdict = self.judge.judge(q, cited, focus, context=query)
            # the quote reaches the end of a passage whose source page stops mid-sentence
            cut = [_cut_off_gap(c.passage) for c in cited
                   if (NOTE_TRUNCATED in c.passage.notes or NOTE_EMPTY_LIST in c.passage.notes)
                   and _flat_end(c.quote) == _flat_end(c.passage.text)]
            if cut and verdict.coverage != "not_covered":
                return Verdict("partial", tuple(dict.fromkeys((*verdict.gaps, *cut))), verdict.checks)
            return verdict
        judge.disclosure = disclosure  # type: ignore[attr-defined]
        return judge

    def _missing(self, q: str, focus: Any, r: Retrieval) -> tuple[str, ...]:
        """What a refused question asks that the nearest passages do not address (so the
        refusal names it instead of everything the question mentions)."""
        vectors = self.view.sentence_vectors
        near = [Cited(h.passage, h.passage.text, vectors.get(h.passage.uid, (None, None))[1])
                for h in r.hits[:2]]
        verdict = self.judge.judge(q, near, focus)
        return verdict.gaps or tuple(a.text for a in focus.aspects)

    def _focused(self, r: Retrieval, resolution: Resolution) -> Retrieval:
        """Keep a follow-up near what it refers to: an ordinal names one passage outright;
        "that"/"why"/ellipsis lean on the previous answer's passages more gently."""
        # an ordinal names one passage, "anything else?" the rest of a list in order: outright
        weight = 3.0 if resolution.kind in ("ordinal", "what-else") else 0.5
        k = 1.0 if resolution.kind == "what-else" else 5.0
        focus = resolution.focus
        if resolution.exclude:
            # "anything else?" / "what about X?": what was cited is out; for "anything
            # else?" the rest of its list comes into view
            r = replace(r, hits=tuple(h for h in r.hits if h.passage.uid not in resolution.exclude))
            first = self.view.by_uid.get(resolution.exclude[0])
            if resolution.kind == "what-else":
                focus = next_in_list(self._siblings(first), resolution.exclude) if first else ()
        r = focus_retrieval(r, focus, self.view.by_uid, weight=weight, k=k)
        if resolution.kind == "ordinal" and focus:
            r = self._named_only(r, focus)
        return r

    def _named_only(self, r: Retrieval, named: tuple[str, ...]) -> Retrieval:
        """"The second one": the user named a passage of the answer, so the answer comes
        from it (and the items under it), not from a neighbour whose sentence happens to
        match the rest of the question better ("…: who pays for it?")."""
        keep = set(named)
        for uid in named:
            p = self.view.by_uid.get(uid)
            if p is not None:
                keep |= {c.uid for c in self.view.children(p)}
        hits = tuple(h for h in r.hits if h.passage.uid in keep)
        if not hits:
            return r
        return replace(r, hits=hits)

    def _siblings(self, p: Passage) -> list[Passage]:
        parent = self.view.parent(p)
        return self.view.children(parent) if parent else []

    def _confidence(self, query: str) -> tuple[float, tuple[str, ...]]:
        """How likely ``query`` alone is covered, and its first five passages (the
        follow-up resolver's retrieval check)."""
        assert self.coverage is not None
        r = self._search(query)
        return (self.coverage.probability(r.signals, is_english(query)),
                tuple(h.passage.uid for h in r.hits[:5]))

    def is_covered(self, r: Retrieval, english: bool = True) -> bool:
        if self.coverage is None:
            return True
        return self.coverage.covered(r.signals, english)

    def _parts(self, q: str, query: str, main: Retrieval) -> tuple[Part, ...]:
        pieces = split_parts(q)
        if len(pieces) < 2:
            return (Part(query, main),)
        return tuple(Part(p.text, self.retriever.blend(self._search(p.query), main,
                                                       WHOLE_QUESTION_WEIGHT))
                     for p in pieces)

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


# A part of a multi-part question is retrieved with the whole question's rankings fused in
# at this weight (``HybridRetriever.blend``): a part read alone loses what "that" or "it"
# stood for. Chosen on the module set's fit split (cross-page questions citing both pages
# 5 -> 6 of 11 at 1.0; 5 at 0.3, 0.6, 2.0 and 4.0); README, "Answer quality".
WHOLE_QUESTION_WEIGHT = 1.0


@dataclass(frozen=True)
class _Prepared:
    request: AnswerRequest
    retrieved: tuple[tuple[str, float], ...]
    timings: dict[str, float]
    notice: str
    query: str
    t0: float
    resolution: Resolution | None = None
    judge: Any = None  # Composition -> Verdict
    referred: tuple[tuple[str, str], ...] = ()  # (uid, label) of what a "why?" asks about


    def finish(self, comp: Composition, t1: float, answerer_name: str) -> Answer:
        verdict = self.judge(comp) if self.judge and comp.citations else Verdict(
            "covered" if comp.citations else "not_covered", ())
        now = time.perf_counter()
        timings = self.timings | {"compose": (now - t1) * 1000, "total": (now - self.t0) * 1000}
        followup = bool(self.resolution and self.resolution.followup)
        common = dict(question=self.request.question, retrieved=self.retrieved, resolved_query=self.query,
                      answerer=comp.answerer or answerer_name, followup=followup)
        if self.request.reasons and self.referred and not comp.citations:
            # "why does that matter?" where the passages just cited give no reason or effect
            return Answer(
                answer=NO_REASONS_TEXT, abstained=True, timings_ms=timings, notice=self.notice,
                suggestions=tuple(label for _, label in self.referred),
                suggested_ids=tuple(uid for uid, _ in self.referred),
                gaps=("the reasons for it",), coverage="not_covered", **common)  # type: ignore[arg-type]
        if verdict.coverage == "not_covered" or not comp.citations:
            disclosure = bool(getattr(self.judge, "disclosure", False))
            near = () if disclosure else comp.citations
            return Answer(
                answer=not_covered_text(verdict.gaps), abstained=True, timings_ms=timings,
                notice=self.notice, suggestions=tuple(c.label for c in near),
                suggested_ids=tuple(f"{c.doc_id}#{c.passage_id}" for c in near),
                gaps=verdict.gaps, coverage="not_covered", **common)  # type: ignore[arg-type]
        notice = self.notice + (" " + SAFETY_NOTE_MORE if self.notice else "")
        return Answer(
            answer=comp.answer, abstained=False, citations=comp.citations, timings_ms=timings,
            notice="\n".join(x for x in (notice, comp.notice) if x), checks=comp.checks,
            gaps=verdict.gaps, coverage=verdict.coverage, **common)  # type: ignore[arg-type]


NO_REASONS_TEXT = ("The guidance does not say why: the passages cited in the previous answer give no "
                   "reason or effect for it.")


def _flat_end(text: str) -> str:
    return " ".join(text.split())[-40:]


def _cut_off_gap(p: Passage) -> str:
    """Name what a passage introduces but the source page never gives (it ends mid-list)."""
    text = re.sub(r"\s*\([^()]*\)\s*:?\s*$", "", " ".join(p.text.split())).rstrip(" :")
    words = text.split()
    why = "the source page ends there" if NOTE_TRUNCATED in p.notes else "the list is empty in the source"
    return f"what follows “…{' '.join(words[-5:])}” ({why})"


def _check_history(history: list[Any]) -> list[Turn]:
    if not isinstance(history, list):
        raise QuestionError("history must be a list of {role, content} turns")
    out: list[Turn] = []
    for i, t in enumerate(history):
        if not isinstance(t, dict) or t.get("role") not in ("user", "assistant") \
                or not isinstance(t.get("content"), str):
            raise QuestionError(f"history turn {i} must be {{'role': 'user'|'assistant', 'content': str}}")
        turn: Turn = {"role": t["role"], "content": clean_question(t["content"])[:20000]}
        cites = t.get("citations")
        if isinstance(cites, list) and all(isinstance(c, str) for c in cites):
            turn["citations"] = [c[:200] for c in cites[:50]]
        out.append(turn)
    return out
